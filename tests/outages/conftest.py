from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from dsorders.gateway import Gateway
from dsorders.settings import Settings

from ..conftest import ACCESS_TOKEN, APP_KEY, APP_SECRET, SEED_ORDER_ID, Clock, run_sql
from ..servers import TempPostgres, TempRedis, order_get_params

DEADLINE = 0.5


@pytest.fixture(scope="module")
def postgres() -> Iterator[TempPostgres]:
    server = TempPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_url(postgres: TempPostgres) -> Iterator[str]:
    """A schema of the test's own on the temporary server; the server is running again afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    run_sql(postgres.url, f"CREATE SCHEMA {schema}")
    yield f"{postgres.url}?search_path={schema}"
    try:
        postgres.freeze(False)
    except OSError:
        pass
    if not (postgres.data / "postmaster.pid").exists():
        postgres.start()
    run_sql(postgres.url, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_server() -> Iterator[TempRedis]:
    server = TempRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outage_settings(pg_url: str) -> Settings:
    return Settings(db=pg_url, store_deadline=DEADLINE)


def client_for(gateway: Gateway) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=gateway, client=("127.0.0.1", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def order_get(client: httpx.AsyncClient, clock: Clock) -> str:
    """The code order.get answers for the conformance order: "0" when served."""
    params = order_get_params(APP_KEY, APP_SECRET, ACCESS_TOKEN, SEED_ORDER_ID, int(clock() * 1000))
    response = await client.post("/sync", data=params)
    assert response.status_code == 200
    return str(response.json()["code"])
