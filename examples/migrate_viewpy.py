"""A view.py app moved to egress (docs/migration.md, "From view.py").

Before, with view.py (its documented examples, 1.0 alphas):

    from view import CallNext, Error, Response, new_app, to_response

    app = new_app()

    class MyObject:
        @staticmethod
        def __view_result__():
            return "Hello from MyObject!", {"x-www-myobject": "foo"}

    class Test:
        def __view_result__(self):
            return "test", 201

    class ListResponse(Response[list]):
        def __init__(self, body: list) -> None:
            super().__init__(body, body_translate="custom")

        def _custom(self, body: list) -> str:
            return " ".join(body)

    @app.get("/")
    async def index():
        return MyObject()

    @app.get("/test")
    async def test():
        return Response(Test(), status=200)  # 200 is returned, not 201

    @app.get("/cookie")
    async def cookie():
        res = Response("Hello")
        res.cookie("hello", "world", http_only=True)
        return res

    @app.get("/list")
    async def listing():
        return ListResponse(["a", "b", "c"])

    @app.get("/number")
    @app.query("number", int)
    async def number(number: int):
        if number == 1:
            raise Error(400)
        return f"your number is {number}"

    @app.get("/count", cache_rate=10)
    async def count():
        ...

    @index.middleware
    async def took_time_middleware(call_next: CallNext):
        a = perf_counter()
        res = to_response(await call_next())
        res.headers["X-Time-Elapsed"] = str(perf_counter() - a)
        return res

    app.run()

After, with egress: the same handlers as `@endpoint`s in an ASGI router (Starlette's
here), `status=` spelled `status_code=`, `cookie()` spelled `set_cookie()` (with
`httponly`), `_custom` spelled `render`, `Error` spelled `HTTPError`, `CallNext` from
`egress.types`, and query parameters read from the signature by name.

Run: .venv/bin/python examples/migrate_viewpy.py
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

import anyio
import httpx
from starlette.routing import Route, Router

from egress import HTTPError, Response, endpoint, to_response
from egress.types import CallNext


class MyObject:  # view.py's own example, unchanged
    @staticmethod
    def __view_result__() -> tuple[str, dict[str, str]]:
        return "Hello from MyObject!", {"x-www-myobject": "foo"}


class Test:  # unchanged
    def __view_result__(self) -> tuple[str, int]:
        return "test", 201


class ListResponse(Response[list[str]]):
    media_type = "text/plain"

    def __init__(self, body: list[str]) -> None:
        super().__init__(body, body_translate="custom")

    def render(self, body: list[str]) -> str:  # view.py: _custom
        return " ".join(body)


@endpoint
async def index() -> MyObject:
    return MyObject()


@endpoint
async def test() -> Response[Any]:
    return Response(Test(), status_code=200)  # view.py: status=200


@endpoint
async def cookie() -> Response[str]:
    res = Response("Hello", media_type="text/plain")
    res.set_cookie("hello", "world", httponly=True)  # view.py: res.cookie(..., http_only=True)
    return res


@endpoint
async def listing() -> ListResponse:
    return ListResponse(["a", "b", "c"])


@endpoint
async def number(number: int) -> str:  # view.py: @app.query("number", int)
    if number == 1:
        raise HTTPError(400)  # view.py: raise Error(400)
    return f"your number is {number}"


runs = 0


@endpoint(cache_rate=10)
async def count() -> dict[str, int]:
    global runs
    runs += 1
    return {"runs": runs}


@index.middleware
async def took_time_middleware(call_next: CallNext) -> Response[Any]:
    a = perf_counter()
    res = to_response(await call_next())
    res.headers["X-Time-Elapsed"] = str(perf_counter() - a)
    return res


app = Router(
    [
        Route("/", index),
        Route("/test", test),
        Route("/cookie", cookie),
        Route("/list", listing),
        Route("/number", number),
        Route("/count", count),
    ]
)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/")
        print(got.status_code, got.headers["x-www-myobject"], got.text)
        assert (got.status_code, got.text) == (200, "Hello from MyObject!")
        assert got.headers["content-type"] == "text/plain; charset=utf-8"
        assert float(got.headers["x-time-elapsed"]) >= 0  # the middleware ran

        got = await client.get("/test")
        print(got.status_code, got.text)
        assert (got.status_code, got.text) == (200, "test")  # 200 is returned, not 201

        got = await client.get("/cookie")
        print(got.status_code, got.headers["set-cookie"])
        assert got.headers["set-cookie"] == "hello=world; Path=/; HttpOnly; SameSite=Lax"

        got = await client.get("/list")
        print(got.status_code, got.text)
        assert (got.status_code, got.text) == (200, "a b c")

        got = await client.get("/number", params={"number": 7})
        print(got.status_code, got.text)
        assert got.text == "your number is 7"
        got = await client.get("/number", params={"number": 1})
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (400, {"detail": "Bad Request"})
        got = await client.get("/number", params={"number": "1_000"})
        print(got.status_code, got.json()["expected"])
        assert got.status_code == 400  # numbers are read strictly

        bodies = [(await client.get("/count")).json()["runs"] for _ in range(20)]
        print("cache_rate=10, 20 requests: the handler ran", runs, "times")
        assert bodies == [1] * 10 + [2] * 10


if __name__ == "__main__":
    anyio.run(main)
