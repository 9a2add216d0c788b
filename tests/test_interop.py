"""Endpoints inside other frameworks' routers and under a real server; egress Responses
returned from those frameworks' own endpoints."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lilya.apps import Lilya
from lilya.routing import Path
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.routing import Mount, Route, Router

from egress import HTTPError, endpoint
from egress.responses import JSONResponse, PlainText, Response
from tests._servers import serve


@endpoint
async def item(item_id: int, detail: bool = False) -> Any:
    if item_id == 0:
        raise HTTPError(404)
    return {"id": item_id, "detail": detail}


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def check_item_routes(app: Any, prefix: str = "") -> None:
    async with client(app) as c:
        response = await c.get(f"{prefix}/items/7?detail=true")
        assert response.status_code == 200
        assert response.json() == {"id": 7, "detail": True}
        assert (await c.get(f"{prefix}/items/0")).status_code == 404
        bad = await c.get(f"{prefix}/items/seven")
        assert (bad.status_code, bad.json()["parameter"]) == (400, "item_id")
        refused = await c.delete(f"{prefix}/items/7")  # the router passes every method on
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.anyio
async def test_starlette_router_route() -> None:
    await check_item_routes(Router([Route("/items/{item_id}", item)]))


@pytest.mark.anyio
async def test_starlette_app_route() -> None:
    await check_item_routes(Starlette(routes=[Route("/items/{item_id}", item)]))


@pytest.mark.anyio
async def test_lilya_path() -> None:
    await check_item_routes(Lilya(routes=[Path("/items/{item_id}", item)]))


@pytest.mark.anyio
async def test_fastapi_mount() -> None:
    api = FastAPI()
    api.mount("/v1", Router([Route("/items/{item_id}", item)]))
    await check_item_routes(api, "/v1")


@pytest.mark.anyio
async def test_fastapi_mount_of_a_bare_endpoint() -> None:
    api = FastAPI()
    api.router.routes.append(Mount("/hello", app=item))
    async with client(api) as c:
        assert (await c.get("/hello/?item_id=3")).json() == {"id": 3, "detail": False}


@pytest.mark.anyio
async def test_egress_responses_from_a_plain_starlette_endpoint() -> None:
    async def json_view(request: StarletteRequest) -> Response[Any]:
        return JSONResponse({"n": 1}, status_code=201, headers={"x-a": "1"})

    async def text_view(request: StarletteRequest) -> Response[Any]:
        response = PlainText("hi")
        response.set_cookie("session", "abc", httponly=True)
        return response

    app = Starlette(routes=[Route("/json", json_view), Route("/text", text_view)])
    async with client(app) as c:
        response = await c.get("/json")
        assert (response.status_code, response.json(), response.headers["x-a"]) == (
            201,
            {"n": 1},
            "1",
        )
        text = await c.get("/text")
        assert text.text == "hi"
        assert text.cookies["session"] == "abc"


def test_served_directly_by_uvicorn() -> None:
    with serve("tests.apps_pipeline:app", server="uvicorn") as base_url:
        response = httpx.get(f"{base_url}/?name=ada", timeout=10)
        assert (response.status_code, response.text) == (201, "hello ada")
        assert response.headers["x-served-by"] == "egress"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert httpx.get(f"{base_url}/?fail=1", timeout=10).json() == {"detail": "I'm a Teapot"}
        head = httpx.head(f"{base_url}/?name=ada", timeout=10)
        assert (head.status_code, head.content) == (201, b"")
        assert head.headers["content-length"] == str(len("hello ada"))
        refused = httpx.delete(f"{base_url}/", timeout=10)
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
