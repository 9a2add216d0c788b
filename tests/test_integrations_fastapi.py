"""EgressRoute: a FastAPI app switched to egress answers like FastAPI wherever FastAPI
can answer, and correctly where it cannot. Every route of tests/apps_fastapi.py is asked
of both builds, over ASGI and under uvicorn."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import egress
from egress.integrations.fastapi import EgressRoute, egress_route
from tests import apps_fastapi
from tests._servers import serve
from tests.apps_fastapi import (
    PENS,
    ROWS,
    egress_app,
    events,
    get_created,
    get_html,
    get_jsonl,
    plain_app,
)

ROOT = Path(__file__).resolve().parent.parent


async def fetch(app: Any, method: str, path: str, **request: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **request)


def answer(response: httpx.Response, *, skip: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """Everything a client sees of a response but the headers named in `skip`."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in skip]
    return response.status_code, headers, response.content


# (method, path, request arguments, the status plain FastAPI answers with)
SAME_AS_FASTAPI = [
    pytest.param("GET", "/dict", {}, 200, id="dict"),
    pytest.param("GET", "/list", {}, 200, id="list"),
    pytest.param("GET", "/str", {}, 200, id="str-sync-endpoint"),
    pytest.param("GET", "/int", {}, 200, id="int"),
    pytest.param("GET", "/none", {}, 200, id="none-is-null"),
    pytest.param("GET", "/model", {}, 200, id="pydantic-model"),
    pytest.param("GET", "/model/declared", {}, 200, id="response_model-filters"),
    pytest.param("GET", "/model/annotated", {}, 200, id="return-annotation-filters"),
    pytest.param("GET", "/model/invalid", {}, 500, id="response_model-validates"),
    pytest.param("GET", "/pens", {}, 200, id="dataclass-list"),
    pytest.param("GET", "/items/7?q=ink", {}, 200, id="path-and-query"),
    pytest.param("GET", "/items/seven", {}, 422, id="422-path"),
    pytest.param("POST", "/items", {"json": {"name": "quill", "price": 3}}, 201, id="body"),
    pytest.param("POST", "/items", {"json": {"name": "quill"}}, 422, id="422-body"),
    pytest.param(
        "POST",
        "/items",
        {"content": b"{", "headers": {"content-type": "application/json"}},
        422,
        id="422-bad-json",
    ),
    pytest.param("GET", "/depends", {"headers": {"x-token": "t"}}, 200, id="dependencies"),
    pytest.param("GET", "/depends", {}, 422, id="422-header"),
    pytest.param("GET", "/injected", {}, 202, id="injected-response"),
    pytest.param("POST", "/created", {}, 201, id="decorator-status"),
    pytest.param("DELETE", "/gone", {}, 204, id="204-no-body"),
    pytest.param("GET", "/http-exception", {}, 404, id="http-exception"),
    pytest.param("GET", "/starlette-response", {}, 200, id="returned-starlette-response"),
    pytest.param("GET", "/jsonl", {}, 200, id="jsonl-stream"),
    pytest.param("GET", "/jsonl/sync", {}, 200, id="jsonl-stream-sync"),
    pytest.param("GET", "/html", {}, 200, id="explicit-response-class"),
    pytest.param("GET", "/api/pens", {}, 200, id="included-router"),
    pytest.param("GET", "/openapi.json", {}, 200, id="openapi"),
    pytest.param("GET", "/docs", {}, 200, id="docs-page"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path", "request_args", "status"), SAME_AS_FASTAPI)
async def test_same_response_as_fastapi(
    method: str, path: str, request_args: dict[str, Any], status: int
) -> None:
    plain = await fetch(plain_app, method, path, **request_args)
    ours = await fetch(egress_app, method, path, **request_args)
    assert plain.status_code == status
    assert answer(ours) == answer(plain)


@pytest.mark.anyio
async def test_the_compared_routes_answer_what_they_say() -> None:
    """The comparison above is only worth something if the answers are the real ones."""
    assert (await fetch(egress_app, "GET", "/str")).json() == "héllo"
    assert (await fetch(egress_app, "GET", "/none")).content == b"null"
    assert (await fetch(egress_app, "GET", "/model/declared")).json() == {
        "name": "fountain",
        "price": 12.5,
    }
    injected = await fetch(egress_app, "GET", "/injected")
    assert injected.headers["x-injected"] == "yes"
    assert injected.cookies["session"] == "abc"
    gone = await fetch(egress_app, "DELETE", "/gone")
    assert (gone.content, "content-length" in gone.headers) == (b"", False)
    created = await fetch(egress_app, "POST", "/created")
    assert created.content == egress.dumps(PENS[0])
    assert (await fetch(egress_app, "GET", "/jsonl")).text == '{"n":0}\n{"n":1}\n{"n":2}\n'
    assert (await fetch(egress_app, "GET", "/html")).text == "<p>hi</p>"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/settings", b'{"theme":"dark","volume":7}', id="msgspec-struct"),
        pytest.param("/device", b'{"model":"x1","year":2020}', id="attrs-class"),
        pytest.param("/money", b'"12.50 EUR"', id="registered-encoder"),
        pytest.param("/pens", egress.dumps(PENS), id="dataclass-list"),
        pytest.param("/bytes", b'"AP9oaQ=="', id="bytes-as-base64"),
        pytest.param("/rows", egress.dumps(ROWS), id="datetimes"),
    ],
)
async def test_egress_encodes_the_value(path: str, expected: bytes) -> None:
    got = await fetch(egress_app, "GET", path)
    assert (got.status_code, got.headers["content-type"]) == (200, "application/json")
    assert got.content == expected


@pytest.mark.anyio
async def test_datetimes_keep_their_offsets_and_microseconds() -> None:
    row = (await fetch(egress_app, "GET", "/rows")).json()[1]
    assert row["updated"] == "2024-05-02T08:00:01.654321+02:00"
    assert row["seen"] == "2024-05-03T09:15:01.000500"  # naive stays naive
    assert row["day"] == "2024-05-02"
    assert row["created"].startswith("2024-05-01T12:30:01.123456")


@pytest.mark.anyio
async def test_fastapi_alone_cannot_encode_a_struct() -> None:
    """Why the Struct route is worth testing: FastAPI's jsonable_encoder fails on it."""
    assert (await fetch(plain_app, "GET", "/settings")).status_code == 500


@pytest.mark.anyio
async def test_dependencies_run_and_close() -> None:
    events()
    got = await fetch(egress_app, "GET", "/depends", headers={"x-token": "t"})
    assert got.json() == {"token": "t", "session": "session"}
    assert got.headers["x-dependency"] == "seen"  # a dependency's injected Response
    assert events() == ["open", "close"]


@pytest.mark.anyio
async def test_included_router_dependencies_run() -> None:
    events()
    assert (await fetch(egress_app, "GET", "/api/pens")).content == egress.dumps(PENS)
    assert events() == ["api"]


@pytest.mark.anyio
async def test_http_error_is_answered_and_seen_by_dependencies() -> None:
    events()
    got = await fetch(egress_app, "GET", "/http-error")
    assert (got.status_code, got.json(), got.headers["x-reason"]) == (
        409,
        {"detail": "taken"},
        "conflict",
    )
    assert events() == ["open", "failed with HTTPException", "close"]


@pytest.mark.anyio
async def test_http_error_from_a_dependency() -> None:
    got = await fetch(egress_app, "GET", "/http-error/dependency")
    assert (got.status_code, got.json()) == (403, {"detail": "Forbidden"})


@pytest.mark.anyio
async def test_returned_http_error_is_its_response() -> None:
    got = await fetch(egress_app, "GET", "/http-error/returned")
    assert (got.status_code, got.json()) == (410, {"detail": "melted"})


@pytest.mark.anyio
async def test_background_tasks_run() -> None:
    events()
    assert (await fetch(egress_app, "POST", "/background")).json() == {"queued": True}
    assert events() == ["background"]


@pytest.mark.anyio
async def test_returned_egress_response_is_sent_with_fastapi_background_tasks() -> None:
    events()
    got = await fetch(egress_app, "GET", "/egress-response")
    assert (got.status_code, got.text, got.headers["x-kind"]) == (200, "from egress", "egress")
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert events() == ["after egress response"]


@pytest.mark.anyio
async def test_fastapi_serializer_never_sees_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam: a value an EgressRoute answers with never reaches jsonable_encoder (the
    plain app shows the patched function is the one FastAPI calls)."""
    seen: list[Any] = []
    encode = fastapi.routing.jsonable_encoder

    def spy(value: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(value)
        return encode(value, *args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "jsonable_encoder", spy)
    await fetch(plain_app, "GET", "/pens")
    assert seen == [PENS]
    seen.clear()
    assert (await fetch(egress_app, "GET", "/pens")).status_code == 200
    assert seen == []


def test_fastapi_calls_the_wrapper_with_its_response() -> None:
    """The seam: FastAPI builds the route from egress's wrapper of the endpoint and
    injects its per-request Response into the parameter the wrapper adds (or into the
    endpoint's own); streams keep the endpoint itself, and a route with a response class of
    its own gets a wrapper too (which only sends the egress responses it returns)."""
    routes = {route.path: route for route in egress_app.routes if isinstance(route, APIRoute)}
    created = routes["/created"]
    assert created.dependant.call is created.endpoint
    assert inspect.unwrap(created.endpoint) is get_created
    assert created.dependant.response_param_name == "egress_response"
    assert routes["/injected"].dependant.response_param_name == "response"
    assert routes["/jsonl"].endpoint is get_jsonl
    assert inspect.unwrap(routes["/html"].endpoint) is get_html
    assert routes["/html"].dependant.response_param_name == "egress_response"
    assert "parameters" not in egress_app.openapi()["paths"]["/created"]["post"]


@pytest.mark.anyio
async def test_a_route_made_again_from_an_egress_endpoint_wraps_the_original() -> None:
    """Older FastAPI versions copy included routes from `route.endpoint`."""
    first = EgressRoute("/created", get_created, methods=["POST"], status_code=201)
    again = EgressRoute("/created", first.endpoint, methods=["POST"], status_code=201)
    assert again.endpoint.__wrapped__ is get_created
    app = FastAPI()
    app.router.routes.append(again)
    got = await fetch(app, "POST", "/created")
    assert (got.status_code, got.content) == (201, egress.dumps(PENS[0]))


@pytest.mark.anyio
async def test_egress_route_with_a_pipeline_follows_its_rules() -> None:
    router = APIRouter(route_class=egress_route(pipeline=egress.Pipeline()))

    @router.get("/text")
    async def text():
        return "hi"

    @router.get("/nothing")
    async def nothing():
        return None

    @router.get("/spec")
    async def spec():
        return ("made", 201, {"x-made": "yes"})

    @router.get("/decorated", status_code=202)
    async def decorated():
        return {"a": 1}

    app = FastAPI()
    app.include_router(router)
    text_answer = await fetch(app, "GET", "/text")
    assert (text_answer.headers["content-type"], text_answer.text) == (
        "text/plain; charset=utf-8",
        "hi",
    )
    assert (await fetch(app, "GET", "/nothing")).status_code == 204
    made = await fetch(app, "GET", "/spec")
    assert (made.status_code, made.text, made.headers["x-made"]) == (201, "made", "yes")
    assert (await fetch(app, "GET", "/decorated")).status_code == 202


def test_egress_route_refuses_what_it_cannot_use() -> None:
    with pytest.raises(TypeError, match="given encoders and a pipeline"):
        egress_route(encoders=[apps_fastapi.MoneyEncoder], pipeline=egress.Pipeline())
    with pytest.raises(TypeError, match="takes an egress Pipeline, got <object"):
        egress_route(pipeline=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="encoders="):
        egress_route(encoders=[object()])
    with pytest.raises(TypeError, match="encoders="):

        class WrongRoute(EgressRoute):
            encoders = ("not an encoder",)


@pytest.mark.anyio
async def test_a_subclass_may_set_the_encoders() -> None:
    class MoneyRoute(EgressRoute):
        encoders = (apps_fastapi.MoneyEncoder,)

    app = FastAPI()
    app.router.route_class = MoneyRoute
    app.get("/money")(apps_fastapi.get_money)
    assert (await fetch(app, "GET", "/money")).content == b'"12.50 EUR"'


# -- imports ------------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_importing_egress_imports_no_framework() -> None:
    result = run_python(
        "import sys, egress\n"
        "assert 'fastapi' not in sys.modules, 'egress imported fastapi'\n"
        "assert 'litestar' not in sys.modules, 'egress imported litestar'\n"
        "assert 'egress.integrations' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


def test_no_egress_module_imports_the_integrations() -> None:
    result = run_python(
        "import importlib, pathlib, sys, egress\n"
        "root = pathlib.Path(egress.__file__).parent\n"
        "for path in sorted(root.rglob('*.py')):\n"
        "    parts = path.relative_to(root.parent).with_suffix('').parts\n"
        "    if 'integrations' in parts:\n"
        "        continue\n"
        "    importlib.import_module('.'.join(p for p in parts if p != '__init__'))\n"
        "assert 'egress.integrations' not in sys.modules\n"
        "assert 'fastapi' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


def test_without_fastapi_the_error_names_the_extra() -> None:
    result = run_python(
        "import sys\nsys.modules['fastapi'] = None\nimport egress.integrations.fastapi\n"
    )
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr
    assert "pip install 'egress[fastapi]'" in result.stderr


def test_older_fastapi_is_refused() -> None:
    result = run_python(
        "import fastapi\nfastapi.__version__ = '0.123.4'\nimport egress.integrations.fastapi\n"
    )
    assert result.returncode != 0
    assert "needs FastAPI 0.123.5 or later, found 0.123.4" in result.stderr


# -- the docs page ------------------------------------------------------------------------


def run_docs_blocks() -> list[dict[str, Any]]:
    """Each python block of docs/integrations.md run on its own: their namespaces."""
    text = (ROOT / "docs" / "integrations.md").read_text()
    namespaces = []
    for at, block in enumerate(re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)):
        # a module of its own, as each block is a program: pydantic and Litestar resolve
        # annotations through sys.modules
        module = types.ModuleType(f"docs_integrations_{at}")
        sys.modules[module.__name__] = module
        try:
            exec(compile(block, "docs/integrations.md", "exec", dont_inherit=True), vars(module))
        finally:
            del sys.modules[module.__name__]
        namespaces.append(vars(module))
    return namespaces


def test_docs_examples_answer_what_the_page_says() -> None:
    """Each block asks its own app and asserts the answers the page shows (tests/test_docs.py
    compares what they print); here, the subclass form the encoders block only defines."""
    (encoders,) = [n for n in run_docs_blocks() if "ShopRoute" in n]
    by_subclass = FastAPI()
    by_subclass.router.route_class = encoders["ShopRoute"]
    by_subclass.get("/price")(encoders["price"])

    async def ask() -> httpx.Response:
        return await fetch(by_subclass, "GET", "/price")

    assert anyio.run(ask).text == '{"pen":"12.50 EUR"}'


# -- under uvicorn ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with (
        serve("tests.apps_fastapi:plain_app") as plain_url,
        serve("tests.apps_fastapi:egress_app") as egress_url,
        httpx.Client(base_url=plain_url, timeout=10) as plain,
        httpx.Client(base_url=egress_url, timeout=10) as ours,
    ):
        yield plain, ours


SERVED = [
    pytest.param("GET", "/dict", {}, id="dict"),
    pytest.param("GET", "/str", {}, id="str"),
    pytest.param("GET", "/pens", {}, id="dataclass-list"),
    pytest.param("GET", "/model/declared", {}, id="response_model"),
    pytest.param("GET", "/items/seven", {}, id="422"),
    pytest.param("GET", "/injected", {}, id="injected-response"),
    pytest.param("DELETE", "/gone", {}, id="204"),
    pytest.param("GET", "/http-exception", {}, id="http-exception"),
    pytest.param("GET", "/jsonl", {}, id="jsonl-stream"),
    pytest.param("GET", "/openapi.json", {}, id="openapi"),
]


@pytest.mark.parametrize(("method", "path", "request_args"), SERVED)
def test_served_same_response_as_fastapi(
    served: tuple[httpx.Client, httpx.Client],
    method: str,
    path: str,
    request_args: dict[str, Any],
) -> None:
    plain, ours = served
    skip = ("date", "server")
    assert answer(ours.request(method, path, **request_args), skip=skip) == answer(
        plain.request(method, path, **request_args), skip=skip
    )


def test_served_values_and_errors(served: tuple[httpx.Client, httpx.Client]) -> None:
    _, ours = served
    assert ours.get("/rows").content == egress.dumps(ROWS)
    assert ours.get("/settings").content == b'{"theme":"dark","volume":7}'
    error = ours.get("/http-error")
    assert (error.status_code, error.json()) == (409, {"detail": "taken"})


def test_served_background_task_runs(served: tuple[httpx.Client, httpx.Client]) -> None:
    _, ours = served
    assert ours.post("/background").json() == {"queued": True}
    deadline = time.monotonic() + 10
    while "background" not in ours.get("/events").json():
        assert time.monotonic() < deadline, "the background task did not run within 10s"
        time.sleep(0.02)
