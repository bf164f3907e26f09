"""Import through `orders_io.import_lines`, on both backends: one read of the input, all or nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from dsorders import demo
from dsorders.orders_io import ImportError_, export_lines, import_lines
from dsorders.store import Store

from .conftest import LA

pytestmark = pytest.mark.anyio
USERS = (2000001, 2000002)
NOW = 1_700_000_000_000


async def _accounts(store: Store) -> None:
    for user_id in USERS:
        await store.create_account(login=f"u{user_id}", nick="n", locale="en_US", dropshipper=True,
                                   now=NOW, user_id=user_id)  # fmt: skip


def _lines(records: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(record).encode() + b"\n" for record in records]


class ReadOnce:
    """A source like standard input: its lines can be read once."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self.opened = 0

    def __call__(self) -> Iterator[bytes]:
        self.opened += 1
        if self.opened > 1:
            raise AssertionError("the input was read twice")
        return iter(self.lines)


async def _exported(store: Store) -> list[dict[str, Any]]:
    return [json.loads(line) async for line in export_lines(store)]


async def test_all_or_nothing_reads_the_input_once_and_writes_every_batch_in_order(store: Store) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=23, seed=3))
    # The last line rewrites the first order: across batches, the later line still wins.
    changed = dict(copy.deepcopy(records[0]), order_status="FINISH")
    source = ReadOnce(_lines([*records, changed]))

    report = await import_lines(store, source, zone=LA, batch_size=4, now=NOW)

    assert (report.read, report.imported, report.rejected) == (24, 24, [])
    assert source.opened == 1
    exported = {record["order_id"]: record for record in await _exported(store)}
    assert len(exported) == 23
    assert exported[records[0]["order_id"]]["order_status"] == "FINISH"
    assert exported[records[5]["order_id"]] == records[5]


async def test_a_bad_last_line_after_many_batches_writes_nothing(store: Store) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=20, seed=4))
    bad = dict(copy.deepcopy(records[0]), order_id="10000000000000000000000")
    source = ReadOnce([*_lines(records), b"\n", *_lines([bad])])

    with pytest.raises(ImportError_) as caught:
        await import_lines(store, source, zone=LA, batch_size=3, now=NOW)

    assert [(item.line, item.path) for item in caught.value.rejected] == [(22, "$.order_id")]
    assert await store.count_orders() == 0


async def test_every_bad_line_is_reported_not_only_the_first(store: Store) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=9, seed=5))
    without_owner = {key: value for key, value in records[2].items() if key != "buyer_user_id"}
    lines = _lines([*records[:2], without_owner, *records[3:]])
    lines[7] = b"not json\n"
    with pytest.raises(ImportError_) as caught:
        await import_lines(store, ReadOnce(lines), zone=LA, batch_size=2, now=NOW)
    assert [item.line for item in caught.value.rejected] == [3, 8]
    assert "missing required field `buyer_user_id`" in caught.value.rejected[0].reason
    assert await store.count_orders() == 0


async def test_skip_invalid_writes_the_good_lines_of_every_batch(store: Store) -> None:
    await _accounts(store)
    records = list(demo.orders(USERS, count=10, seed=6))
    lines = _lines(records)
    lines[4] = b'{"order_id": "12", "buyer_user_id": "2000001"}\n'
    report = await import_lines(store, ReadOnce(lines), zone=LA, skip_invalid=True, batch_size=3, now=NOW)
    assert (report.read, report.imported, [item.line for item in report.rejected]) == (10, 9, [5])
    assert await store.count_orders() == 9
