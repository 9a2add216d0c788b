"""A FastAPI app switched to egress with one call, `install(app)`, once its routes exist.

FastAPI still validates the request (a bad id is its 422), runs the dependencies, sets
the decorator's status code and keeps the OpenAPI schema; egress encodes what the
routes return: a msgspec Struct and an attrs class FastAPI cannot encode, a dataclass
with datetimes, a type registered with egress for one router (a router whose route class
is an egress_route of its own keeps it), and an HTML page install() leaves to FastAPI.

Run: .venv/bin/python examples/integrations_fastapi.py
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from typing import Annotated

import anyio
import attrs
import httpx
import msgspec
from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.responses import HTMLResponse

import egress
from egress.integrations.fastapi import egress_route, install

BERLIN_SUMMER = datetime.timezone(datetime.timedelta(hours=2))


@dataclasses.dataclass
class Reading:
    sensor: str
    celsius: float
    at: datetime.datetime


class Settings(msgspec.Struct):
    unit: str
    interval: int


@attrs.define
class Sensor:
    name: str
    room: str


class Price:
    def __init__(self, amount: str, currency: str) -> None:
        self.amount = decimal.Decimal(amount)
        self.currency = currency


class PriceEncoder(egress.Encoder[Price]):
    __type__ = Price

    def serialize(self, value: Price) -> str:
        return f"{value.amount} {value.currency}"


def api_key(x_api_key: Annotated[str, Header()]) -> str:
    if x_api_key != "secret":
        raise egress.HTTPError(401, "wrong key")
    return x_api_key


app = FastAPI(title="sensors")


@app.get("/readings/{sensor}")
async def readings(sensor: str, limit: int = 2):  # no return annotation: egress encodes
    start = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=BERLIN_SUMMER)
    return [Reading(sensor, 21.5 + i, start + datetime.timedelta(minutes=i)) for i in range(limit)]


@app.get("/settings")
async def settings(_: Annotated[str, Depends(api_key)]):
    return Settings(unit="celsius", interval=60)


@app.post("/sensors", status_code=201)
async def add_sensor(name: str, room: str):
    return Sensor(name, room)


shop = APIRouter(prefix="/shop", route_class=egress_route(encoders=[PriceEncoder]))


@shop.get("/price")
async def price():
    return {"thermometer": Price("12.50", "EUR")}


app.include_router(shop)


@app.get("/", response_class=HTMLResponse)
async def home():
    return "<h1>sensors</h1>"


skipped = install(app)  # the one call: every route above (and any declared later)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/readings/kitchen")
        print(got.status_code, got.text)
        assert got.json()[1] == {
            "sensor": "kitchen",
            "celsius": 22.5,
            "at": "2024-05-01T12:01:00+02:00",
        }

        got = await client.get("/readings/kitchen?limit=many")
        print(got.status_code, got.json()["detail"][0]["msg"])
        assert got.status_code == 422  # FastAPI's validation, as before

        got = await client.get("/settings", headers={"x-api-key": "secret"})
        print(got.status_code, got.text)
        assert got.json() == {"unit": "celsius", "interval": 60}

        got = await client.get("/settings", headers={"x-api-key": "guess"})
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (401, {"detail": "wrong key"})

        got = await client.post("/sensors?name=t1&room=hall")
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (201, {"name": "t1", "room": "hall"})

        got = await client.get("/shop/price")
        print(got.status_code, got.text)
        assert got.json() == {"thermometer": "12.50 EUR"}

        got = await client.get("/")
        print(got.status_code, got.text)
        assert got.text == "<h1>sensors</h1>"
        print("left to FastAPI:", *skipped)
        assert [route.path for route in skipped] == ["/"]

        schema = (await client.get("/openapi.json")).json()
        print("OpenAPI paths:", ", ".join(schema["paths"]))
        assert "/readings/{sensor}" in schema["paths"]


if __name__ == "__main__":
    anyio.run(main)
