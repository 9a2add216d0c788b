"""A Starlette app whose endpoints now answer with egress (docs/migration.md, "From
Starlette").

Before, with Starlette's function endpoints:

    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    PENS = {1: {"name": "fountain", "price": "12.50"}}

    async def show(request):
        pen_id = request.path_params["pen_id"]
        if pen_id not in PENS:
            raise HTTPException(404, detail=f"no pen {pen_id}")
        return JSONResponse(PENS[pen_id])

    async def create(request):
        pen = await request.json()
        return JSONResponse(pen, status_code=201, headers={"location": f"/pens/{pen['name']}"})

    async def greet(request):
        return PlainTextResponse(f"Hello, {request.query_params.get('name', 'world')}!")

    app = Starlette(routes=[
        Route("/pens/{pen_id:int}", show),
        Route("/pens", create, methods=["POST"]),
        Route("/greet", greet),
    ])

After: the same Starlette app and routes; each endpoint takes its parameters by name
and returns plain values (a dataclass with a Decimal, a tuple with a status and
headers, a str); `HTTPException` becomes `HTTPError`, and the POST-only route says so
on the endpoint (`methods=`) instead of on the `Route`.

Run: .venv/bin/python examples/migrate_starlette.py
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from egress import HTTPError, Request, endpoint


@dataclasses.dataclass
class Pen:
    name: str
    price: Decimal


PENS = {1: Pen("fountain", Decimal("12.50"))}


@endpoint
async def show(pen_id: int) -> Pen:
    if pen_id not in PENS:
        raise HTTPError(404, detail=f"no pen {pen_id}")
    return PENS[pen_id]


@endpoint(methods=("POST",), max_body_size=1_000)
async def create(request: Request) -> tuple[Any, int, dict[str, str]]:
    pen = await request.json()
    return pen, 201, {"location": f"/pens/{pen['name']}"}


@endpoint
async def greet(name: str = "world") -> str:
    return f"Hello, {name}!"


app = Starlette(
    routes=[
        Route("/pens/{pen_id:int}", show),
        Route("/pens", create),  # the endpoint's methods= decide
        Route("/greet", greet),
    ]
)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/pens/1")
        print(got.status_code, got.text)
        assert got.json() == {"name": "fountain", "price": "12.50"}

        got = await client.get("/pens/9")
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (404, {"detail": "no pen 9"})

        got = await client.post("/pens", json={"name": "quill"})
        print(got.status_code, got.headers["location"], got.text)
        assert (got.status_code, got.headers["location"]) == (201, "/pens/quill")

        got = await client.get("/pens")
        print(got.status_code, got.headers["allow"], got.text)
        assert (got.status_code, got.headers["allow"]) == (405, "POST")

        got = await client.post("/pens", json={"name": "x" * 2_000})
        print(got.status_code, got.json()["detail"][:48], "...")
        assert got.status_code == 413  # Starlette reads any size unless told otherwise

        got = await client.get("/greet", params={"name": "Ada"})
        print(got.status_code, got.headers["content-type"], got.text)
        assert got.text == "Hello, Ada!"

        got = await client.head("/greet")
        print("HEAD", got.status_code, got.headers["content-length"], repr(got.text))
        assert (got.status_code, got.headers["content-length"], got.text) == (200, "13", "")

        got = await client.delete("/greet")
        print("DELETE", got.status_code, got.headers["allow"], got.text)
        assert (got.status_code, got.headers["allow"]) == (405, "GET, HEAD")


if __name__ == "__main__":
    anyio.run(main)
