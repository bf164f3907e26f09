"""DSORDERS_TRUSTED_PROXIES: the client's address and scheme behind a load balancer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from dsorders.gateway import Gateway
from dsorders.gateway.proxies import TrustedProxies
from dsorders.oauth import AuthorizeApp
from dsorders.settings import Settings, SettingsError
from dsorders.store import Store

from ..conftest import APP_KEY, Clock, World
from .test_checks import assert_error, call, signed

pytestmark = pytest.mark.anyio
BALANCER = ("10.0.0.5", 51000)


def _scope(peer: str, *headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"type": "http", "scheme": "http", "client": (peer, 51000), "headers": list(headers)}


def test_the_client_is_the_first_untrusted_address_from_the_right() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "192.168.1.7"])
    chain = (b"x-forwarded-for", b"198.51.100.9, 203.0.113.4, 192.168.1.7")
    assert proxies.resolve(_scope("10.0.0.5", chain))["client"] == ("203.0.113.4", 0)
    # A client that writes its own header only moves what is left of the address the proxy saw.
    spoofed = (b"x-forwarded-for", b"127.0.0.1, 203.0.113.4")
    assert proxies.resolve(_scope("10.0.0.5", spoofed))["client"] == ("203.0.113.4", 0)
    # Split over two headers, read as one list.
    two = ((b"x-forwarded-for", b"198.51.100.9"), (b"x-forwarded-for", b"10.1.2.3"))
    assert proxies.resolve(_scope("10.0.0.5", *two))["client"] == ("198.51.100.9", 0)
    # Only proxies in the chain: the leftmost is as far as it goes.
    assert proxies.resolve(_scope("10.0.0.5", (b"x-forwarded-for", b"10.9.9.9")))["client"] == ("10.9.9.9", 0)
    # Not an address: it becomes the client, which no allow-list matches.
    assert proxies.resolve(_scope("10.0.0.5", (b"x-forwarded-for", b"unknown")))["client"] == ("unknown", 0)


def test_headers_from_a_peer_that_is_not_trusted_change_nothing() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    scope = _scope("203.0.113.4", (b"x-forwarded-for", b"10.0.0.1"), (b"x-forwarded-proto", b"https"))
    assert proxies.resolve(scope) is scope
    assert not TrustedProxies([])


def test_the_scheme_comes_from_x_forwarded_proto_of_a_trusted_proxy() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert proxies.resolve(_scope("10.0.0.5", (b"x-forwarded-proto", b"HTTPS")))["scheme"] == "https"
    assert proxies.resolve(_scope("10.0.0.5", (b"x-forwarded-proto", b"gopher")))["scheme"] == "http"


def test_a_bad_entry_is_a_settings_error_naming_it() -> None:
    with pytest.raises(SettingsError, match=re.escape("'10.0.0.300'")):
        Settings.from_env({"DSORDERS_TRUSTED_PROXIES": "10.0.0.0/8, 10.0.0.300"})
    settings = Settings.from_env({"DSORDERS_TRUSTED_PROXIES": " 10.0.0.0/8 ,::1 "})
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")
    assert Settings.from_env(settings.to_env()).trusted_proxies == settings.trusted_proxies


@pytest.fixture
async def behind_balancer(
    settings: Settings, store: Store, world: World, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    gateway = Gateway(settings.with_changes(trusted_proxies=("10.0.0.0/24",)), store, clock=clock)
    transport = httpx.ASGITransport(app=gateway, client=BALANCER)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_the_ip_allow_list_sees_the_client_behind_a_trusted_balancer(
    behind_balancer: httpx.AsyncClient, store: Store
) -> None:
    await store.update_app(APP_KEY, ip_allowlist=["203.0.113.0/24"])
    behind_balancer.headers["x-forwarded-for"] = "203.0.113.4"
    assert (await call(behind_balancer, signed()))["code"] == "0"
    behind_balancer.headers["x-forwarded-for"] = "198.51.100.9"
    assert_error(await call(behind_balancer, signed()), "AppWhiteIpLimit")
    del behind_balancer.headers["x-forwarded-for"]  # the balancer itself is not in the list
    assert_error(await call(behind_balancer, signed()), "AppWhiteIpLimit")


async def test_without_the_setting_the_header_is_ignored(client: httpx.AsyncClient, store: Store) -> None:
    await store.update_app(APP_KEY, ip_allowlist=["203.0.113.0/24"])
    client.headers["x-forwarded-for"] = "203.0.113.4"
    assert_error(await call(client, signed()), "AppWhiteIpLimit")


async def test_the_sign_in_cookie_is_secure_when_the_balancer_spoke_https(
    settings: Settings, store: Store, world: World, clock: Clock
) -> None:
    trusted = settings.with_changes(trusted_proxies=("10.0.0.0/24",))
    query = {"response_type": "code", "client_id": APP_KEY, "redirect_uri": "https://example.com/cb", "state": "s"}
    for peer, proto, secure in (
        (BALANCER, "https", True),
        (BALANCER, "http", False),
        (("203.0.113.4", 1), "https", False),
    ):
        gateway = Gateway(trusted, store, clock=clock, mounts={"/oauth": AuthorizeApp(store, clock=clock)})
        transport = httpx.ASGITransport(app=gateway, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            response = await web.get("/oauth/authorize", params=query, headers={"x-forwarded-proto": proto})
        assert response.status_code == 200
        assert ("; Secure" in response.headers["set-cookie"]) is secure, (peer, proto)
