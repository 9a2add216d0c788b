"""A Litestar app whose handlers' return values egress encodes: `plugins=[EgressPlugin()]`.

Litestar still validates the request (a bad body is its 400), applies the return DTO
and keeps the OpenAPI schema; egress encodes what the handlers return, with a type
registered for this app, and a handler may return an egress response or raise HTTPError.

Run: .venv/bin/python examples/integrations_litestar.py
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal

import anyio
import httpx
from litestar import Litestar, get, post
from litestar.dto import DataclassDTO, DTOConfig
from litestar.params import FromPath, JSONBody

import egress
from egress.integrations.litestar import EgressPlugin


class Price:
    def __init__(self, amount: str, currency: str) -> None:
        self.amount = decimal.Decimal(amount)
        self.currency = currency


class PriceEncoder(egress.Encoder[Price]):
    __type__ = Price

    def serialize(self, value: Price) -> str:
        return f"{value.amount} {value.currency}"


@dataclasses.dataclass
class Sensor:
    name: str
    room: str
    installed: datetime.date
    key: str = "never sent"


class PublicSensor(DataclassDTO[Sensor]):
    config = DTOConfig(exclude={"key"})


SENSORS = {"t1": Sensor("t1", "hall", datetime.date(2024, 5, 1))}


@get("/sensors/{name:str}", return_dto=PublicSensor)
async def sensor(name: FromPath[str]) -> Sensor:
    if name not in SENSORS:
        raise egress.HTTPError(404, f"no sensor {name}")
    return SENSORS[name]


@post("/sensors", return_dto=PublicSensor)
async def add_sensor(data: JSONBody[Sensor]) -> Sensor:
    SENSORS[data.name] = data
    return data


@get("/price")
async def price() -> dict[str, Price]:
    return {"thermometer": Price("12.50", "EUR")}


@get("/legacy")
async def legacy() -> egress.RedirectResponse:
    return egress.RedirectResponse("/price")


app = Litestar([sensor, add_sensor, price, legacy], plugins=[EgressPlugin(encoders=[PriceEncoder])])


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/sensors/t1")
        print(got.status_code, got.text)
        assert got.json() == {"name": "t1", "room": "hall", "installed": "2024-05-01"}

        got = await client.get("/sensors/t9")
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (404, {"detail": "no sensor t9"})

        got = await client.post("/sensors", json={"name": "t2", "room": "attic"})
        print(got.status_code, got.json()["detail"])
        assert got.status_code == 400  # Litestar's validation: `installed` is missing

        got = await client.get("/price")
        print(got.status_code, got.text)
        assert got.json() == {"thermometer": "12.50 EUR"}

        got = await client.get("/legacy")
        print(got.status_code, got.headers["location"])
        assert (got.status_code, got.headers["location"]) == (307, "/price")

        schema = (await client.get("/schema/openapi.json")).json()
        print("OpenAPI paths:", ", ".join(schema["paths"]))
        assert "/sensors/{name}" in schema["paths"]


if __name__ == "__main__":
    anyio.run(main)
