"""A uvicorn process per contender for the benchmarks that measure through a real server.

Each contender gets its own process on a free loopback port, so it imports only its own
framework; the app reads which contender it is from the environment it is started with.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What uvicorn runs on by default: httptools and uvloop when they are installed.
HTTP_PARSER = "httptools" if find_spec("httptools") else "h11"
EVENT_LOOP = "uvloop" if find_spec("uvloop") else "asyncio"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def uvicorn(app: str, env: dict[str, str], name: str) -> Iterator[tuple[str, int]]:
    """Serve the import string `app` with `env` added to the environment; yield its base
    URL and process id, and stop it afterwards. `name` names it in a start-up failure."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--host", "127.0.0.1",
         "--log-level", "warning", "--lifespan", "off"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"uvicorn for {name} did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)
