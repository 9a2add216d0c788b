"""Many-workers benchmark: what sharing state through Redis costs, and what it carries.

1. The cost of a cached request: an endpoint with cache_rate=1000 (so nearly every
   request replays the stored response), called in-process as ASGI, with its state in
   the endpoint (the default), in a MemoryStore, and in a RedisStore on a redis-server
   on 127.0.0.1 started for the run; ratios to the default, and to running the
   handler every time (no cache).
2. Events per second through Broadcast: uvicorn with 3 workers sharing that Redis, 100
   SSE subscribers connected to them, and a publisher in this process publishing
   EVENTS events as fast as Redis takes them; the rate is events published over the
   time until every subscriber had the last one (each event is delivered 100 times).
   The subscribers are read by one Python process parsing every event (and reconnecting
   with Last-Event-ID, as a browser does, when a subscriber that fell behind is ended),
   on the same machine as the workers: the rate is what the whole system carried.

Run: make bench (or .venv/bin/python benchmarks/workers.py)
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import redis as redis_py
import uvicorn

from benchmarks import _asgi, _harness
from egress import Broadcast, endpoint
from egress.stores import MemoryStore, RedisStore, Store
from tests._redis import running_redis
from tests._workers import uvicorn_workers

BATCH = 200
SUBSCRIBERS = 100
EVENTS = 2000
ROUNDS = 3


def cached(store: Store | None, rate: int | None = 1000) -> Any:
    @endpoint(cache_rate=rate, store=store)
    async def handler() -> dict[str, Any]:
        return {"message": "Welcome home", "id": 7}

    return handler


def cached_request_costs(redis_url: str) -> str:
    loop = asyncio.new_event_loop()
    redis = RedisStore(redis_url)
    apps = {
        "no cache (the handler runs every time)": cached(None, None),
        "cache_rate in the endpoint (default)": cached(None),
        "cache_rate in a MemoryStore": cached(MemoryStore()),
        "cache_rate in a RedisStore (127.0.0.1)": cached(redis),
    }
    contenders = [
        _asgi.contender(
            name,
            lambda send, app=app: app(_asgi.scope(), _asgi.receive, send),
            loop,
            lambda send: send.status == 200,
            batch=BATCH,
        )
        for name, app in apps.items()
    ]
    medians = {n: t / BATCH for n, t in _harness.measure(contenders, rounds=9).items()}
    loop.run_until_complete(redis.aclose())
    loop.close()
    base = "cache_rate in the endpoint (default)"
    lines = [
        "### The cost of a request served from the cache",
        "",
        f"| where the state is | per request | ratio to {base} |",
        "|---|---:|---:|",
    ]
    for name, value in sorted(medians.items(), key=lambda item: item[1]):
        lines.append(f"| {name} | {value * 1e6:.1f} us | {value / medians[base]:.2f}x |")
    return "\n".join(lines) + "\n"


def _events(buffer: bytes) -> tuple[list[bytes], bytes]:
    """The complete events in `buffer` (pings and comments left out) and the rest."""
    *blocks, rest = buffer.split(b"\n\n")
    return [block for block in blocks if b"data: " in block], rest


def _id(block: bytes) -> str:
    start = block.index(b"id: ") + 4
    end = block.find(b"\n", start)
    return block[start : None if end < 0 else end].decode()


async def _subscriber(client: httpx.AsyncClient, url: str, after: str) -> int:
    """Read one stream until the last event, reconnecting with Last-Event-ID as a browser
    does when the stream ends (a subscriber that fell behind is ended with a retry hint);
    how many events it got. Events are split on blank lines with bytes operations, so
    the reading costs the client as little as it can."""
    count, last = 0, after
    while count < EVENTS:
        buffer = b""
        async with client.stream("GET", url, headers={"last-event-id": last}) as response:
            async for chunk in response.aiter_raw():
                events, buffer = _events(buffer + chunk)
                if events:
                    if any(block.startswith(b"event: reset") for block in events):
                        raise RuntimeError("an event aged out of the history")
                    count += len(events)
                    last = _id(events[-1])
                if count >= EVENTS:
                    break
    return count


async def one_round(redis_url: str, base_url: str) -> float:
    store = RedisStore(redis_url)
    async with store, Broadcast(store, history=EVENTS * 2) as broadcast:
        channel = f"bench-{time.monotonic_ns()}"
        start = await broadcast.publish(channel, "start")
        limits = httpx.Limits(max_connections=SUBSCRIBERS + 10)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            url = f"{base_url}/events?channel={channel}"
            tasks = [
                asyncio.create_task(_subscriber(client, url, start)) for _ in range(SUBSCRIBERS)
            ]
            started = time.perf_counter()
            for n in range(EVENTS):
                await broadcast.publish(channel, n)
            counts = await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - started
    if counts != [EVENTS] * SUBSCRIBERS:
        raise RuntimeError(f"subscribers got {sorted(set(counts))} events, not {EVENTS}")
    return EVENTS / elapsed


def broadcast_rate(redis: Any) -> str:
    with tempfile.TemporaryDirectory() as directory, uvicorn_workers(redis, Path(directory)) as c:
        rates = [asyncio.run(one_round(redis.url, c.url)) for _ in range(ROUNDS)]
    rate = statistics.median(rates)
    return (
        "### Events through Broadcast: 100 subscribers over 3 uvicorn workers, one Redis\n\n"
        "| events published | subscribers | events/s (median of "
        f"{ROUNDS}) | deliveries/s |\n|---:|---:|---:|---:|\n"
        f"| {EVENTS} | {SUBSCRIBERS} | {rate:,.0f} | {rate * SUBSCRIBERS:,.0f} |\n"
    )


def main() -> None:
    os.environ.setdefault("EGRESS_RUNS", os.devnull)
    with running_redis() as redis:
        sections = [cached_request_costs(redis.url), broadcast_rate(redis)]
    preamble = (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; "
        f"Redis {redis_version()} on 127.0.0.1; redis-py {redis_py.__version__}, "
        f"uvicorn {uvicorn.__version__}, httpx {httpx.__version__}.\n\n"
    )
    _harness.write("workers", sections, preamble)


def redis_version() -> str:
    import subprocess

    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    return out.split("v=")[1].split()[0] if "v=" in out else "unknown"


if __name__ == "__main__":
    main()
