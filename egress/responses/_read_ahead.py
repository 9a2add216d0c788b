"""Sync iterators (generators, a file's chunks) read ahead in worker threads.

A thread hop costs several times what sending a small chunk does, so a sync generator
stepped one `next()` per hop is many times slower than an async one. Read ahead in
batches, into a small bounded buffer, it pays one hop for many chunks; the buffer bounds
how far it runs ahead of the client, and a batch holds its thread only while it runs.
The task that runs the batches belongs to the task group of the stream being sent, lent
to the iterators read in that task for as long as it sends (`tasks_for_reading_ahead`),
so that it ends with the stream, wherever the iterator sits among the wrappers that
turn items into chunks.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import threading
from collections import deque
from collections.abc import Iterator
from types import GeneratorType
from typing import Generic, TypeVar

import anyio
import anyio.abc
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

__all__ = [
    "GENERATOR_THREADS",
    "READ_AHEAD_BYTES",
    "READ_AHEAD_CHUNKS",
    "ThreadedIterator",
    "generator_thread_limiter",
    "tasks_for_reading_ahead",
]

T = TypeVar("T")

GENERATOR_THREADS = 32
"""How many sync generators step in worker threads at once (a batch of `next()` calls,
or `close()`), per event loop. They have this capacity of their own, apart from
anyio's default limiter (40 threads) that file reads, sync handlers and background
tasks use, so generators blocked in `next()` (a slow cursor, a queue) can never take
the threads those need. 32 lets about as many streams step at once as when they
shared the default limiter, while bounding the threads they can hold."""

READ_AHEAD_CHUNKS = 64
READ_AHEAD_BYTES = 512 * 1024
"""How far a sync generator (or a file) may run ahead of the chunk being sent: at most
`READ_AHEAD_CHUNKS` chunks, and none more once `READ_AHEAD_BYTES` are waiting (a str
chunk counts its characters), so at most that plus one chunk. Chosen by measurement
(benchmarks/serve.py, under uvicorn): a thread hop costs several times what sending a
small chunk does, so many chunks must share one; with 64 small chunks per batch, or 8
reads of 64 KiB from a file, both come close to what needs no thread at all, while
smaller buffers paid visibly more hops and larger ones gained little, holding more
memory per stream."""

_generator_limiter: anyio.lowlevel.RunVar[anyio.CapacityLimiter] = anyio.lowlevel.RunVar(
    "egress_generator_limiter"
)
# The task group lent by `tasks_for_reading_ahead` to the iterators read in this task.
_lent_tasks: contextvars.ContextVar[anyio.abc.TaskGroup | None] = contextvars.ContextVar(
    "egress_lent_tasks", default=None
)


def generator_thread_limiter() -> anyio.CapacityLimiter:
    """The running event loop's capacity for sync-generator steps (`GENERATOR_THREADS`).

    One per event loop, as anyio's default limiter is: a limiter belongs to the loop
    that first waits on it. Set `total_tokens` on it to resize it for that loop.
    """
    limiter = _generator_limiter.get(None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(GENERATOR_THREADS)
        _generator_limiter.set(limiter)
    return limiter


@contextlib.contextmanager
def tasks_for_reading_ahead(task_group: anyio.abc.TaskGroup) -> Iterator[None]:
    """Within this block, the `ThreadedIterator`s read by the current task run their
    batches in a task of `task_group` (and read ahead); close them before it ends."""
    lent = _lent_tasks.set(task_group)
    try:
        yield
    finally:
        _lent_tasks.reset(lent)


class _Ended:
    """The last item of a read-ahead buffer: how the iterator ended (None: exhausted)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _size(item: object) -> int:
    """Bytes a buffered item holds, as far as it is a chunk (other values count 0)."""
    if isinstance(item, (bytes, bytearray, str)):
        return len(item)
    if isinstance(item, memoryview):
        return item.nbytes
    return 0


class ThreadedIterator(Generic[T]):
    """An async view of a sync iterator whose `next()` and `close()` run in worker
    threads, so a blocking generator never stalls the event loop.

    Read by a task that lent it a task group (`tasks_for_reading_ahead`), it reads
    ahead, so that a thread hop is paid per batch of chunks rather than per chunk: a
    task of that group runs `next()` in a worker thread into a buffer of at most
    `READ_AHEAD_CHUNKS` items and `READ_AHEAD_BYTES` bytes (plus the chunk that crosses
    it), from which the reader takes items on the event loop. A batch runs until the
    buffer is full, and the next one starts once the reader has taken half of it. A
    reader that waits for an item is woken as soon as the batch has one, and the batch
    goes on meanwhile: a generator that blocks after a chunk (until the client has
    acted on it) has that chunk delivered first. The thread, and its token of the
    thread capacity, is held for one batch, never for the stream's life: streams of
    slow clients leave both to other streams between batches. Read anywhere else, each
    item is a thread hop of its own.

    Batches run one at a time, in the context the iterator was created in: the
    generator sees the request's context variables, and those it sets itself last
    from one step to the next, as for a generator iterated in one place. A `next()` is
    never abandoned: `aclose()` stops the reading ahead (no `next()` starts after it),
    waits for a `next()` still running (closing a generator while it executes in
    another thread is an error), then closes the iterator, so its `finally` runs.

    `limiter`: the thread capacity the batches use; None is the one for sync
    generators (`generator_thread_limiter()`), files pass anyio's default one.
    """

    __slots__ = (
        "_arrived",
        "_bytes",
        "_context",
        "_ended",
        "_filler",
        "_in_flight",
        "_items",
        "_iterator",
        "_limiter",
        "_lock",
        "_room",
        "_stopping",
        "_waiting",
    )

    def __init__(
        self, iterator: Iterator[T], *, limiter: anyio.CapacityLimiter | None = None
    ) -> None:
        self._iterator = iterator
        self._limiter = limiter
        self._context = contextvars.copy_context()
        # What the worker thread and the event loop share: the buffer, its size in
        # bytes, and whether the reader waits for an item; each read and written under
        # the lock, held only for a few operations at a time.
        self._lock = threading.Lock()
        self._items: deque[T | _Ended] = deque()
        self._bytes = 0
        self._waiting = False  # the reader waits for an item
        self._ended = False
        self._stopping = False
        # The event loop's own state.
        self._filler: anyio.CancelScope | None = None  # the read-ahead task, once started
        self._in_flight: anyio.Event | None = None  # set when the batch in a thread returns
        self._arrived: anyio.Event | None = None  # the reader waits on it for an item
        self._room: anyio.Event | None = None  # the read-ahead task waits on it for room

    def __aiter__(self) -> ThreadedIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            with self._lock:
                if self._items:
                    item = self._items[0]
                    if not isinstance(item, _Ended):
                        self._items.popleft()
                        self._bytes -= _size(item)
                    break
                if self._stopping:
                    raise StopAsyncIteration
                self._waiting = True
            try:
                await self._wait_for_items()
            finally:
                self._waiting = False
        if isinstance(item, _Ended):
            error, item.error = item.error, None  # raised once; then exhausted
            if error is None:
                raise StopAsyncIteration
            raise error
        if self._room is not None and self._half_empty():
            self._room.set()
            self._room = None
        return item

    async def _wait_for_items(self) -> None:
        tasks = _lent_tasks.get()
        if tasks is None:  # no task group lent: this task runs each step itself
            await self._run_batch()
            return
        arrived = self._arrived = anyio.Event()
        if self._filler is None:
            self._filler = anyio.CancelScope()
            tasks.start_soon(self._read_ahead, self._filler)
        await arrived.wait()

    async def _read_ahead(self, scope: anyio.CancelScope) -> None:
        """The lent task that runs a batch whenever the buffer is half empty, until the
        iterator ends or `aclose()` stops it."""
        try:
            with scope:
                while not (self._ended or self._stopping):
                    if not self._half_empty():
                        room = self._room = anyio.Event()
                        await room.wait()
                        continue
                    await self._run_batch()
                    self._wake()
        finally:
            self._wake()  # a reader still waiting sees how it ended

    async def _run_batch(self) -> None:
        in_flight = self._in_flight = anyio.Event()
        try:
            await anyio.to_thread.run_sync(
                self._context.run, self._next_batch, limiter=self._thread_limiter()
            )
        finally:
            self._in_flight = None
            in_flight.set()

    def _next_batch(self) -> None:
        """In a worker thread: `next()` until the buffer is full, the iterator ends or is
        closed; a reader waiting for an item is woken as soon as the buffer holds one
        (without a lent task group, it is this batch's caller: the batch returns)."""
        iterator, items = self._iterator, self._items
        while True:
            with self._lock:
                if (
                    self._stopping
                    or len(items) >= READ_AHEAD_CHUNKS
                    or self._bytes >= READ_AHEAD_BYTES
                ):
                    return
            try:
                item: T | _Ended = next(iterator)
            except StopIteration:
                item = _Ended(None)
            except BaseException as error:  # raised to the reader in its turn
                item = _Ended(error)
            with self._lock:
                items.append(item)
                if isinstance(item, _Ended):
                    self._ended = True
                    return
                self._bytes += _size(item)
                waiting, self._waiting = self._waiting, False
            if waiting:
                if self._filler is None:
                    return
                anyio.from_thread.run_sync(self._wake)

    def _wake(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    def _half_empty(self) -> bool:
        return len(self._items) <= READ_AHEAD_CHUNKS // 2 and self._bytes <= READ_AHEAD_BYTES // 2

    async def aclose(self) -> None:
        with self._lock:
            self._stopping = True
        if self._filler is not None:
            self._filler.cancel()  # a batch in a thread stops before its next next()
        while self._in_flight is not None:  # a next() still running: wait for it
            await self._in_flight.wait()
        iterator = self._iterator
        if isinstance(iterator, GeneratorType) and inspect.getgeneratorstate(iterator) != (
            inspect.GEN_SUSPENDED
        ):
            iterator.close()  # never started, or ended: closing runs none of its code
            return
        close = getattr(iterator, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(self._context.run, close, limiter=self._thread_limiter())

    def _thread_limiter(self) -> anyio.CapacityLimiter:
        return self._limiter or generator_thread_limiter()
