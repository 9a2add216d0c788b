"""A FastAPI app switched to egress (docs/migration.md, "From FastAPI").

Before, with FastAPI alone:

    from fastapi import FastAPI, HTTPException

    app = FastAPI()

    @app.get("/pens/{pen_id}")
    async def show(pen_id: int):
        if pen_id not in PENS:
            raise HTTPException(404, detail={"pen": pen_id, "reason": "sold out"})
        return PENS[pen_id]  # a dataclass with a Decimal: {"price": 12.5}

    @app.get("/stock")
    async def stock():
        return Stock(pens=3, restocked=date(2024, 5, 1))  # a msgspec Struct: a 500

    app.mount("/hello", hello)  # an ASGI app: /hello?name=x gets a 307 to /hello/

After: one line (`app.router.route_class = EgressRoute`) and FastAPI keeps its
validation (the 422), dependencies and OpenAPI schema while egress encodes what the
routes return; `HTTPException` may stay, or become egress's `HTTPError` with the same
arguments; an `@endpoint` is added with `add_route`, not `mount`.

Run: .venv/bin/python examples/migrate_fastapi.py
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import anyio
import httpx
import msgspec
from fastapi import FastAPI

from egress import HTTPError, endpoint
from egress.integrations.fastapi import EgressRoute


@dataclasses.dataclass
class Pen:
    name: str
    price: Decimal


class Stock(msgspec.Struct):
    pens: int
    restocked: date


PENS = {1: Pen("fountain", Decimal("12.50"))}

app = FastAPI(title="pens")
app.router.route_class = EgressRoute  # the one line: before the routes are declared


@app.get("/pens/{pen_id}")
async def show(pen_id: int):  # no return annotation: egress encodes the value
    if pen_id not in PENS:
        raise HTTPError(404, detail={"pen": pen_id, "reason": "sold out"})
    return PENS[pen_id]


@app.get("/stock")
async def stock():
    return Stock(pens=3, restocked=date(2024, 5, 1))


@endpoint
async def hello(name: str = "world") -> str:
    return f"Hello, {name}!"


app.add_route("/hello", hello)  # not app.mount("/hello", hello)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/pens/1")
        print(got.status_code, got.text)
        assert got.json() == {"name": "fountain", "price": "12.50"}  # FastAPI: 12.5

        got = await client.get("/pens/one")
        print(got.status_code, got.json()["detail"][0]["type"])
        assert got.status_code == 422  # FastAPI's validation, as before

        got = await client.get("/pens/9")
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (
            404,
            {"detail": {"pen": 9, "reason": "sold out"}},
        )

        got = await client.get("/stock")
        print(got.status_code, got.text)
        assert got.json() == {"pens": 3, "restocked": "2024-05-01"}

        got = await client.get("/hello", params={"name": "Ada"})
        print(got.status_code, got.headers["content-type"], got.text)
        assert (got.status_code, got.text) == (200, "Hello, Ada!")
        got = await client.get("/hello/below")
        print(got.status_code, "for /hello/below: a route serves its own path only")
        assert got.status_code == 404

        paths = (await client.get("/openapi.json")).json()["paths"]
        print("OpenAPI paths:", ", ".join(paths))
        assert list(paths) == ["/pens/{pen_id}", "/stock"]  # an @endpoint is not in it


if __name__ == "__main__":
    anyio.run(main)
