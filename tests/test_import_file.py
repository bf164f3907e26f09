"""`import_file`: a file's lines checked by worker processes, written in file order, on both backends."""

from __future__ import annotations

import asyncio
import copy
import json
import multiprocessing
import os
import signal
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from dsorders import demo
from dsorders.import_file import import_file, plan_chunks
from dsorders.orders_io import ImportError_, export_lines
from dsorders.store import Store

from .conftest import LA

pytestmark = pytest.mark.anyio
USERS = (2000001, 2000002)
NOW = 1_700_000_000_000
SMALL_CHUNKS = 4000  # bytes: a few orders a chunk, so that every file here has many chunks


@pytest.fixture(autouse=True)
def own_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def _accounts(store: Store) -> None:
    for user_id in USERS:
        await store.create_account(login=f"u{user_id}", nick="n", locale="en_US", dropshipper=True,
                                   now=NOW, user_id=user_id)  # fmt: skip


def _write(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


async def _exported(store: Store) -> dict[str, dict[str, Any]]:
    records = [json.loads(line) async for line in export_lines(store)]
    return {record["order_id"]: record for record in records}


def test_chunks_cover_the_file_in_whole_lines_with_their_line_numbers(tmp_path: Path) -> None:
    lines = [json.dumps(record).encode() for record in demo.orders(USERS, count=40, seed=2)]
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    chunks = plan_chunks(path, SMALL_CHUNKS)
    data = path.read_bytes()
    assert len(chunks) > 4
    assert [c.offset for c in chunks] == [0, *(c.offset + c.size for c in chunks[:-1])]
    assert chunks[-1].offset + chunks[-1].size == len(data)
    assert sum(chunk.lines for chunk in chunks) == len(lines)
    for chunk in chunks:
        text = data[chunk.offset : chunk.offset + chunk.size]
        assert text.split(b"\n")[0] == lines[chunk.first_line - 1]


async def test_workers_check_and_the_rows_are_written_in_file_order(
    store: Store, tmp_path: Path, own_temporary_folder: Path
) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=40, seed=3))
    changed = dict(copy.deepcopy(records[0]), order_status="FINISH")
    path = _write(tmp_path / "orders.jsonl", [*records, "", changed])

    report = await import_file(store, path, zone=LA, jobs=2, chunk_bytes=SMALL_CHUNKS, batch_size=7, now=NOW)

    assert (report.read, report.imported, report.rejected) == (41, 41, [])
    exported = await _exported(store)
    assert len(exported) == 40
    assert exported[records[0]["order_id"]]["order_status"] == "FINISH"  # the later line won
    assert exported[records[39]["order_id"]] == records[39]
    assert list(own_temporary_folder.iterdir()) == []


async def test_a_bad_line_in_a_late_chunk_writes_nothing_and_is_named_by_its_line(
    store: Store, tmp_path: Path, own_temporary_folder: Path
) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=40, seed=4))
    records[33] = dict(records[33], order_status="LOST")
    records[12] = dict(records[12], buyer_user_id="7777777")
    path = _write(tmp_path / "orders.jsonl", records)

    with pytest.raises(ImportError_) as caught:
        await import_file(store, path, zone=LA, jobs=2, chunk_bytes=SMALL_CHUNKS, now=NOW)

    assert [(item.line, item.path) for item in caught.value.rejected] == [
        (13, "$.buyer_user_id"), (34, "$.order_status"),
    ]  # fmt: skip
    assert await store.count_orders() == 0
    assert list(own_temporary_folder.iterdir()) == []


async def test_skip_invalid_with_workers_writes_every_good_line(store: Store, tmp_path: Path) -> None:
    await _accounts(store)
    records: list[dict[str, Any] | str] = list(demo.orders(USERS, count=30, seed=5))
    records[20] = "not json"
    path = _write(tmp_path / "orders.jsonl", records)

    report = await import_file(store, path, zone=LA, jobs=2, chunk_bytes=SMALL_CHUNKS, skip_invalid=True, now=NOW)

    assert (report.read, report.imported, [item.line for item in report.rejected]) == (30, 29, [21])
    assert await store.count_orders() == 29


async def test_a_small_file_gives_the_same_result_without_workers(store: Store, tmp_path: Path) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=5, seed=6))
    path = _write(tmp_path / "orders.jsonl", records)
    report = await import_file(store, path, zone=LA, jobs=2, now=NOW)
    assert (report.read, report.imported) == (5, 5)
    assert await _exported(store) == {record["order_id"]: record for record in records}


async def test_a_worker_that_dies_stops_the_import_and_leaves_nothing_behind(
    store: Store, tmp_path: Path, own_temporary_folder: Path
) -> None:
    await _accounts(store)
    path = _write(tmp_path / "orders.jsonl", list(demo.orders(USERS, count=300, seed=7)))
    importing = asyncio.create_task(import_file(store, path, zone=LA, jobs=2, chunk_bytes=SMALL_CHUNKS, now=NOW))
    while not multiprocessing.active_children():
        await asyncio.sleep(0.001)
    os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)  # before any chunk is back: workers start slowly
    with pytest.raises(BrokenProcessPool):
        await importing
    assert await store.count_orders() == 0
    assert list(own_temporary_folder.iterdir()) == []
    assert not [child for child in multiprocessing.active_children() if child.is_alive()]
