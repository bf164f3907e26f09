"""The benchmark's parts: its data, its signed calls, its reply check and its process handling."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest

from dsorders.bench import calls, load, seed
from dsorders.bench.run import SRC
from dsorders.bench.servers import Server, free_port, granian_command, running
from dsorders.gateway import Gateway
from dsorders.settings import Settings
from dsorders.store.sqlite import SQLiteStore

ORDERS = 1234


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DSORDERS_BENCH_CACHE", str(cache))
        yield anyio.run(seed.seeded_sqlite, ORDERS, lambda message: None, seed.template_row())


@pytest.mark.anyio
async def test_seeded_database_holds_every_order_with_its_owner(seeded: Path) -> None:
    store = SQLiteStore(str(seeded))
    await store.open()
    try:
        assert await store.count_orders() == ORDERS
        owned = await store.order_ids(user_id=seed.FIRST_USER_ID, limit=ORDERS)
        assert owned == [
            i
            for i in range(seed.FIRST_ORDER_ID, seed.FIRST_ORDER_ID + ORDERS)
            if seed.owner_of(i) == seed.FIRST_USER_ID
        ]
        last = await store.get_order(seed.FIRST_ORDER_ID + ORDERS - 1, "wrapped")
        assert last.doc == seed.template_row().wrapped
    finally:
        await store.close()


def test_seeded_database_is_reused_from_the_cache(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSORDERS_BENCH_CACHE", str(seeded.parent))
    messages: list[str] = []
    assert anyio.run(seed.seeded_sqlite, ORDERS, messages.append, seed.template_row()) == seeded
    assert messages == [f"reusing seeded database {seeded}"]


def test_called_orders_spread_over_the_range_and_belong_to_the_bench_account() -> None:
    ids = seed.owned_ids(100_000, 1000)
    assert len(ids) == len(set(ids)) == 1000
    assert all(seed.owner_of(i) == seed.FIRST_USER_ID for i in ids)
    assert ids[-1] > seed.FIRST_ORDER_ID + 90_000


@pytest.mark.anyio
@pytest.mark.parametrize("shape", ["streamlined", "wrapped"])
async def test_signed_calls_are_served_and_pass_the_reply_check(seeded: Path, tmp_path: Path, shape: str) -> None:
    copy = tmp_path / "bench.db"
    shutil.copy(seeded, copy)
    world = await seed.add_world(str(copy))
    store = SQLiteStore(str(copy))
    app = Gateway(Settings(db=str(copy)), store)
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            check = calls.CHECKS[shape]
            for order_id in seed.owned_ids(ORDERS, 5):
                body = (await client.get(calls.dsorders_path(world, order_id, shape, _now_ms()))).text
                assert body.startswith(check.prefix) and check.needle in body, body
            other = seed.FIRST_ORDER_ID + 1  # another account's order: a protocol error the check must refuse
            body = (await client.get(calls.dsorders_path(world, other, shape, _now_ms()))).text
            assert "isv.invalid-authorization" in body
            assert not (body.startswith(check.prefix) and check.needle in body)
    finally:
        await app.shutdown()


def _now_ms() -> int:
    return int(time.time() * 1000)


class _Replies(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
@pytest.mark.parametrize(
    ("body", "all_bad"),
    [
        (b'{"result":{"a":"1"},"code":"0","request_id":"1"}', False),
        (b'{"type":"ISV","code":"IncompleteSignature"}', True),
    ],
)
def test_wrk_script_counts_every_protocol_error(tmp_path: Path, body: bytes, all_bad: bool) -> None:
    handler = type("Replies", (_Replies,), {"body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        script, paths = tmp_path / "calls.lua", tmp_path / "calls"
        script.write_text(load.LUA)
        paths.write_text("/sync?a=1\n/sync?a=2\n")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = load.run_wrk(
            "wrk", url, paths, calls.CHECKS["baseline"], script=script, threads=1, connections=2, seconds=1
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.requests > 0
    assert result.bad_replies == (result.requests if all_bad else 0)


def test_server_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    env = {"DSORDERS_DB": str(tmp_path / "s.db"), "PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    command = granian_command("dsorders.gateway.asgi:app", free_port(), 2)
    command[0] = sys.executable
    server = Server("dsorders", command, env, tmp_path, tmp_path / "s.log", "/healthz")
    try:
        server.start()
        workers = server.worker_pids()
        assert len(workers) >= 2
        assert all(rss > 0 for rss in server.worker_rss_mb())
        main = server.process.pid if server.process else 0
    finally:
        server.stop()
    assert not [pid for pid in [main, *workers] if running(pid)]


def test_the_baseline_document_is_the_baselines_own_order(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline_app.py"
    baseline.write_text('import os\nSEED_RESULT = {"gmt_create": "2018-08-28 05:39:01", "order_status": "FINISH"}\n')
    row = seed.template_row("baseline", baseline)
    assert row.doc == b'{"gmt_create":"2018-08-28 05:39:01","order_status":"FINISH"}'
    baseline.write_text("SEED = 1\n")
    with pytest.raises(ValueError, match="no SEED_RESULT"):
        seed.template_row("baseline", baseline)
