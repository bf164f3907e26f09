"""The whole OAuth flow through the typed SDK: authorize page, create_token, get_order, refresh_token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from urllib.parse import urlencode

import anyio.from_thread
import httpx
import pytest

import dsorders
from dsorders.gateway import Gateway
from dsorders.oauth import AuthorizeApp, set_password
from dsorders.settings import Settings
from dsorders.store import make_store

from ..conftest import APP_KEY, APP_SECRET, OWNER_ID, SEED_ORDER_ID, Clock, build_world
from ..sdk.conftest import PortalTransport
from .conftest import LOGIN, PASSWORD, authorize_code, authorize_query

AUTHORIZE_URL = f"/oauth/authorize?{urlencode(authorize_query())}"


@pytest.fixture
async def sdk(oauth_gateway: Gateway, clock: Clock) -> AsyncIterator[dsorders.AsyncClient]:
    transport = httpx.ASGITransport(app=oauth_gateway, client=("127.0.0.1", 40000))
    async with dsorders.AsyncClient(APP_KEY, APP_SECRET, base_url="http://testserver", transport=transport,
                                    clock=clock, max_retries=0) as client:  # fmt: skip
        yield client


@pytest.mark.anyio
async def test_async_client_creates_uses_and_refreshes_a_token(
    web: httpx.AsyncClient, sdk: dsorders.AsyncClient, clock: Clock, signed_in: str
) -> None:
    code = await authorize_code(web, AUTHORIZE_URL, signed_in, PASSWORD)
    clock.now += 60
    token = await sdk.create_token(code)
    assert isinstance(token, dsorders.Token)
    assert (token.user_id, token.account, token.expires_in) == (OWNER_ID, LOGIN, 86400)
    assert isinstance(token.expires_at, datetime) and token.refresh_token
    order = await sdk.get_order(SEED_ORDER_ID, access_token=token.access_token)
    assert isinstance(order, dsorders.Order) and order.order_id == SEED_ORDER_ID

    clock.now += 3600
    refreshed = await sdk.refresh_token(token.refresh_token)
    assert refreshed.access_token != token.access_token
    # The access token's lifetime starts again; the refresh token's does not.
    assert refreshed.expires_at == token.expires_at + timedelta(hours=1)  # type: ignore[operator]
    assert refreshed.refresh_expires_at == token.refresh_expires_at
    with pytest.raises(dsorders.AccessTokenError) as refused:
        await sdk.get_order(SEED_ORDER_ID, access_token=token.access_token)
    assert refused.value.code == "IllegalAccessToken"
    assert (await sdk.get_order(SEED_ORDER_ID, access_token=refreshed.access_token)).order_id == SEED_ORDER_ID

    with pytest.raises(dsorders.TokenError) as reused:
        await sdk.create_token(code)
    assert reused.value.code == "InvalidCode"


@pytest.fixture
def portal() -> Iterator[anyio.from_thread.BlockingPortal]:
    with anyio.from_thread.start_blocking_portal() as running:
        yield running


def test_blocking_client_creates_a_token_and_gets_the_order(
    settings: Settings, clock: Clock, portal: anyio.from_thread.BlockingPortal
) -> None:
    store = make_store(settings.db, deadline=settings.store_deadline)
    portal.call(store.open)
    try:
        portal.call(build_world, store)
        portal.call(set_password, store, LOGIN, PASSWORD)
        gateway = Gateway(settings, store, clock=clock, mounts={"/oauth": AuthorizeApp(store, clock=clock)})

        async def code() -> str:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway),
                                         base_url="http://testserver") as web:  # fmt: skip
                return await authorize_code(web, AUTHORIZE_URL, LOGIN, PASSWORD)

        with dsorders.Client(APP_KEY, APP_SECRET, base_url="http://testserver", clock=clock, max_retries=0,
                             transport=PortalTransport(portal, gateway)) as client:  # fmt: skip
            token = client.create_token(portal.call(code))
            assert token.user_id == OWNER_ID and token.account == LOGIN
            assert client.get_order(SEED_ORDER_ID, access_token=token.access_token).order_id == SEED_ORDER_ID
    finally:
        portal.call(store.close)
