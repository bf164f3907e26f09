"""/auth/token/create and /auth/token/refresh: every refusal, lifetimes, and revocation."""

from __future__ import annotations

import httpx
import pytest

from dsorders import admin
from dsorders.gateway import Gateway
from dsorders.oauth import CODE_TTL_MS, issue_code
from dsorders.settings import Settings
from dsorders.store import make_store

from ..conftest import OTHER_ID, OWNER_ID, VECTOR_NOW_MS, Clock, World
from .conftest import ORDER_GET, call

pytestmark = pytest.mark.anyio

NOW = VECTOR_NOW_MS
CB = "https://app.example/cb"
QUERY = '{"order_id":"10000001"}'


async def _code(world: World, *, now: int = NOW, app: object = None, code: str | None = None) -> str:
    return await issue_code(world.store, app or world.app, OWNER_ID, redirect_uri=CB, now=now, code=code)  # type: ignore[arg-type]


async def test_unknown_code_is_invalid_code(client: httpx.AsyncClient) -> None:
    body = await call(client, "/auth/token/create", NOW, code="3_34567890_nosuchcode")
    assert (body["type"], body["code"]) == ("ISV", "InvalidCode")
    assert body["message"] == "The authorization code is invalid, used or expired"


async def test_code_expires_after_180_seconds(client: httpx.AsyncClient, clock: Clock, world: World) -> None:
    code = await _code(world, now=NOW - CODE_TTL_MS)
    assert (await call(client, "/auth/token/create", NOW, code=code))["code"] == "InvalidCode"


async def test_code_issued_to_another_app_is_invalid_code_and_stays_usable(
    client: httpx.AsyncClient, world: World
) -> None:
    other = await admin.create_app(world.store, name="other", now=NOW, app_key="45678901", app_secret="s3cret-other")
    code = await _code(world, app=other)
    assert (await call(client, "/auth/token/create", NOW, code=code))["code"] == "InvalidCode"
    body = await call(client, "/auth/token/create", NOW, code=code, app_key=other.app_key, secret=other.app_secret)
    assert body["code"] == "0" and body["user_id"] == str(OWNER_ID)


async def test_uuid_parameter_makes_the_code_invalid(client: httpx.AsyncClient, world: World) -> None:
    code = await _code(world)
    body = await call(client, "/auth/token/create", NOW, code=code, uuid="a-device")
    assert body["code"] == "InvalidCode"
    # Refused before it is consumed: the code is still good without the uuid.
    assert (await call(client, "/auth/token/create", NOW, code=code))["code"] == "0"


async def test_missing_code_is_missing_parameter(client: httpx.AsyncClient) -> None:
    body = await call(client, "/auth/token/create", NOW)
    assert body["code"] == "MissingParameter" and '"code"' in body["message"]


async def test_token_create_over_get_is_refused(client: httpx.AsyncClient, world: World) -> None:
    code = await _code(world)
    body = await call(client, "/auth/token/create", NOW, http_method="GET", code=code)
    assert body["code"] == "InvalidParameter"
    assert "must be sent with HTTP POST, not GET" in body["message"]
    assert (await call(client, "/auth/token/create", NOW, code=code))["code"] == "0"


async def test_token_create_on_sync_is_invalid_api_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/sync", data={"method": "/auth/token/create", "app_key": "1"})
    assert response.json()["error_response"]["code"] == "InvalidApiPath"


async def test_token_create_with_a_bad_signature_is_incomplete_signature(client: httpx.AsyncClient) -> None:
    body = await call(client, "/auth/token/create", NOW, code="x", secret="not-the-secret")
    assert body["code"] == "IncompleteSignature"


async def test_online_app_gets_30_and_60_day_lifetimes(settings: Settings, world: World) -> None:
    online = await world.store.update_app(world.app.app_key, status="online")
    code = await _code(world, app=online)
    clock = Clock(NOW)
    # A fresh gateway: the other fixtures' one may hold the app, still testing, in its cache.
    gateway = Gateway(settings, world.store, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://t") as client:
        body = await call(client, "/auth/token/create", NOW, code=code)
        assert body["expires_in"] == 30 * 86400 and body["refresh_expires_in"] == 60 * 86400
        clock.now += 3600
        later = NOW + 3_600_000
        refreshed = await call(client, "/auth/token/refresh", later, refresh_token=body["refresh_token"])
    assert refreshed["expire_time"] == later + 30 * 86_400_000 and refreshed["expires_in"] == 30 * 86400
    assert refreshed["refresh_token_valid_time"] == body["refresh_token_valid_time"]
    assert refreshed["refresh_expires_in"] == 60 * 86400 - 3600


async def test_refresh_errors_are_illegal_refresh_token(client: httpx.AsyncClient, clock: Clock, world: World) -> None:
    unknown = await call(client, "/auth/token/refresh", NOW, refresh_token="50001nosuchtoken")
    assert (unknown["type"], unknown["code"]) == ("ISV", "IllegalRefreshToken")
    # world.token was issued at NOW: its refresh token lives 2 days.
    expired_at = world.token.refresh_expires_at
    clock.now = expired_at / 1000
    expired = await call(client, "/auth/token/refresh", expired_at, refresh_token=world.token.refresh_token)
    assert expired["code"] == "IllegalRefreshToken"


async def test_refresh_of_a_revoked_token_is_illegal_refresh_token(client: httpx.AsyncClient, world: World) -> None:
    await world.store.revoke_token(world.token.id, now=NOW)
    body = await call(client, "/auth/token/refresh", NOW, refresh_token=world.token.refresh_token)
    assert body["code"] == "IllegalRefreshToken"


async def test_refresh_token_of_another_app_is_illegal(client: httpx.AsyncClient, world: World) -> None:
    other = await admin.create_app(world.store, name="other", now=NOW, app_key="45678901", app_secret="s3cret-other")
    body = await call(client, "/auth/token/refresh", NOW, refresh_token=world.token.refresh_token,
                      app_key=other.app_key, secret=other.app_secret)  # fmt: skip
    assert body["code"] == "IllegalRefreshToken"


async def test_missing_refresh_token_is_missing_parameter(client: httpx.AsyncClient) -> None:
    body = await call(client, "/auth/token/refresh", NOW)
    assert body["code"] == "MissingParameter" and '"refresh_token"' in body["message"]


async def test_refresh_twice_keeps_only_the_latest_access_token(client: httpx.AsyncClient, world: World) -> None:
    first = await call(client, "/auth/token/refresh", NOW, refresh_token=world.token.refresh_token)
    second = await call(client, "/auth/token/refresh", NOW, refresh_token=world.token.refresh_token)
    for token, expected in ((world.token.access_token, "IllegalAccessToken"),
                            (first["access_token"], "IllegalAccessToken"), (second["access_token"], "0")):  # fmt: skip
        body = await call(client, ORDER_GET, NOW, session=token, single_order_query=QUERY, simplify="true")
        assert body["code"] == expected


async def test_revoked_token_is_refused_at_once_by_every_worker(
    client: httpx.AsyncClient, settings: Settings, world: World
) -> None:
    """Two gateways, each with its own connection to the database, as two worker processes have."""
    second_store = make_store(settings.db)
    await second_store.open()
    try:
        second = Gateway(settings, second_store, clock=lambda: NOW / 1000)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://t") as worker2:
            for worker in (client, worker2):
                ok = await call(worker, ORDER_GET, NOW, session=world.token.access_token, single_order_query=QUERY)
                assert "aliexpress_trade_ds_order_get_response" in ok
            # The operator revokes through a third connection (the CLI).
            operator = make_store(settings.db)
            await operator.open()
            await operator.revoke_token(world.token.id, now=NOW)
            await operator.close()
            for worker in (client, worker2):
                body = await call(worker, ORDER_GET, NOW, session=world.token.access_token, single_order_query=QUERY)
                assert body["error_response"]["code"] == "IllegalAccessToken"
    finally:
        await second_store.close()


async def test_revoking_all_of_an_accounts_tokens_leaves_other_accounts_alone(
    client: httpx.AsyncClient, world: World
) -> None:
    code = await _code(world)
    created = await call(client, "/auth/token/create", NOW, code=code)
    assert await world.store.revoke_account_tokens(OWNER_ID, now=NOW) == 2
    listed = await world.store.list_tokens(user_id=OWNER_ID)
    assert len(listed) == 2 and all(token.revoked_at == NOW for token in listed)
    for token in (world.token.access_token, created["access_token"]):
        body = await call(client, ORDER_GET, NOW, session=token, single_order_query=QUERY, simplify="true")
        assert body["code"] == "IllegalAccessToken"
    other = await call(client, ORDER_GET, NOW, session=world.other_token.access_token,
                       single_order_query='{"order_id":"10000002"}', simplify="true")  # fmt: skip
    assert other["code"] == "0"
    assert (await world.store.list_tokens(user_id=OTHER_ID))[0].revoked_at is None
