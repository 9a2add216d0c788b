"""One Litestar app built twice, plain (`plain_app`) and with egress's plugin
(`egress_app`, `money_app` with an encoder of its own, `piped_app` with a Pipeline), so
tests/test_integrations_litestar.py can compare them in-process and under uvicorn.

Litestar keeps what it works out for a handler on the handler object, so each app is
built from handlers of its own.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Router, get, post
from litestar.dto import DataclassDTO, DTOConfig
from litestar.params import JSONBody
from litestar.plugins import InitPlugin

import egress
from egress.integrations.litestar import EgressPlugin
from tests.apps_fastapi import ROWS, Money, MoneyEncoder

VALUE = {
    "price": decimal.Decimal("1.10"),
    "wait": datetime.timedelta(seconds=90),
    "at": datetime.datetime(2024, 5, 1, 12, 30, 1, 123456, tzinfo=datetime.timezone.utc),
}


@dataclasses.dataclass
class Pen:
    name: str
    made: datetime.date
    secret: str = "kept back by the DTO"


class PenDTO(DataclassDTO[Pen]):
    config = DTOConfig(exclude={"secret"})


def build(*plugins: InitPlugin) -> Litestar:
    @get("/value", sync_to_thread=False)
    def value() -> dict[str, Any]:
        return VALUE

    @get("/rows")
    async def rows() -> list[dict[str, Any]]:
        return ROWS

    @get("/pens", return_dto=PenDTO)
    async def pens() -> list[Pen]:
        return [Pen("fountain", datetime.date(2024, 5, 1))]

    @post("/pens")
    async def make_pen(data: JSONBody[Pen]) -> Pen:
        return data

    @get("/money")
    async def money() -> Money:
        return Money("12.50", "EUR")

    @get("/text")
    async def text() -> str:
        return "plain"

    @get("/egress/json")
    async def egress_json() -> egress.JSONResponse:
        return egress.JSONResponse({"made": "by egress"}, status_code=201, headers={"x-e": "1"})

    @get("/egress/unannotated")
    async def egress_unannotated() -> Any:
        return egress.JSONResponse({"made": "by egress"}, status_code=201, headers={"x-e": "1"})

    @get("/egress/events")
    async def egress_events() -> egress.EventSourceResponse:
        async def events() -> AsyncIterator[dict[str, int]]:
            yield {"n": 1}

        return egress.EventSourceResponse(events(), ping=0)

    @get("/egress/error")
    async def egress_error() -> dict[str, str]:
        raise egress.HTTPError(409, "taken", {"x-reason": "conflict"})

    router = Router("/api", route_handlers=[value], response_headers={"x-layer": "api"})
    handlers = [value, rows, pens, make_pen, money, text, egress_json, egress_unannotated]
    return Litestar(
        [*handlers[1:], egress_events, egress_error, router],
        plugins=list(plugins),
    )


plain_app = build()
egress_app = build(EgressPlugin())
money_app = build(EgressPlugin(encoders=[MoneyEncoder]))
piped_app = build(EgressPlugin(pipeline=egress.Pipeline()))
