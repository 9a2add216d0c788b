"""Start a real ASGI server on 127.0.0.1 for a test, and stop it afterwards.

The app is given as an import string ("tests.apps.streams:app") because servers
such as granian run it in their own worker process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        ]
    if server == "hypercorn":
        return [sys.executable, "-m", "hypercorn", app, "--bind", f"127.0.0.1:{port}"]
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
    raise ValueError(f"unknown server {server!r}: use uvicorn, hypercorn or granian")


@contextlib.contextmanager
def serve(
    app: str,
    server: str = "uvicorn",
    *,
    env: dict[str, str] | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `app` under `server` on a free loopback port; yield its base URL."""
    port = free_port()
    process = subprocess.Popen(
        _command(server, app, port),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{server} exited with {process.returncode} before serving")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{server} did not listen on port {port} within {startup_timeout}s"
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
