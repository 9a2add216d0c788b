"""Work that runs after a response's last body byte has been sent.

Sync functions run in a worker thread (anyio's default thread capacity, which
blocked sync generators cannot take) so they never block the event loop, on asyncio
or trio alike; async ones are awaited. A failing task is logged, never raised into
the server: the response is already complete on the wire and must not be turned
into a broken one.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec

import anyio.to_thread

__all__ = ["BackgroundTask", "BackgroundTasks", "run_logged"]

logger = logging.getLogger("egress.background")


def _is_async_callable(fn: object) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


P = ParamSpec("P")


class BackgroundTask:
    """`fn(*args, **kwargs)`, run after the response is sent."""

    __slots__ = ("args", "fn", "is_async", "kwargs")

    def __init__(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        if not callable(fn):
            raise TypeError(f"BackgroundTask needs a callable, got {fn!r}")
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async_callable(fn)

    async def __call__(self) -> None:
        if self.is_async:
            await self.fn(*self.args, **self.kwargs)
        else:
            await anyio.to_thread.run_sync(functools.partial(self.fn, *self.args, **self.kwargs))

    def __repr__(self) -> str:
        return f"BackgroundTask({self.fn!r})"


class BackgroundTasks:
    """Several tasks, run in the order they were added. One that fails is logged and
    the next ones still run: they are independent pieces of after-work."""

    __slots__ = ("tasks",)

    def __init__(self, tasks: Iterable[BackgroundTask] = ()) -> None:
        self.tasks = list(tasks)

    def add_task(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.tasks.append(BackgroundTask(fn, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await run_logged(task)

    def __repr__(self) -> str:
        return f"BackgroundTasks({self.tasks!r})"


async def run_logged(task: BackgroundTask | BackgroundTasks) -> None:
    """Run `task`; log an exception instead of raising it (cancellation still propagates)."""
    try:
        await task()
    except Exception:
        logger.exception("background task %r failed after the response was sent", task)
