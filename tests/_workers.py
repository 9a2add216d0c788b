"""uvicorn with several worker processes serving tests.apps_workers:app against a given
Redis, for the multi-worker tests and the benchmark of Broadcast."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tests._redis import RedisServer
from tests._servers import ROOT, free_port

WORKERS = 3


class Cluster(NamedTuple):
    url: str
    runs: Path
    log: Path
    redis: RedisServer

    def run_count(self) -> int:
        return len(self.runs.read_text().splitlines())


@contextlib.contextmanager
def uvicorn_workers(
    redis: RedisServer, directory: Path, workers: int = WORKERS
) -> Iterator[Cluster]:
    """`uvicorn --workers N` on a free port; stopped with its whole process group."""
    port = free_port()
    runs, log = directory / "runs", directory / "log"
    runs.touch()
    log.touch()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EGRESS_REDIS_URL": redis.url,
        "EGRESS_RUNS": str(runs),
        "EGRESS_TEST_LOG": str(log),
    }
    command = [sys.executable, "-m", "uvicorn", "tests.apps_workers:app", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not listen within 30 s")
            time.sleep(0.05)
        yield Cluster(f"http://127.0.0.1:{port}", runs, log, redis)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
