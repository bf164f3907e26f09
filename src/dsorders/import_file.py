"""Import of a JSON Lines file with its lines checked by worker processes.

The file is cut into chunks of whole lines. Each worker reads its chunks from the file
itself, checks and encodes every line, and writes the rows to a temporary file (a pipe moves
megabytes far slower); this process reads them back and writes them to the store in file
order, so the last line for an order still wins. All or nothing works as in
`orders_io.import_lines`: no row is written before every chunk has passed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .orders_io import (
    DEFAULT_BATCH,
    ImportError_,
    ImportReport,
    Rejected,
    RowWriter,
    decode_rows,
    encode_rows,
    import_lines,
    known_user_ids,
    validate_lines,
)
from .store import Store

CHUNK_BYTES = 4 << 20
MIN_CHUNKS = 4  # a smaller file is checked in this process: starting workers costs more


class Chunk(NamedTuple):
    """A run of whole lines: its first line's number, where it starts in the file, its size and lines."""

    first_line: int
    offset: int
    size: int
    lines: int


def plan_chunks(path: str | Path, size: int = CHUNK_BYTES) -> list[Chunk]:
    """The file cut into chunks of about `size` bytes, each ending at the end of a line."""
    chunks: list[Chunk] = []
    line, offset = 1, 0
    with open(path, "rb") as source:
        while block := source.read(size):
            if not block.endswith(b"\n"):
                block += source.readline()
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            chunks.append(Chunk(line, offset, len(block), lines))
            line += lines
            offset += len(block)
    return chunks


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class _Checked(NamedTuple):
    read: int
    rejected: list[Rejected]
    rows_file: str | None


_worker: tuple[ZoneInfo, frozenset[int]] | None = None


def _start_worker(zone: str, known_users: frozenset[int]) -> None:
    global _worker
    _worker = (ZoneInfo(zone), known_users)
    # Ctrl-C reaches the whole process group: the importing process stops the pool and cleans up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_chunk(path: str, chunk: Chunk, rows_file: str) -> _Checked:
    """In a worker: check one chunk; the good rows go to `rows_file`."""
    assert _worker is not None, "the worker was not started"
    zone, known_users = _worker
    with open(path, "rb") as source:
        source.seek(chunk.offset)
        lines = source.read(chunk.size).split(b"\n")
    read, rows, rejected = 0, [], []
    for item in validate_lines(lines, zone, known_users, start=chunk.first_line):
        read += 1
        if isinstance(item, Rejected):
            rejected.append(item)
        else:
            rows.append(item)
    if not rows:
        return _Checked(read, rejected, None)
    with open(rows_file, "wb") as out:
        out.write(encode_rows(rows))
    return _Checked(read, rejected, rows_file)


def _read_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as lines:
        yield from lines


async def import_file(
    store: Store,
    path: str | Path,
    *,
    zone: ZoneInfo,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    now: int | None = None,
    jobs: int = 0,
    chunks: list[Chunk] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> ImportReport:
    """Import a JSON Lines file: with `jobs` > 0 its lines are checked by that many worker processes.

    Workers are started with "spawn", so a script calling this with `jobs` > 0 needs the
    usual `if __name__ == "__main__":` guard. The rows wait in a temporary folder (about twice
    the file's size at most) until they are written. `chunks` is `plan_chunks(path, chunk_bytes)`
    when the caller has it already.
    """
    path = Path(path)
    chunks = plan_chunks(path, chunk_bytes) if chunks is None else chunks
    if jobs < 1 or len(chunks) < MIN_CHUNKS:
        return await import_lines(
            store, lambda: _read_lines(path), zone=zone, skip_invalid=skip_invalid, batch_size=batch_size,
            progress=progress, now=now,
        )  # fmt: skip
    known_users = await known_user_ids(store)
    report = ImportReport()
    writer = RowWriter(store, report, batch_size=batch_size, progress=progress, now=now)

    async def write(rows_file: str | None) -> None:
        if rows_file is not None:
            await writer.add(decode_rows(Path(rows_file).read_bytes()))
            os.unlink(rows_file)

    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="dsorders-import-") as folder:
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                   initargs=(zone.key, known_users))  # fmt: skip
        futures: list[Future[_Checked]] = []
        try:
            futures = [
                pool.submit(_check_chunk, str(path), chunk, os.path.join(folder, f"{n}.rows"))
                for n, chunk in enumerate(chunks)
            ]
            waiting: list[str | None] = []
            for future in futures:
                checked = await asyncio.wrap_future(future)
                report.read += checked.read
                report.rejected.extend(checked.rejected)
                if skip_invalid:
                    await write(checked.rows_file)
                else:
                    waiting.append(checked.rows_file)
            if report.rejected and not skip_invalid:
                raise ImportError_(report.rejected)
            for rows_file in waiting:
                await write(rows_file)
            await writer.finish()
        except BrokenProcessPool:
            futures = []  # the pool fails every future itself; cancelling them as well races with it
            raise
        finally:
            for future in futures:
                future.cancel()
            # Waits for the chunks being checked, so none writes into the folder as it goes.
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
    return report
