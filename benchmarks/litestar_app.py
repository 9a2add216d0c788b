"""Litestar benchmark: per-request cost of a one-route Litestar app, plain and with
egress's EgressPlugin, called in-process as ASGI.

Two payloads, each returned by an `async def` handler: a small dict, and 1,000 rows
with timestamps (`_payloads.rows()`: id, name, flag, score, two UTC datetimes with
microseconds, a naive datetime and a date). Plain Litestar encodes with msgspec (its
`encode_json`), the plugin's app with egress's registry. All four apps run in one
interleaved measurement.

Run: make bench (or .venv/bin/python benchmarks/litestar_app.py)
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.plugins import InitPlugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _asgi, _harness, _payloads
from egress.integrations.litestar import EgressPlugin

# payload name: (value, requests per timed call, how many items its JSON must hold)
PAYLOADS: dict[str, tuple[Any, int, int]] = {
    "small dict": (_payloads.SMALL, 200, 2),
    "1,000 rows with timestamps": (_payloads.rows(), 4, _payloads.RECORDS),
}
APPS: dict[str, tuple[InitPlugin, ...]] = {"Litestar": (), "Litestar + EgressPlugin": ()}


def one_route_app(payload: Any, plugins: tuple[InitPlugin, ...]) -> Litestar:
    @get("/")  # a handler object per app: Litestar keeps what it works out on it
    async def answer() -> Any:
        return payload

    return Litestar([answer], plugins=list(plugins))


def main() -> None:
    loop = asyncio.new_event_loop()
    contenders = []
    batches: dict[str, int] = {}
    for payload_name, (payload, batch, items) in PAYLOADS.items():
        for app_name in APPS:
            plugins = (EgressPlugin(),) if "Egress" in app_name else ()
            app = one_route_app(payload, plugins)
            name = f"{payload_name}, {app_name}"
            batches[name] = batch

            def one(send: _asgi.Collect, app: Litestar = app) -> Any:
                return app(_asgi.scope(), _asgi.receive, send)  # type: ignore[arg-type]

            def check(send: _asgi.Collect, items: int = items) -> bool:
                return send.status == 200 and len(json.loads(send.body)) == items

            contenders.append(_asgi.contender(name, one, loop, check, batch))
    medians = _harness.measure(contenders, rounds=11, min_time=0.1)
    loop.close()
    per_request = {name: value / batches[name] for name, value in medians.items()}
    sections = [
        _harness.table(
            f"{payload_name}: per request, ratio to plain Litestar",
            {app_name: per_request[f"{payload_name}, {app_name}"] for app_name in APPS},
            "Litestar",
        )
        for payload_name in PAYLOADS
    ]
    _harness.write(
        "litestar_app",
        sections,
        preamble=(
            "One-route Litestar 2 apps called in-process as ASGI, without and with "
            "`plugins=[EgressPlugin()]`; Litestar encodes with msgspec, the plugin with "
            f"egress's registry. Payloads: {_payloads.SMALL}; 1,000 rows of id, name, flag, "
            "score, two UTC datetimes with microseconds, a naive datetime and a date.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
