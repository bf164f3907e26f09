"""The whole flow through the gateway, as an integration drives it: authorize, exchange, call, refresh.

(The same flow through the typed SDK clients is in test_sdk_flow.py.)
"""

from __future__ import annotations

import httpx
import pytest

from dsorders.gateway import create_app
from dsorders.oauth import demo_sign_in
from dsorders.settings import Settings

from ..conftest import VECTOR_NOW_MS, Clock, World
from .conftest import ORDER_GET, PASSWORD, authorize_code, authorize_query, call

pytestmark = pytest.mark.anyio
QUERY = '{"order_id":"10000001"}'


async def test_authorize_exchange_call_refresh(web: httpx.AsyncClient, clock: Clock, signed_in: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in authorize_query().items())
    code = await authorize_code(web, f"/oauth/authorize?{query}", signed_in, PASSWORD)
    clock.now += 60
    now = int(clock.now * 1000)
    token = await call(web, "/auth/token/create", now, code=code)
    assert token["code"] == "0" and token["account"] == signed_in
    order = await call(web, ORDER_GET, now, session=token["access_token"], single_order_query=QUERY, simplify="true")
    assert order["code"] == "0" and order["result"]["order_amount"]

    refreshed = await call(web, "/auth/token/refresh", now, refresh_token=token["refresh_token"])
    old = await call(web, ORDER_GET, now, session=token["access_token"], single_order_query=QUERY, simplify="true")
    new = await call(web, ORDER_GET, now, access_token=refreshed["access_token"], single_order_query=QUERY,
                     simplify="true")  # fmt: skip
    assert (old["code"], new["code"]) == ("IllegalAccessToken", "0")
    assert (await call(web, "/auth/token/create", now, code=code))["code"] == "InvalidCode"


async def test_create_app_mounts_the_authorize_page_and_the_demo_link_works(settings: Settings, world: World) -> None:
    """The served app (create_app) and the demo's sign-in: from the printed URL to a token."""
    clock = Clock(VECTOR_NOW_MS)
    gateway = create_app(settings, clock=clock)
    await gateway.startup()
    try:
        demo = await demo_sign_in(gateway.store, world.app, base_url="http://testserver")
        assert demo.login == "ds-alice" and demo.authorize_url.startswith("http://testserver/oauth/authorize?")
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            code = await authorize_code(web, demo.authorize_url, demo.login, demo.password)
            landing = await web.get(f"/oauth/callback?code={code}&state=demo")
            assert code in landing.text
            token = await call(web, "/auth/token/create", VECTOR_NOW_MS, code=code)
        assert token["code"] == "0" and token["user_id"] == "2000001"
    finally:
        await gateway.shutdown()
