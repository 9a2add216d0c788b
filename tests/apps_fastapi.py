"""One FastAPI app built twice, on FastAPI's APIRoute (`plain_app`) and on egress's
EgressRoute (`egress_app`), so tests/test_integrations_fastapi.py can compare the two
route for route, in-process and served by uvicorn.

The annotations here are strings (`from __future__ import annotations`): FastAPI has to
resolve them in this module through EgressRoute's wrapper of each endpoint.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import attrs
import msgspec
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Header, HTTPException, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

import egress
from egress.integrations.fastapi import EgressRoute, egress_route

EVENTS: list[str] = []
"""What dependencies and background tasks did, in order (read through GET /events)."""


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


class PublicItem(BaseModel):
    name: str
    price: float


@dataclasses.dataclass
class Pen:
    name: str
    price: float
    made: datetime.date


class Settings(msgspec.Struct):
    theme: str
    volume: int


@attrs.define
class Device:
    model: str
    year: int


class Money:
    """A type only egress knows, through MoneyEncoder."""

    def __init__(self, amount: str, currency: str) -> None:
        self.amount = decimal.Decimal(amount)
        self.currency = currency


class MoneyEncoder(egress.Encoder[Money]):
    __type__ = Money

    def serialize(self, value: Money) -> str:
        return f"{value.amount} {value.currency}"


UTC = datetime.timezone.utc
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
PENS = [Pen(f"pen {i}", 12.5 + i, datetime.date(2024, 1, 1 + i)) for i in range(3)]
ROWS = [
    {
        "id": i,
        "name": f"row {i}",
        "flag": i % 2 == 0,
        "score": i / 4,
        "created": datetime.datetime(2024, 5, 1, 12, 30, i, 123456, tzinfo=UTC),
        "updated": datetime.datetime(2024, 5, 2, 8, 0, i, 654321, tzinfo=PLUS_TWO),
        "seen": datetime.datetime(2024, 5, 3, 9, 15, i, 500),
        "day": datetime.date(2024, 5, 1 + i),
    }
    for i in range(3)
]
SETTINGS = Settings(theme="dark", volume=7)
DEVICE = Device(model="x1", year=2020)
PRICE = Money("12.50", "EUR")
BLOB = b"\x00\xffhi"


async def get_dict():
    return {"message": "Welcome home", "id": 7, "ratio": 0.5, "none": None, "text": "héllo ✓"}


async def get_list():
    return [1, "two", 3.5, True, None, {"k": ["v"]}]


def get_str():
    return "héllo"


async def get_int():
    return 42


async def get_none():
    return None


async def get_model():
    return Item(name="fountain", price=12.5, tags=["ink"])


async def get_declared_model():
    return {"name": "fountain", "price": 12.5, "secret": "hidden by the response_model"}


async def get_annotated_model() -> PublicItem:
    return Item(name="fountain", price=12.5, tags=["hidden by the annotation"])


async def get_invalid_model():
    return {"name": "no price"}


async def get_bytes():
    return BLOB


async def get_pens():
    return PENS


def get_rows():
    return ROWS


async def get_settings():
    return SETTINGS


async def get_device():
    return DEVICE


async def get_money():
    return PRICE


async def get_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


async def create_item(item: Item):
    return {"name": item.name, "tags": item.tags}


async def set_injected(response: Response):
    response.status_code = 202
    response.headers["x-injected"] = "yes"
    response.set_cookie("session", "abc")
    return {"accepted": True}


async def get_created():
    return PENS[0]


async def delete_gone():
    return None


async def open_session() -> AsyncIterator[str]:
    EVENTS.append("open")
    try:
        yield "session"
    except Exception as error:
        EVENTS.append(f"failed with {type(error).__name__}")
        raise
    finally:
        EVENTS.append("close")


def mark_response(response: Response) -> None:
    response.headers["x-dependency"] = "seen"


async def get_depends(
    x_token: Annotated[str, Header()],
    session: Annotated[str, Depends(open_session)],
    _: Annotated[None, Depends(mark_response)],
):
    return {"token": x_token, "session": session}


async def raise_http_exception():
    raise HTTPException(404, "no pen here", headers={"x-reason": "missing"})


async def raise_http_error(session: Annotated[str, Depends(open_session)]):
    raise egress.HTTPError(409, "taken", {"x-reason": "conflict"})


async def return_http_error():
    return egress.HTTPError(410, "melted")


async def forbid() -> None:
    raise egress.HTTPError(403)


async def get_forbidden(_: Annotated[None, Depends(forbid)]):
    return {"never": "sent"}


async def queue_background(tasks: BackgroundTasks):
    tasks.add_task(EVENTS.append, "background")
    return {"queued": True}


async def get_events():
    return EVENTS


async def get_starlette_response():
    return PlainTextResponse("plain", headers={"x-kind": "starlette"})


async def get_egress_response(tasks: BackgroundTasks):
    tasks.add_task(EVENTS.append, "after egress response")
    return egress.PlainText("from egress", headers={"x-kind": "egress"})


async def get_jsonl() -> AsyncIterator[dict[str, int]]:
    for i in range(3):
        yield {"n": i}


def get_html():
    return "<p>hi</p>"


def get_sync_jsonl() -> Iterator[dict[str, str]]:
    yield from ({"letter": "a"}, {"letter": "b"})


def record_api() -> None:
    EVENTS.append("api")


def build(egress_routes: bool) -> FastAPI:
    """The app: its own routes switched with `app.router.route_class`, and a router with
    a prefix and a dependency, included (FastAPI builds those routes per inclusion)."""
    route_class = EgressRoute if egress_routes else APIRoute
    app = FastAPI(title="pens")
    app.router.route_class = route_class
    app.get("/dict")(get_dict)
    app.get("/list")(get_list)
    app.get("/str")(get_str)
    app.get("/int")(get_int)
    app.get("/none")(get_none)
    app.get("/model", response_model=None)(get_model)
    app.get("/model/declared", response_model=PublicItem)(get_declared_model)
    app.get("/model/annotated")(get_annotated_model)
    app.get("/model/invalid", response_model=PublicItem)(get_invalid_model)
    app.get("/pens")(get_pens)
    app.get("/bytes")(get_bytes)
    app.get("/rows")(get_rows)
    app.get("/settings")(get_settings)
    app.get("/device")(get_device)
    app.get("/items/{item_id}")(get_item)
    app.post("/items", status_code=201)(create_item)
    app.get("/injected")(set_injected)
    app.post("/created", status_code=201)(get_created)
    app.delete("/gone", status_code=204)(delete_gone)
    app.get("/depends")(get_depends)
    app.get("/http-exception")(raise_http_exception)
    app.get("/http-error")(raise_http_error)
    app.get("/http-error/dependency")(get_forbidden)
    app.get("/http-error/returned")(return_http_error)
    app.post("/background")(queue_background)
    app.get("/events")(get_events)
    app.get("/starlette-response")(get_starlette_response)
    app.get("/egress-response")(get_egress_response)
    app.get("/jsonl")(get_jsonl)
    app.get("/html", response_class=HTMLResponse)(get_html)
    app.get("/jsonl/sync")(get_sync_jsonl)

    api = APIRouter(prefix="/api", dependencies=[Depends(record_api)], route_class=route_class)
    api.get("/pens")(get_pens)
    app.include_router(api)

    money = APIRouter(
        route_class=egress_route(encoders=[MoneyEncoder]) if egress_routes else APIRoute
    )
    money.get("/money")(get_money)
    app.include_router(money)
    return app


plain_app = build(egress_routes=False)
egress_app = build(egress_routes=True)


def events() -> list[Any]:
    """EVENTS, emptied: what happened since the last call."""
    happened = list(EVENTS)
    EVENTS.clear()
    return happened
