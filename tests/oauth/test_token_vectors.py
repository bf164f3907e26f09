"""The token vectors of the conformance set: create with a code, refresh with a refresh token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dsorders import admin
from dsorders.oauth import CODE_TTL_MS, issue_code
from dsorders.store import hash_secret

from ..conftest import APP_KEY, OWNER_ID, VECTORS, Clock, World, replay
from .conftest import ORDER_GET, call

pytestmark = pytest.mark.anyio

CODE = "3_34567890_Xk29Qm7pLs0vZr4T"
REFRESH_TOKEN = "50001600c30wpqGjq1c3ywchx5hVsdBPVVTl8BAvXjmZ17bec90gL0ftQR9xJGHPmU5E"
FIELDS = ["access_token", "refresh_token", "expires_in", "refresh_expires_in", "expire_time",
          "refresh_token_valid_time", "user_id", "account_id", "user_nick", "account", "account_platform",
          "sp", "locale", "code", "request_id"]  # fmt: skip
BY_ID = {vector["id"]: vector for vector in VECTORS}


def _assert_token_answer(response: httpx.Response, now_ms: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert list(body) == FIELDS, body
    assert body["code"] == "0" and body["request_id"] == response.headers["x-request-id"]
    access_ms, _ = admin.LIFETIMES_MS["testing"]
    assert body["expires_in"] == access_ms // 1000 and body["expire_time"] == now_ms + access_ms
    assert body["user_id"] == body["account_id"] == str(OWNER_ID)
    assert (body["user_nick"], body["account"], body["locale"]) == ("alice", "ds-alice", "en_US")
    assert (body["account_platform"], body["sp"]) == ("buyerApp", "ae")
    return body


@pytest.mark.parametrize("vector_id", ["py-token-create", "php-token-create"])
async def test_token_create_vector_succeeds_once_then_is_invalid_code(
    client: httpx.AsyncClient, clock: Clock, world: World, vector_id: str
) -> None:
    vector = BY_ID[vector_id]
    now_ms = vector["timestamp_ms"]
    clock.now = now_ms / 1000
    # Issued 179 s before the request: still valid.
    await issue_code(world.store, world.app, OWNER_ID, redirect_uri="https://app.example/cb",
                     now=now_ms - CODE_TTL_MS + 1000, code=CODE)  # fmt: skip
    first = await replay(client, vector)
    body = _assert_token_answer(first, now_ms)
    _, refresh_ms = admin.LIFETIMES_MS["testing"]
    assert body["refresh_expires_in"] == refresh_ms // 1000
    assert body["refresh_token_valid_time"] == now_ms + refresh_ms
    order = await call(client, ORDER_GET, now_ms, session=body["access_token"], simplify="true",
                       single_order_query='{"order_id":"10000001"}')  # fmt: skip
    assert order["code"] == "0" and order["result"]["order_status"]

    again = (await replay(client, vector)).json()
    assert again["code"] == "InvalidCode" and again["type"] == "ISV"


async def test_token_refresh_vector_succeeds_and_keeps_the_refresh_expiry(
    client: httpx.AsyncClient, clock: Clock, world: World
) -> None:
    vector = BY_ID["py-token-refresh"]
    now_ms = vector["timestamp_ms"]
    issued_at = now_ms - 3_600_000
    old = await admin.issue_token(world.store, world.app, OWNER_ID, now=issued_at, refresh_token=REFRESH_TOKEN)
    clock.now = now_ms / 1000
    body = _assert_token_answer(await replay(client, vector), now_ms)
    assert body["refresh_token"] == REFRESH_TOKEN
    assert body["refresh_token_valid_time"] == old.refresh_expires_at
    assert body["refresh_expires_in"] == (old.refresh_expires_at - now_ms) // 1000
    assert body["access_token"] != old.access_token

    refreshed_away = await call(client, ORDER_GET, now_ms, session=old.access_token,
                                single_order_query='{"order_id":"10000001"}', simplify="true")  # fmt: skip
    assert refreshed_away["code"] == "IllegalAccessToken"
    fresh = await call(client, ORDER_GET, now_ms, session=body["access_token"],
                       single_order_query='{"order_id":"10000001"}', simplify="true")  # fmt: skip
    assert fresh["code"] == "0"
    tokens = await world.store.list_tokens(user_id=OWNER_ID, app_key=APP_KEY)
    assert [t.id for t in tokens if t.hint == admin.token_hint(body["access_token"])] == [old.id]
    assert await world.store.get_token_auth(hash_secret(body["access_token"]))
