"""Token calls against a stub of PROTOCOL.md section 7 (the service's own token endpoints are issue 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio.from_thread
import httpx
import msgspec
import pytest

import dsorders
from dsorders.protocol import signing
from dsorders.protocol.errors import ProtocolError
from dsorders.protocol.shapes import render_error, render_flat

from ..conftest import APP_KEY, APP_SECRET, VECTOR_NOW_MS, Clock
from .conftest import FailingFirst, PortalTransport

pytestmark = pytest.mark.anyio

CODE = "3_34567890_Xk29Qm7pLs0vZr4T"
REFRESH = "50001600c30wpqGjq1c3ywchx5hVsdBPVVTl8BAvXjmZ17bec90gL0ftQR9xJGHPmU5E"


class TokenStub:
    """Answers /auth/token/create and /auth/token/refresh on /rest as section 7 says, checking the signature."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.seen: list[dict[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        message = await receive()
        params = dict(parse_qsl(message.get("body", b"").decode()))
        self.seen.append({"path": scope["path"], **params})
        try:
            fields = self._answer(scope["path"], params)
            body = render_flat(fields, "stub1")
        except ProtocolError as error:
            body = render_error(error, "flat", "stub1")
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    def _answer(self, path: str, params: dict[str, str]) -> dict[str, object]:
        api = params.get("method", "")
        if path != "/rest" or not signing.verify(params, APP_SECRET, params.get("sign", ""), "sha256", api):
            raise ProtocolError("IncompleteSignature")
        if api == "/auth/token/create":
            if params.get("code") != CODE or CODE in self.used:
                raise ProtocolError("InvalidCode")
            self.used.add(CODE)
        elif api != "/auth/token/refresh" or params.get("refresh_token") != REFRESH:
            raise ProtocolError("IllegalRefreshToken")
        return {"access_token": "50000newtoken", "refresh_token": REFRESH, "expires_in": 86400,
                "refresh_expires_in": 172800, "expire_time": VECTOR_NOW_MS + 86_400_000,
                "refresh_token_valid_time": VECTOR_NOW_MS + 172_800_000, "user_id": "2000001",
                "account_id": "2000001", "user_nick": "alice", "account": "ds-alice",
                "account_platform": "buyerApp", "sp": "ae", "locale": "en_US"}  # fmt: skip


def _check(token: dsorders.Token) -> None:
    assert token.access_token == "50000newtoken" and token.refresh_token == REFRESH
    assert token.expires_in == 86400 and token.user_id == 2000001 and token.account_platform == "buyerApp"
    assert token.expires_at == datetime.fromtimestamp((VECTOR_NOW_MS + 86_400_000) / 1000, UTC)
    assert token.request_id == "stub1"


def _sync_client(portal: anyio.from_thread.BlockingPortal, app: Any, clock: Clock, **options: Any) -> dsorders.Client:
    return dsorders.Client(APP_KEY, APP_SECRET, base_url="http://testserver", transport=PortalTransport(portal, app),
                           clock=clock, backoff=0, **options)  # fmt: skip


def test_create_token_posts_to_rest_and_reads_the_flat_answer(clock: Clock) -> None:
    stub = TokenStub()
    with anyio.from_thread.start_blocking_portal() as portal, _sync_client(portal, stub, clock) as client:
        _check(client.create_token(CODE))
        with pytest.raises(dsorders.TokenError) as caught:
            client.create_token(CODE)
    assert caught.value.code == "InvalidCode"
    assert stub.seen[0]["path"] == "/rest" and stub.seen[0]["method"] == "/auth/token/create"
    assert "session" not in stub.seen[0]


def test_refresh_token_and_an_illegal_one(clock: Clock) -> None:
    with anyio.from_thread.start_blocking_portal() as portal, _sync_client(portal, TokenStub(), clock) as client:
        _check(client.refresh_token(REFRESH))
        with pytest.raises(dsorders.TokenError, match="IllegalRefreshToken"):
            client.refresh_token("50001nope")


def test_create_token_is_not_retried_when_the_service_is_busy(clock: Clock) -> None:
    failing = FailingFirst(TokenStub(), failures=1)
    with anyio.from_thread.start_blocking_portal() as portal, _sync_client(portal, failing, clock) as client:
        with pytest.raises(dsorders.ServiceUnavailableError):
            client.create_token(CODE)
    assert len(failing.calls) == 1


def test_create_token_is_retried_after_a_rate_limit(clock: Clock) -> None:
    failing = FailingFirst(TokenStub(), failures=1, code="ApiCallLimit")
    with anyio.from_thread.start_blocking_portal() as portal, _sync_client(portal, failing, clock) as client:
        _check(client.create_token(CODE))
    assert len(failing.calls) == 2


async def test_async_token_calls_match_the_sync_ones(clock: Clock) -> None:
    transport = httpx.ASGITransport(app=TokenStub())
    async with dsorders.AsyncClient(APP_KEY, APP_SECRET, base_url="http://testserver/rest", transport=transport,
                                    clock=clock) as client:  # fmt: skip
        _check(await client.create_token(CODE))
        _check(await client.refresh_token(REFRESH))
        with pytest.raises(dsorders.TokenError):
            await client.create_token(CODE)


def test_token_fields_the_platform_sends_as_strings_are_typed() -> None:
    answer = {"access_token": "a", "expires_in": "3600", "refresh_expires_in": 0, "user_id": "200042362",
              "expire_time": 1634541431000, "havana_id": "x", "code": "0"}  # fmt: skip
    token = dsorders.client.models.token_from_fields(msgspec.json.decode(msgspec.json.encode(answer)))
    assert (token.expires_in, token.user_id, token.refresh_token) == (3600, 200042362, None)
