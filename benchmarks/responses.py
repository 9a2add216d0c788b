"""Response benchmark: per-response cost of building a JSON response and sending it.

Each contender builds a response for a payload and drives it through a minimal ASGI
`send` (the two messages a server would get), in-process. Payloads: the small
`{"message": "Welcome home", "id": 7}` and a mixed list of records holding a
dataclass, an Enum, a datetime, a UUID and a Decimal next to plain values.

A third table is the direct constructor's path alone: `JSONResponse(value)` then
`await response(scope, receive, send)` against orjson.dumps plus the two messages built
by hand, both to a send that does nothing.

Contenders: egress JSONResponse, and egress `to_response` (the pipeline picking the
JSON response for the value, as an endpoint does); the hand-written limit (orjson.dumps and the two
ASGI messages built by hand); Starlette's JSONResponse, and a subclass rendering with
orjson; Lilya's JSONResponse and make_response; FastAPI's jsonable_encoder feeding its
JSONResponse; and a one-route Litestar app called as ASGI (its routing and request
handling are included, so it is an upper bound for Litestar's response alone).
Starlette's stdlib json cannot encode the mixed records, so it runs on the small
payload only; Lilya gets a Decimal encoder through its own `encoders=` argument.

Run: make bench (or .venv/bin/python benchmarks/responses.py)
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse as FastAPIJSONResponse
from lilya.encoders import Encoder as LilyaEncoder
from lilya.responses import JSONResponse as LilyaJSONResponse
from lilya.responses import make_response as lilya_make_response
from litestar import Litestar, get
from starlette.responses import JSONResponse as StarletteJSONResponse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _asgi, _harness, _payloads
from egress import JSONResponse, to_response

BATCH = 100
RECORDS = 100
SMALL = {"message": "Welcome home", "id": 7}
SCOPE = {"type": "http", "method": "GET", "path": "/", "headers": []}


def mixed() -> list[dict[str, Any]]:
    return [
        {
            "address": _payloads.Address(f"{i} Main St", "Springfield"),
            "status": _payloads.Status.ACTIVE if i % 2 else _payloads.Status.BLOCKED,
            "created": datetime.datetime(2024, 1, 1, 12, i % 60, tzinfo=datetime.timezone.utc),
            "id": uuid.UUID(int=i),
            "price": decimal.Decimal(f"{i}.99"),
            "n": i,
            "ratio": 0.5,
            "active": True,
            "note": None,
            "label": "plain text",
        }
        for i in range(RECORDS)
    ]


# -- the hand-written limit and the peers' variants ---------------------------------------


def _decimal_as_str(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value))


def by_hand(payload: Any) -> Callable[..., Any]:
    """orjson plus the two ASGI messages, nothing else: the floor for any JSON response."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = orjson.dumps(payload, default=_decimal_as_str)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", b"%d" % len(body)),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


class StarletteOrjsonResponse(StarletteJSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_decimal_as_str)


class LilyaDecimal(LilyaEncoder[decimal.Decimal]):
    __type__ = decimal.Decimal

    def serialize(self, obj: decimal.Decimal) -> str:
        return str(obj)


def litestar_app(payload: Any) -> Litestar:
    @get("/")
    async def handler() -> Any:
        return payload

    return Litestar(route_handlers=[handler])


# -- driving ------------------------------------------------------------------------------


def contender(
    name: str, make: Callable[[], Any], payload: Any, loop: asyncio.AbstractEventLoop
) -> _harness.Contender:
    """`make()` returns an ASGI app (a fresh response, or a whole app); BATCH of them are
    built and sent per timed call, inside one event-loop run."""

    def one(send: _asgi.Collect) -> Any:
        return make()(dict(SCOPE), _asgi.receive, send)

    def check(send: _asgi.Collect) -> bool:
        got = json.loads(send.body)
        same_shape = got == payload if payload is SMALL else len(got) == RECORDS
        return send.status == 200 and same_shape

    return _asgi.contender(name, one, loop, check, BATCH)


def run(payload: Any, loop: asyncio.AbstractEventLoop) -> dict[str, float]:
    """Median seconds per response of every contender on `payload`."""
    hand = by_hand(payload)
    litestar = litestar_app(payload)
    makers: dict[str, Callable[[], Any]] = {
        EGRESS: lambda: JSONResponse(payload),
        TO_RESPONSE: lambda: to_response(payload),
        HAND: lambda: hand,
        "Starlette JSONResponse, orjson render": lambda: StarletteOrjsonResponse(payload),
        LILYA: lambda: LilyaJSONResponse(payload, encoders=[LilyaDecimal]),
        "Lilya make_response": lambda: lilya_make_response(payload, encoders=[LilyaDecimal]),
        FASTAPI: lambda: FastAPIJSONResponse(jsonable_encoder(payload)),
        "Litestar app (routing included)": lambda: litestar,
    }
    if payload is SMALL:
        makers[STARLETTE] = lambda: StarletteJSONResponse(payload)
    measured = [contender(name, make, payload, loop) for name, make in makers.items()]
    medians = _harness.measure(measured, rounds=11, min_time=0.05)
    return {name: value / BATCH for name, value in medians.items()}


EGRESS = "egress JSONResponse"
TO_RESPONSE = "egress to_response"
HAND = "hand-written (orjson + 2 messages)"
STARLETTE = "Starlette JSONResponse"
LILYA = "Lilya JSONResponse"
FASTAPI = "FastAPI jsonable_encoder + JSONResponse"


# -- the small response against the raw limit, the direct constructor's path -------------

RAW = "raw limit (orjson.dumps + 2 messages)"
DIRECT = "egress JSONResponse(value) + await response(...)"


async def _no_op_send(message: Any) -> None:
    pass


def small_direct(loop: asyncio.AbstractEventLoop) -> dict[str, float]:
    """Median seconds per response: `JSONResponse(SMALL)` then `await response(scope,
    receive, send)`, against the hand-written app (orjson.dumps plus the two messages
    built by hand), each awaited once per response, both to a send that does nothing,
    BATCH of them per event-loop run."""
    scope = dict(SCOPE)
    hand = by_hand(SMALL)

    async def raw() -> None:
        for _ in range(BATCH):
            await hand(scope, _asgi.receive, _no_op_send)

    async def direct() -> None:
        for _ in range(BATCH):
            response = JSONResponse(SMALL)
            await response(scope, _asgi.receive, _no_op_send)

    contenders = [
        _harness.Contender(RAW, lambda: loop.run_until_complete(raw())),
        _harness.Contender(DIRECT, lambda: loop.run_until_complete(direct())),
    ]
    medians = _harness.measure(contenders, rounds=21, min_time=0.05)
    return {name: value / BATCH for name, value in medians.items()}


def targets(small: dict[str, float], mixed: dict[str, float], direct: dict[str, float]) -> str:
    """The targets, each with its measured ratio."""
    rows = [
        ("small, direct constructor: egress / raw limit", direct[DIRECT] / direct[RAW], "<= 1.6"),
        ("small: egress / Starlette JSONResponse", small[EGRESS] / small[STARLETTE], "<= 0.6"),
        ("small: egress / hand-written", small[EGRESS] / small[HAND], "<= 1.5"),
        ("small: egress to_response / hand-written", small[TO_RESPONSE] / small[HAND], "<= 1.5"),
        ("small: Lilya JSONResponse / egress", small[LILYA] / small[EGRESS], ">= 3"),
        ("mixed: egress / hand-written", mixed[EGRESS] / mixed[HAND], "<= 1.2"),
        ("mixed: Lilya JSONResponse / egress", mixed[LILYA] / mixed[EGRESS], ">= 10"),
        ("mixed: FastAPI path / egress", mixed[FASTAPI] / mixed[EGRESS], ">= 10"),
    ]
    lines = ["### Targets", "", "| ratio | measured | target |", "|---|---:|---:|"]
    lines += [f"| {label} | {value:.2f} | {target} |" for label, value, target in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    loop = asyncio.new_event_loop()
    small = run(SMALL, loop)
    mixed_records = mixed()
    mixed_medians = run(mixed_records, loop)
    direct = small_direct(loop)
    loop.close()
    sections = [
        _harness.table("Small payload, per response", small, HAND),
        _harness.table(f"Mixed payload ({RECORDS} records), per response", mixed_medians, HAND),
        _harness.table("Small payload, direct constructor, to a no-op send", direct, RAW),
        targets(small, mixed_medians, direct),
    ]
    _harness.write(
        "responses",
        sections,
        preamble=(
            f"Build a response and send it through a minimal ASGI send, {BATCH} per timed "
            f"call in one event-loop run. Small payload: {SMALL}; mixed: {RECORDS} records "
            "of a dataclass, an Enum, a datetime, a UUID, a Decimal and plain values.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
