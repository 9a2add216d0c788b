"""Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
the browser reads JSON commands on fd 3 and writes answers and events on fd 4, each
ended by a NUL), so no WebSocket client is needed. Bounded in time: every wait has a
deadline, and the browser's whole process group is killed on the way out.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)


class Browser:
    """One page of a running browser: `call` a DevTools method on it, and the events
    it sent so far in `events`."""

    def __init__(self, commands: int, answers: int) -> None:
        self._commands = commands
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._session: str | None = None
        self._reader = threading.Thread(target=self._read, args=(answers,), daemon=True)
        self._reader.start()

    def _read(self, fd: int) -> None:
        pending = b""
        while chunk := os.read(fd, 65536):
            *messages, pending = (pending + chunk).split(b"\0")
            for message in messages:
                self._answers.put(json.loads(message))
        os.close(fd)

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session is not None:
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self._answers.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise TimeoutError(f"chromium did not answer {method} within {timeout}s") from None
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer["result"])
            self.events.append(answer)

    def open(self, url: str) -> None:
        """A new page, attached, with network events on, at `url`."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Network.enable")
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless browser with a new empty profile, killed (with its children) on exit."""
    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()

    def pipes_at_3_and_4() -> None:
        os.dup2(commands_read, 3)
        os.dup2(answers_write, 4)

    with tempfile.TemporaryDirectory(prefix="egress-chromium-") as profile:
        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=pipes_at_3_and_4,  # runs before the fds not passed are closed
            start_new_session=True,
        )
        os.close(commands_read)
        os.close(answers_write)
        try:
            yield Browser(commands_write, answers_read)
        finally:
            os.close(commands_write)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
