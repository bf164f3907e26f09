"""The store's OAuth records: schema version 2, passwords, codes and refresh, on SQLite."""

from __future__ import annotations

import asyncio

import pytest

from dsorders.store import ConflictError, NotFoundError, Store, hash_secret
from dsorders.store.migrations import LATEST

from ..conftest import APP_KEY, OWNER_ID, VECTOR_NOW_MS, World

pytestmark = pytest.mark.anyio
NOW = VECTOR_NOW_MS


async def _insert(store: Store, code: str = "c1", *, expires_at: int = NOW + 180_000, now: int = NOW) -> None:
    await store.insert_code(code_hash=hash_secret(code), app_key=APP_KEY, user_id=OWNER_ID,
                            redirect_uri="https://a.example/cb", expires_at=expires_at, now=now)  # fmt: skip


async def test_schema_is_at_version_2(store: Store) -> None:
    assert LATEST == 2 and await store.schema_version() == 2


async def test_password_hash_round_trip_and_missing(world: World) -> None:
    with pytest.raises(NotFoundError):
        await world.store.get_password_hash("ds-alice")
    await world.store.set_password_hash(OWNER_ID, "$argon2id$stub")
    account, stored = await world.store.get_password_hash("ds-alice")
    assert (account.user_id, stored) == (OWNER_ID, "$argon2id$stub")
    with pytest.raises(NotFoundError):
        await world.store.set_password_hash(999, "x")
    with pytest.raises(NotFoundError):
        await world.store.get_password_hash("nobody")


async def test_code_is_consumed_once(world: World) -> None:
    await _insert(world.store)
    grant = await world.store.consume_code(hash_secret("c1"), app_key=APP_KEY, now=NOW + 1)
    assert (grant.app_key, grant.user_id, grant.redirect_uri) == (APP_KEY, OWNER_ID, "https://a.example/cb")
    with pytest.raises(NotFoundError):
        await world.store.consume_code(hash_secret("c1"), app_key=APP_KEY, now=NOW + 2)


async def test_concurrent_consumers_of_one_code_have_one_winner(world: World) -> None:
    await _insert(world.store)
    results = await asyncio.gather(
        *(world.store.consume_code(hash_secret("c1"), app_key=APP_KEY, now=NOW) for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(result, Exception) for result in results) == 1


async def test_code_expiry_app_binding_and_duplicates(world: World) -> None:
    await _insert(world.store, expires_at=NOW + 10)
    with pytest.raises(NotFoundError):
        await world.store.consume_code(hash_secret("c1"), app_key="other", now=NOW)
    with pytest.raises(NotFoundError):
        await world.store.consume_code(hash_secret("c1"), app_key=APP_KEY, now=NOW + 10)
    with pytest.raises(ConflictError):
        await _insert(world.store, expires_at=NOW + 10, now=NOW)


async def test_expired_codes_are_purged_when_a_code_is_issued(world: World) -> None:
    await _insert(world.store, "old", expires_at=NOW + 10)
    await _insert(world.store, "new", now=NOW + 20, expires_at=NOW + 200_000)
    # Purged, so the same value can be issued again.
    await _insert(world.store, "old", now=NOW + 20, expires_at=NOW + 200_000)


async def test_refresh_replaces_the_access_token_in_place(world: World) -> None:
    token = world.token
    refreshed = await world.store.refresh_token(
        hash_secret(token.refresh_token), app_key=APP_KEY, token_hash=hash_secret("new"), hint="new…",
        expires_at=NOW + 5, now=NOW,
    )  # fmt: skip
    assert (refreshed.id, refreshed.expires_at, refreshed.refresh_expires_at) == (
        token.id, NOW + 5, token.refresh_expires_at)  # fmt: skip
    with pytest.raises(NotFoundError):
        await world.store.get_token_auth(hash_secret(token.access_token))
    assert (await world.store.get_token_auth(hash_secret("new"))).user_id == OWNER_ID
    with pytest.raises(NotFoundError):
        await world.store.refresh_token(hash_secret(token.refresh_token), app_key=APP_KEY, token_hash="h2",
                                        hint="x", expires_at=NOW, now=token.refresh_expires_at)  # fmt: skip
