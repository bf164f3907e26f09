"""The batcher alone, over a load that records its batches (the store's use is in test_postgresql.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from dsorders.store import StoreUnavailableError
from dsorders.store.batching import Batcher

pytestmark = pytest.mark.anyio


class Loads:
    def __init__(self, error: BaseException | None = None) -> None:
        self.batches: list[list[int]] = []
        self.error = error
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, keys: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(keys))
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return [ValueError(key) if key < 0 else key * 10 for key in keys]


def _batcher(loads: Loads, *, max_batch: int = 128, max_running: int = 2) -> Batcher[int, int]:
    return Batcher(loads, max_batch=max_batch, max_running=max_running,
                   closed=lambda: StoreUnavailableError("closed"))  # fmt: skip


async def test_keys_queued_in_one_turn_are_loaded_together_up_to_the_cap() -> None:
    loads = Loads()
    batcher = _batcher(loads, max_batch=3)
    assert await asyncio.gather(*(batcher.submit(key) for key in range(7))) == [key * 10 for key in range(7)]
    assert loads.batches == [[0, 1, 2], [3, 4, 5], [6]]  # two ran at once, the third once one finished


async def test_a_key_the_load_fails_fails_only_its_caller() -> None:
    batcher = _batcher(Loads())
    results = await asyncio.gather(batcher.submit(1), batcher.submit(-1), return_exceptions=True)
    assert results[0] == 10 and isinstance(results[1], ValueError)


async def test_a_failed_load_gives_each_caller_a_copy_of_its_error() -> None:
    try:
        raise StoreUnavailableError("postgresql: down") from OSError("refused")
    except StoreUnavailableError as error:
        failure = error
    batcher = _batcher(Loads(failure))
    errors = await asyncio.gather(*(batcher.submit(key) for key in range(3)), return_exceptions=True)
    assert [(type(e), str(e), type(e.__cause__)) for e in errors] == [
        (StoreUnavailableError, "postgresql: down", OSError)
    ] * 3
    assert len({id(e) for e in errors}) == 3


async def test_a_caller_cancelled_while_queued_is_not_loaded() -> None:
    loads = Loads()
    batcher = _batcher(loads, max_running=1)
    loads.release.clear()
    first = batcher.submit(1)
    await asyncio.sleep(0)  # 1's batch runs and waits
    gone, kept = batcher.submit(2), batcher.submit(3)
    gone.cancel()
    loads.release.set()
    assert (await first, await kept) == (10, 30)
    assert loads.batches == [[1], [3]]


async def test_close_fails_queued_and_running_callers() -> None:
    loads = Loads()
    batcher = _batcher(loads, max_running=1)
    loads.release.clear()
    running = batcher.submit(1)
    await asyncio.sleep(0)
    queued = batcher.submit(2)
    await batcher.close()
    for future in (running, queued):
        with pytest.raises(StoreUnavailableError, match="closed"):
            await future
