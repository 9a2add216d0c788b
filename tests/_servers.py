"""Start a real ASGI server on 127.0.0.1 for a test, and stop it afterwards.

The app is given as an import string ("tests.apps_streaming:app") because servers
such as granian run it in their own worker process. Servers: "uvicorn",
"hypercorn" (its asyncio worker), "hypercorn-trio" (its trio worker, so the app
runs on trio) and "granian".

Every server is bounded in time: it must listen within `startup_timeout`, and on
the way out it gets SIGTERM, then SIGKILL for its whole process group (granian's
workers included) if it has not exited within `STOP_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("uvicorn", "hypercorn", "hypercorn-trio", "granian")
STOP_TIMEOUT = 10.0
# hypercorn's default listen backlog (100) refuses part of a burst of a few hundred
# simultaneous connections; uvicorn's (2048) and granian's (1024) defaults are enough.
BACKLOG = "1024"
# Idle connections are kept longer than httpx keeps them (5 s), so the client always
# closes first: a server closing an idle connection just as a busy machine's client reuses
# it would fail a request for a reason no test is about.
KEEP_ALIVE = "30"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hypercorn(worker_class: str, app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hypercorn",
        "--worker-class",
        worker_class,
        "--backlog",
        BACKLOG,
        "--keep-alive",
        KEEP_ALIVE,
        "--bind",
        f"127.0.0.1:{port}",
        app,
    ]


def _command(server: str, app: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--timeout-keep-alive",
            KEEP_ALIVE,
        ]
    if server == "hypercorn":
        return _hypercorn("asyncio", app, port)
    if server == "hypercorn-trio":
        return _hypercorn("trio", app, port)
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            app,
        ]
    raise ValueError(f"unknown server {server!r}: use one of {', '.join(SERVERS)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the process group: the server started its own session,
    so the group is exactly the server and the workers it spawned."""
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def listening(
    command: Callable[[int], list[str]],
    name: str,
    *,
    env: dict[str, str] | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `command(port)` for a free loopback port in a session of its own; yield the
    base URL once something listens there; stop the whole process group afterwards."""
    port = free_port()
    process = subprocess.Popen(
        command(port),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} before serving")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{name} did not listen on port {port} within {startup_timeout}s"
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@contextlib.contextmanager
def serve(
    app: str,
    server: str = "uvicorn",
    *,
    env: dict[str, str] | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `app` under `server` on a free loopback port; yield its base URL."""
    with listening(
        lambda port: _command(server, app, port), server, env=env, startup_timeout=startup_timeout
    ) as url:
        yield url


class Served(NamedTuple):
    """A running server: its name, base URL, and the file egress and the server log to."""

    name: str
    url: str
    log: Path


@contextlib.contextmanager
def serve_logged(app: str, server: str, log: Path) -> Iterator[Served]:
    """`serve`, with the app's logging sent to `log` (the test apps read EGRESS_TEST_LOG),
    so a test in this process can read what egress and the server logged."""
    log.touch()
    with serve(app, server, env={"EGRESS_TEST_LOG": str(log)}) as url:
        yield Served(server, url, log)
