"""Orders in and out: validated JSON Lines import (batched upserts) and export in the same format."""

from __future__ import annotations

import json
import struct
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Container, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO
from zoneinfo import ZoneInfo

import msgspec

from .protocol import order_result
from .protocol.order_result import InvalidRecordError, OrderResult
from .store import NotFoundError, OrderRow, Store

DEFAULT_BATCH = 5000


def to_row(order_id: int, user_id: int, result: OrderResult, zone: ZoneInfo) -> OrderRow:
    """An order ready to store, with both of its encodings."""
    return OrderRow(
        order_id=order_id,
        user_id=user_id,
        order_status=result.order_status,
        gmt_create=int(order_result.gmt_create_instant(result, zone).timestamp()),
        zone=zone.key,
        doc=order_result.encode_streamlined(result),
        wrapped=order_result.encode_wrapped(result),
    )


@dataclass(frozen=True)
class Rejected:
    line: int
    path: str
    reason: str
    text: str

    def describe(self) -> str:
        return f"line {self.line}: {self.path}: {self.reason}"


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    rejected: list[Rejected] = field(default_factory=list)


class ImportError_(Exception):
    """The file was refused as a whole; `rejected` says which lines and why."""

    def __init__(self, rejected: list[Rejected]) -> None:
        first = rejected[0].describe()
        more = f" (and {len(rejected) - 1} more bad lines)" if len(rejected) > 1 else ""
        super().__init__(f"nothing imported: {first}{more}")
        self.rejected = rejected


def validate_lines(
    lines: Iterable[bytes | str], zone: ZoneInfo, known_users: Container[int], *, start: int = 1
) -> Iterator[OrderRow | Rejected]:
    """Each non-blank line as a row to store, or the reason it was refused; lines count from `start`."""
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        try:
            order_id, user_id, result = order_result.decode_record(line, zone)
        except InvalidRecordError as exc:
            yield Rejected(number, exc.path, str(exc), _text(line))
            continue
        if user_id not in known_users:
            yield Rejected(number, "$.buyer_user_id", f"no account with user id {user_id}", _text(line))
            continue
        yield to_row(order_id, user_id, result, zone)


def _text(line: bytes | str) -> str:
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    return text.rstrip("\r\n")


async def import_lines(
    store: Store,
    open_lines: Callable[[], Iterable[bytes | str]],
    *,
    zone: ZoneInfo,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    now: int | None = None,
) -> ImportReport:
    """Upsert every line, one transaction per batch; the lines of `open_lines()` are read once.

    Without `skip_invalid` nothing is written if any line is bad: the checked rows wait in a
    temporary file until the last line has passed. With it, good lines are written as they
    come and the bad ones are reported.
    """
    known_users = await known_user_ids(store)
    report = ImportReport()
    writer = RowWriter(store, report, batch_size=batch_size, progress=progress, now=now)
    with nullcontext() if skip_invalid else _Spill() as spill:
        batch: list[OrderRow] = []
        for item in validate_lines(open_lines(), zone, known_users):
            report.read += 1
            if isinstance(item, Rejected):
                report.rejected.append(item)
            else:
                batch.append(item)
            if len(batch) >= batch_size:
                if spill is None:
                    await writer.add(batch)
                elif not report.rejected:  # once a line is bad, nothing will be written
                    spill.write(batch)
                batch = []
        if spill is not None:
            if report.rejected:
                raise ImportError_(report.rejected)
            for rows in spill.batches():
                await writer.add(rows)
        await writer.add(batch)
        await writer.finish()
    return report


async def known_user_ids(store: Store) -> frozenset[int]:
    """The user ids an import may give orders to."""
    return frozenset(account.user_id for account in await store.list_accounts())


class RowWriter:
    """Checked rows upserted in the order given, `batch_size` to a transaction, counted in `report`."""

    def __init__(self, store: Store, report: ImportReport, *, batch_size: int,
                 progress: Callable[[int], None] | None, now: int | None) -> None:  # fmt: skip
        self.store = store
        self.report = report
        self.batch_size = batch_size
        self.progress = progress
        self.now = int(time.time() * 1000) if now is None else now
        self._batch: list[OrderRow] = []

    async def add(self, rows: Iterable[OrderRow]) -> None:
        self._batch.extend(rows)
        while len(self._batch) >= self.batch_size:
            await self._write(self._batch[: self.batch_size])
            del self._batch[: self.batch_size]

    async def finish(self) -> None:
        if self._batch:
            await self._write(self._batch)
            self._batch = []

    async def _write(self, rows: Sequence[OrderRow]) -> None:
        self.report.imported += await self.store.upsert_orders(rows, now=self.now)
        if self.progress is not None:
            self.progress(len(rows))


_ROWS_ENCODER = msgspec.msgpack.Encoder()
_ROWS_DECODER = msgspec.msgpack.Decoder(list[OrderRow])


def encode_rows(rows: list[OrderRow]) -> bytes:
    """Checked rows as bytes to keep aside (a temporary file, a worker's answer) and read back."""
    return _ROWS_ENCODER.encode(rows)


def decode_rows(data: bytes) -> list[OrderRow]:
    return _ROWS_DECODER.decode(data)


class _Spill:
    """Batches of checked rows kept in an anonymous temporary file, read back in order."""

    _HEADER = struct.Struct("<Q")

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="dsorders-import-")

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def write(self, rows: list[OrderRow]) -> None:
        data = encode_rows(rows)
        self._file.write(self._HEADER.pack(len(data)))
        self._file.write(data)

    def batches(self) -> Iterator[list[OrderRow]]:
        self._file.seek(0)
        while header := self._file.read(self._HEADER.size):
            (size,) = self._HEADER.unpack(header)
            yield decode_rows(self._file.read(size))


async def export_lines(
    store: Store, *, user_id: int | None = None, zone: ZoneInfo | None = None
) -> AsyncIterator[bytes]:
    """Export lines, by order id: each the stored result with its order id and owner.

    With `zone`, orders stored under another display zone are shown in that one, so that the
    whole file can be imported again with `zone`.
    """
    async for order in store.iter_orders(user_id=user_id):
        doc = order.doc
        if zone is not None and order.zone != zone.key:
            moved = order_result.rezone(order_result.decode_result(doc), ZoneInfo(order.zone), zone)
            doc = order_result.encode_streamlined(moved)
        yield order_result.encode_record(order.order_id, order.user_id, doc)


async def get_record(store: Store, order_id: int) -> dict[str, object]:
    """One order as an export record, decoded."""
    order = await store.get_order(order_id, "streamlined")
    record: dict[str, object] = json.loads(order_result.encode_record(order.order_id, order.user_id, order.doc))
    return record


__all__ = ["ImportError_", "ImportReport", "NotFoundError", "Rejected", "export_lines", "import_lines", "to_row"]
