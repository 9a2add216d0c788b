"""Background tasks: run after the last body byte, sync ones off the event loop,
failures logged without touching the response."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import pytest

from egress import BackgroundTask, BackgroundTasks, JSONResponse, PlainText, RedirectResponse
from tests.apps_responses import fetch

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.events.append(message["type"])

    async def receive(self) -> dict[str, Any]:
        return {"type": "http.disconnect"}


async def test_async_task_runs_after_the_body() -> None:
    recorder = Recorder()

    async def task(name: str, *, suffix: str) -> None:
        recorder.events.append(name + suffix)

    response = PlainText("x", background=BackgroundTask(task, "task", suffix="!"))
    await response({"type": "http"}, recorder.receive, recorder.send)
    assert recorder.events == ["http.response.start", "http.response.body", "task!"]


async def test_sync_task_runs_in_a_worker_thread() -> None:
    threads: list[int] = []
    task = BackgroundTask(lambda: threads.append(threading.get_ident()))
    response = JSONResponse({"a": 1}, background=task)
    got = await fetch(response)
    assert got.json() == {"a": 1}
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_tasks_run_in_order() -> None:
    seen: list[int] = []

    async def later(n: int) -> None:
        seen.append(n)

    tasks = BackgroundTasks([BackgroundTask(seen.append, 1)])
    tasks.add_task(later, 2)
    tasks.add_task(seen.append, 3)
    await fetch(RedirectResponse("/", background=tasks))
    assert seen == [1, 2, 3]


async def test_a_failing_task_is_logged_and_the_response_is_intact(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def boom() -> None:
        raise RuntimeError("task exploded")

    tasks = BackgroundTasks()
    tasks.add_task(boom)
    tasks.add_task(seen.append, "still ran")
    with caplog.at_level(logging.ERROR, logger="egress.background"):
        got = await fetch(PlainText("complete", background=tasks))
    assert got.status_code == 200
    assert got.text == "complete"
    assert seen == ["still ran"]
    assert "task exploded" in caplog.text
    assert "failed after the response was sent" in caplog.text


async def test_a_single_failing_task_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def boom() -> None:
        raise ValueError("async boom")

    with caplog.at_level(logging.ERROR, logger="egress.background"):
        got = await fetch(PlainText("fine", background=BackgroundTask(boom)))
    assert got.text == "fine"
    assert "async boom" in caplog.text


async def test_async_partials_and_async_callables_are_awaited() -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []

    async def record(value: int) -> None:
        seen.append(value if threading.get_ident() == loop_thread else -1)

    class Callable:
        async def __call__(self) -> None:
            seen.append(3 if threading.get_ident() == loop_thread else -1)

    task = BackgroundTask(functools.partial(functools.partial(record), 2))
    assert task.is_async
    await task()
    await BackgroundTask(Callable())()
    assert seen == [2, 3]


def test_task_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="BackgroundTask needs a callable"):
        BackgroundTask("not callable")  # type: ignore[arg-type]


def test_repr_names_the_function() -> None:
    assert "print" in repr(BackgroundTasks([BackgroundTask(print)]))
