"""Concurrent reads answered by one statement (the DataLoader pattern).

`Batcher.submit` queues a key and returns a future. A flush, scheduled for the loop's next
turn, takes the keys queued so far (at most `max_batch`) and hands them to `load` as one
batch, in a task of its own: a caller that is cancelled, or gives up at its deadline, drops
out of its batch and leaves the others running. At most `max_running` batches run at once;
keys that arrive meanwhile wait for one to finish, so the busier the database, the larger
the batches. Nothing is cached: every key is read by the batch it is queued in.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")

# What `load` answers for each key, in the keys' order: a result, or the error its caller gets.
Load = Callable[[Sequence[K]], Awaitable[Sequence[R | BaseException]]]


def _copy_error(error: BaseException) -> BaseException:
    """A copy of a batch's error for each of its callers, so no two tasks raise (and extend) one object."""
    try:
        twin = copy.copy(error)
    except Exception:  # an exception class that cannot be rebuilt from its args
        return error
    twin.__cause__ = error.__cause__
    twin.__suppress_context__ = error.__suppress_context__
    return twin


class Batcher(Generic[K, R]):
    def __init__(self, load: Load[K, R], *, max_batch: int, max_running: int, closed: Callable[[], BaseException]):
        self._load = load
        self._max_batch = max_batch
        self._max_running = max_running
        self._closed = closed
        self._queue: list[tuple[K, asyncio.Future[R]]] = []
        self._scheduled = False
        self._running: dict[asyncio.Task[None], list[tuple[K, asyncio.Future[R]]]] = {}

    def submit(self, key: K) -> asyncio.Future[R]:
        """The future of `key`'s result; cancelling it takes the key out of its batch."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((key, future))
        if not self._scheduled and len(self._running) < self._max_running:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        while self._queue and len(self._running) < self._max_running:
            # Callers that gave up while queued are dropped here rather than read.
            batch = [(key, future) for key, future in self._queue[: self._max_batch] if not future.done()]
            del self._queue[: self._max_batch]
            if batch:
                task = asyncio.get_running_loop().create_task(self._run(batch))
                self._running[task] = batch
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        # A batch cancelled by `close`, even before it started, leaves no caller waiting.
        batch = self._running.pop(task)
        if not all(future.done() for _, future in batch):
            self._fail(batch, self._closed())
        if self._queue and not self._scheduled:
            self._flush()

    async def _run(self, batch: list[tuple[K, asyncio.Future[R]]]) -> None:
        try:
            results = await self._load([key for key, _ in batch])
        except Exception as error:
            self._fail(batch, error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    @staticmethod
    def _fail(batch: list[tuple[K, asyncio.Future[R]]], error: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(_copy_error(error))

    async def close(self) -> None:
        """Fail the queued calls and stop the running batches: no future is left pending."""
        queued, self._queue, self._scheduled = self._queue, [], False
        self._fail(queued, self._closed())
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
