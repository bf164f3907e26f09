"""`dsorders serve`: granian workers with the CLI's settings; clear startup errors."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import httpx
import pytest

from dsorders import admin
from dsorders.settings import Settings

from ..conftest import OWNER_ID, REDIS, SEED_ORDER_ID, World
from ..servers import burst, order_get_params
from .conftest import Cli, Server, free_port, signed_get, start, stop

LIMIT = 5
CALLS = 30


def test_workers_get_the_settings_of_the_command(cli: Cli, serving: list[Server]) -> None:
    creds = cli.json("demo", "--no-serve", "--db", str(cli.db), "--orders", "15")
    port = free_port()
    env = {"DSORDERS_DISPLAY_ZONE": "Asia/Tokyo"}
    serving.append(start(["serve", "--port", str(port), "--workers", "2", "--db", str(cli.db)], env=env, port=port))
    creds["sync_url"] = f"http://127.0.0.1:{port}/sync"
    for _ in range(8):
        answer = signed_get(creds, creds["order_id"]).json()
        # Stored in Los Angeles time, shown in the zone the command was given.
        assert answer["result"]["gmt_create"] == "2018-08-28 21:39:01"
        assert answer["result"]["order_paidtime_string"] == "2019-06-04T10:05:47+09:00[Asia/Tokyo]"


def test_a_port_in_use_is_a_clear_error(cli: Cli) -> None:
    cli("accounts", "create", "--login", "alice")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port), ok=False)
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_database_path_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "missing" / "x.db"), ok=False)
    assert "does not exist" in result.stderr
    (tmp_path / "junk.db").write_text("this is not a database, it is a text file of some length" * 20)
    result = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "junk.db"), ok=False)
    assert "cannot open the database" in result.stderr


@pytest.mark.anyio
@pytest.mark.redis
async def test_redis_shares_the_limit_between_the_workers_of_serve(
    settings: Settings, world: World, serving: list[Server]
) -> None:
    now_ms = int(time.time() * 1000)
    # A fresh app key: the shared Redis keeps counts of earlier runs for a few seconds.
    app = await admin.create_app(world.store, name="burst", now=now_ms, rate_limit=LIMIT,
                                 app_key=str(10_000_000 + uuid.uuid4().int % 80_000_000))  # fmt: skip
    token = await admin.issue_token(world.store, app, OWNER_ID, now=now_ms)
    port = free_port()
    args = ["serve", "--port", str(port), "--workers", "2", "--db", settings.db, "--redis", REDIS]
    serving.append(start(args, port=port))
    result = await burst([serving[0].base_url], app.app_key, app.app_secret, token.access_token, SEED_ORDER_ID,
                         CALLS)  # fmt: skip
    allowed = result.allowed()
    assert len(allowed) + len(result.limited()) == CALLS
    # Each worker alone would allow LIMIT a second; with Redis both together allow LIMIT a second.
    assert 0 < len(allowed) <= LIMIT * result.windows
    assert len({node for _, node, _ in result.answers}) == 2, "the calls did not reach both workers"
    _, err = stop(serving[0])
    assert "call-rate limits shared through Redis" in err


def test_serve_starts_with_a_warning_when_postgresql_is_down(serving: list[Server]) -> None:
    port = free_port()
    closed = free_port()
    url = f"postgresql://postgres:s3cret@127.0.0.1:{closed}/test"
    serving.append(start(["serve", "--port", str(port), "--db", url], port=port, health=503))
    assert httpx.get(serving[0].base_url + "/healthz", timeout=10).json()["store"] == "unavailable"
    params = order_get_params("34567890", "secret", "token", SEED_ORDER_ID, int(time.time() * 1000))
    answer = httpx.post(serving[0].base_url + "/sync", data=params, timeout=10).json()
    assert answer["code"] == "isp.service-unavailable"
    _, err = stop(serving[0])
    assert f"warning: the database postgresql://postgres:***@127.0.0.1:{closed}/test is unavailable" in err
    assert "Serving anyway" in err and "s3cret" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://nosuchrole:s3cret@127.0.0.1:5432/test", "InvalidAuthorizationSpecificationError"),
        ("postgresql://postgres:s3cret@127.0.0.1:5432/no_such_database", "InvalidCatalogNameError"),
    ],
)
def test_settings_that_postgresql_refuses_are_an_error_at_start_not_a_warning(cli: Cli, url: str, reason: str) -> None:
    result = cli("serve", "--port", str(free_port()), "--db", url, ok=False)
    assert "cannot open the database" in result.stderr and reason in result.stderr
    assert "Serving anyway" not in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr
