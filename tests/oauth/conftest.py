"""Fixtures of the OAuth tests: the gateway with the authorize page mounted, signed calls, a signed-in account."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dsorders.gateway import Gateway
from dsorders.oauth import AuthorizeApp, set_password
from dsorders.protocol import signing
from dsorders.settings import Settings
from dsorders.store import Store

from ..conftest import APP_KEY, APP_SECRET, Clock, World

LOGIN = "ds-alice"
PASSWORD = "correct horse battery staple"
REDIRECT_URI = "https://app.example/callback?from=test"
ORDER_GET = "aliexpress.trade.ds.order.get"


@pytest.fixture
def oauth_gateway(settings: Settings, store: Store, world: World, clock: Clock) -> Gateway:
    return Gateway(settings, store, clock=clock, mounts={"/oauth": AuthorizeApp(store, clock=clock)})


@pytest.fixture
async def web(oauth_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=oauth_gateway, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def signed_in(world: World) -> str:
    """The owner of order 10000001 has a password; its login."""
    await set_password(world.store, LOGIN, PASSWORD)
    return LOGIN


def signed_params(api: str, now_ms: int, *, app_key: str = APP_KEY, secret: str = APP_SECRET,
                  **params: str) -> dict[str, str]:  # fmt: skip
    """The parameters of a call signed like the official Python SDK signs it (sha256)."""
    all_params = {"app_key": app_key, "timestamp": str(now_ms), "sign_method": "sha256", **params}
    if not api.startswith("/"):
        all_params["method"] = api
    all_params["sign"] = signing.sign(all_params, secret, "sha256", api)
    return all_params


async def call(client: httpx.AsyncClient, api: str, now_ms: int, *, http_method: str = "POST",
               **params: Any) -> dict[str, Any]:  # fmt: skip
    """A signed call: system methods on /rest/<name>, business methods on /sync."""
    signed = signed_params(api, now_ms, **params)
    path = "/rest" + api if api.startswith("/") else "/sync"
    if http_method == "GET":
        response = await client.get(path, params=signed)
    else:
        response = await client.post(path, data=signed)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the authorize form."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return {unescape(name): unescape(value) for name, value in fields}


def authorize_query(**changes: str | None) -> dict[str, str]:
    query = {"response_type": "code", "client_id": APP_KEY, "redirect_uri": REDIRECT_URI, "state": "s-1"}
    query.update(changes)
    return {key: value for key, value in query.items() if value is not None}


async def authorize_code(web: httpx.AsyncClient, url: str, login: str, password: str) -> str:
    """Open the authorize page at `url`, sign in and allow: the code the redirect carries."""
    page = await web.get(url)
    answer = await web.post("/oauth/authorize", data={**form_fields(page.text), "login": login,
                                                      "password": password, "action": "allow"})  # fmt: skip
    assert answer.status_code == 303
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
