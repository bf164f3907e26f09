"""The demo data generator, the idempotent seeding, and `dsorders demo` serving over a socket."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest

from dsorders import demo
from dsorders.oauth import authenticate
from dsorders.protocol import order_result
from dsorders.store import Store
from dsorders.store.sqlite import SQLiteStore

from .conftest import Cli, Server, free_port, signed_get, start, stop

NOW_MS = 1_796_398_500_000


def test_orders_are_deterministic_for_a_seed() -> None:
    assert list(demo.orders((1, 2), count=40, seed=3)) == list(demo.orders((1, 2), count=40, seed=3))
    assert list(demo.orders((1, 2), count=40, seed=3)) != list(demo.orders((1, 2), count=40, seed=4))


def test_orders_are_valid_and_varied() -> None:
    records = list(demo.orders((1, 2), count=600))
    zone = ZoneInfo("America/Los_Angeles")
    for record in records:
        order_result.decode_record(json.dumps(record), zone)
    assert {r["order_status"] for r in records} == set(order_result.ORDER_STATUSES)
    currencies = Counter(r["order_amount"]["currency_code"] for r in records)
    assert {"USD", "JPY", "KWD"} <= set(currencies)
    jpy = next(r for r in records if r["order_amount"]["currency_code"] == "JPY")
    kwd = next(r for r in records if r["order_amount"]["currency_code"] == "KWD")
    assert "." not in jpy["order_amount"]["amount"]
    assert len(kwd["order_amount"]["amount"].split(".")[1]) == 3
    assert any(len(r["child_order_list"]) > 1 for r in records)
    assert any("logistics_info_list" in r for r in records)
    paid = [r for r in records if "order_paidtime_string" in r]
    assert 0 < len(paid) < len(records)
    assert Counter(r["buyer_user_id"] for r in records) == {"1": 300, "2": 300}
    assert len({r["order_id"] for r in records}) == 600


@pytest.mark.anyio
async def test_seeding_again_reuses_the_data_and_the_token(store: Store) -> None:
    first = await demo.seed_store(store, now=NOW_MS, count=60)
    second = await demo.seed_store(store, now=NOW_MS + 60_000, count=60)
    assert (second.app.app_key, second.access_token, second.foreign_order_id) == (
        first.app.app_key, first.access_token, first.foreign_order_id,
    )  # fmt: skip
    assert (first.token_reused, second.token_reused, second.created) == (False, True, False)
    assert second.orders == first.orders == 61
    assert len(await store.list_apps()) == 1
    assert len(await store.list_tokens()) == 1


@pytest.mark.anyio
async def test_a_revoked_demo_token_is_replaced(store: Store) -> None:
    first = await demo.seed_store(store, now=NOW_MS, count=15)
    await store.revoke_account_tokens(first.accounts[0].user_id, now=NOW_MS)
    second = await demo.seed_store(store, now=NOW_MS, count=15)
    assert second.access_token != first.access_token
    assert not second.token_reused


@pytest.mark.anyio
async def test_the_seed_order_is_order_10000001_of_the_first_account(store: Store) -> None:
    seeded = await demo.seed_store(store, now=NOW_MS, count=15)
    order = await store.get_order(demo.SEED_ORDER_ID, "streamlined")
    assert order.user_id == seeded.accounts[0].user_id
    assert json.loads(order.doc) == demo.seed_order()
    foreign = await store.get_order(seeded.foreign_order_id, "streamlined")
    assert foreign.user_id == seeded.accounts[1].user_id


def test_demo_twice_on_one_file_gives_the_same_credentials_and_a_new_password(cli: Cli, tmp_path: Path) -> None:
    first = cli.json("demo", "--no-serve", "--db", str(cli.db), "--orders", "20")
    second = cli.json("demo", "--no-serve", "--db", str(cli.db), "--orders", "20")
    assert first.pop("password") != second.pop("password")
    assert first == second
    assert cli.json("orders", "count") == {"count": 21}


def test_demo_prints_a_sign_in_that_leads_to_a_token(cli: Cli) -> None:
    out = cli("demo", "--no-serve", "--db", str(cli.db), "--orders", "15", "--port", "8123").stdout
    creds = cli.json("demo", "--no-serve", "--db", str(cli.db), "--orders", "15", "--port", "8123")
    assert creds["authorize_url"].startswith("http://127.0.0.1:8123/oauth/authorize?response_type=code&client_id=")
    assert creds["authorize_url"] in out and "sign in as demo-alice with password " in out
    assert "sets a new password" in out
    # The password of the earlier run no longer works; the latest one does.
    old = out.split("with password ", 1)[1].split()[0]

    async def signs_in(password: str) -> bool:
        store = SQLiteStore(str(cli.db))
        await store.open()
        try:
            return await authenticate(store, creds["login"], password) is not None
        finally:
            await store.close()

    assert (anyio.run(signs_in, old), anyio.run(signs_in, creds["password"])) == (False, True)


def test_demo_serves_the_seed_order_and_refuses_the_foreign_one(tmp_path: Path, serving: list[Server]) -> None:
    port = free_port()
    creds_file = tmp_path / "creds.json"
    args = ["demo", "--port", str(port), "--db", str(tmp_path / "demo.db"), "--credentials", str(creds_file)]
    server = start(args, port=port)
    serving.append(server)
    creds = json.loads(creds_file.read_text())
    assert list(creds) == ["sync_url", "rest_url", "app_key", "app_secret", "access_token", "order_id",
                           "foreign_order_id", "authorize_url", "login", "password"]  # fmt: skip
    assert creds["sync_url"] == f"http://127.0.0.1:{port}/sync"
    assert creds["rest_url"] == f"http://127.0.0.1:{port}/rest"
    assert creds["order_id"] == 10000001
    mine = signed_get(creds, creds["order_id"]).json()
    assert mine["code"] == "0"
    assert mine["result"] == demo.seed_order()
    foreign = signed_get(creds, creds["foreign_order_id"]).json()
    assert foreign["code"] == "isv.invalid-authorization"
    out, _ = stop(server)
    assert creds["app_secret"] in out and creds["access_token"] in out
    assert "import iop" in out and "iop.IopClient(" in out
    curl = next(line for line in out.splitlines() if line.startswith("curl '"))
    assert f"127.0.0.1:{port}/sync?" in curl and "sign=" in curl
    assert server.process.returncode == 0
