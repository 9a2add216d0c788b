"""uvicorn with several worker processes serving tests.apps_workers:app against a given
Redis, for the multi-worker tests and the benchmark of Broadcast."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tests._redis import RedisServer
from tests._servers import listening

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
    runs, log = directory / "runs", directory / "log"
    runs.touch()
    log.touch()
    env = {
        "EGRESS_REDIS_URL": redis.url,
        "EGRESS_RUNS": str(runs),
        "EGRESS_TEST_LOG": str(log),
    }

    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "uvicorn", "tests.apps_workers:app"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--log-level", "warning"),
        ]

    with listening(command, "uvicorn --workers", env=env, startup_timeout=30) as url:
        yield Cluster(url, runs, log, redis)
