"""install(): every way a FastAPI route can be declared answers egress's bytes, the
routes egress leaves to FastAPI are reported once with why, and egress responses are
sent as they are from every route. In-process over ASGI, and under uvicorn."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

import egress
from egress.integrations.fastapi import EgressRoute, Skipped, install
from tests import apps_fastapi, apps_fastapi_install
from tests._servers import serve_logged
from tests.apps_fastapi_install import VALUE, build, build_with_default_class, get_value
from tests.test_integrations_fastapi import fetch

EGRESS_BODY = egress.dumps(VALUE)

TAKEN = [
    pytest.param("/before", id="declared-before-install"),
    pytest.param("/before/sync", id="sync-endpoint"),
    pytest.param("/after", id="declared-after-install"),
    pytest.param("/early/value", id="router-included-before"),
    pytest.param("/late/value", id="router-included-after"),
    pytest.param("/timed/value", id="router-with-its-own-route-class"),
    pytest.param("/explicit/json", id="response_class=JSONResponse"),
    pytest.param("/explicit/orjson", id="response_class=ORJSONResponse"),
    pytest.param("/explicit/ujson", id="response_class=UJSONResponse"),
    pytest.param("/orjson/value", id="included-with-default_response_class=ORJSONResponse"),
    pytest.param("/typed", id="return-annotation"),
    pytest.param("/declared", id="response_model"),
    pytest.param("/late/typed", id="typed-route-in-router-included-after"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("path", TAKEN)
async def test_every_route_answers_egress_bytes(path: str) -> None:
    app, _ = build()
    answer = await fetch(app, "GET", path)
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/json")
    assert answer.content == EGRESS_BODY


@pytest.mark.anyio
async def test_without_install_fastapi_writes_other_bytes() -> None:
    """What the routes above would answer without install(): the test can fail."""
    plain, _ = build(installed=False)
    for path in ("/before", "/early/value", "/typed"):
        answer = await fetch(plain, "GET", path)
        assert answer.status_code == 200
        assert answer.content != EGRESS_BODY
        assert answer.json()["price"] in (1.1, "1.10")  # a float, or pydantic's text


@pytest.mark.anyio
async def test_typed_and_untyped_routes_write_one_json_form() -> None:
    """A timedelta is written alike with and without a response model: `PT90S`, where
    FastAPI writes 90.0 on one and `PT1M30S` on the other; the model still filters."""
    app, _ = build()
    typed = (await fetch(app, "GET", "/typed")).json()
    assert typed == (await fetch(app, "GET", "/before")).json()
    assert typed["wait"] == "PT90S"
    assert "secret" not in typed
    plain, _ = build(installed=False)
    assert (await fetch(plain, "GET", "/typed")).json()["wait"] == "PT1M30S"
    assert (await fetch(plain, "GET", "/before")).json()["wait"] == 90.0


@pytest.mark.anyio
async def test_typed_route_validates_as_fastapi_does() -> None:
    app, _ = build()
    plain, _ = build(installed=False)
    ours = await fetch(app, "GET", "/invalid")
    theirs = await fetch(plain, "GET", "/invalid")
    assert (
        (ours.status_code, ours.content)
        == (theirs.status_code, theirs.content)
        == (
            500,
            b"Internal Server Error",
        )
    )


@pytest.mark.anyio
async def test_a_custom_route_class_keeps_its_behaviour() -> None:
    app, _ = build()
    answer = await fetch(app, "GET", "/timed/value")
    assert answer.headers["x-timed"] == "yes"


@pytest.mark.anyio
async def test_an_app_whose_default_class_is_orjson() -> None:
    app = build_with_default_class()
    answer = await fetch(app, "GET", "/value")
    assert answer.content == EGRESS_BODY


@pytest.mark.anyio
async def test_other_response_classes_are_kept() -> None:
    app, _ = build()
    html = await fetch(app, "GET", "/html")
    assert (html.headers["content-type"], html.text) == ("text/html; charset=utf-8", "<p>kept</p>")
    lines = await fetch(app, "GET", "/lines")
    assert (lines.headers["content-type"], lines.text) == ("application/jsonl", '{"n":1}\n')


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/egress-response", "/html/egress-response"])
async def test_egress_responses_are_sent_as_they_are(path: str) -> None:
    """From a route declared before install(), and from one whose response class is kept:
    the egress response's status, headers and body, never its attributes as JSON."""
    app, _ = build()
    answer = await fetch(app, "GET", path)
    assert (answer.status_code, answer.headers["x-egress"]) == (201, "1")
    assert answer.content == b'{"made":"by egress"}'


@pytest.mark.anyio
async def test_an_event_stream_is_sent_as_it_is() -> None:
    app, _ = build()
    answer = await fetch(app, "GET", "/egress-events")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.text == 'data: {"n":1}\n\n'


SKIPPED = {
    "/html": "response_class=HTMLResponse is kept",
    "/html/egress-response": "response_class=HTMLResponse is kept",
    "/html/after": "response_class=HTMLResponse is kept",
    "/lines": "a generator endpoint: FastAPI streams it (JSON Lines or SSE)",
    "/opaque/value": "its route class OpaqueRoute takes flavour",
}


@pytest.mark.anyio
async def test_routes_left_to_fastapi_are_reported_once_at_startup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "egress.integrations.fastapi")
    app, skipped = build()
    # install() returned what it knew then; /opaque/value is declared after it.
    assert {s.path for s in skipped} == set(SKIPPED) - {"/opaque/value", "/html/after"}
    assert not caplog.records  # nothing is logged before the app starts
    for _ in range(2):
        await fetch(app, "GET", "/before")
    assert len(caplog.records) == 1  # once, at startup
    message = caplog.records[0].getMessage()
    assert message.startswith("egress encodes every route of this FastAPI app but 5")
    for path, reason in SKIPPED.items():
        assert f"GET {path} (" in message
        assert reason in message
    assert {s.path: s.reason for s in skipped}.keys() == SKIPPED.keys()  # grown at startup
    assert all(s.reason.startswith(SKIPPED[s.path]) for s in skipped)
    assert str(skipped[0]) == "GET /html (get_html): response_class=HTMLResponse is kept"


def test_every_route_is_made_again_as_egress_s() -> None:
    app, _ = build()
    with pytest.raises(RuntimeError, match="already called"):
        install(app)
    # the routes taken at install(); those declared afterwards are taken at startup
    routes = {r.path: r for r in app.routes if isinstance(r, APIRoute)}
    assert isinstance(routes["/before"], EgressRoute)
    assert isinstance(routes["/html"], EgressRoute)  # it sends egress responses
    assert not isinstance(routes["/lines"], EgressRoute)


def test_install_keeps_fastapi_s_openapi() -> None:
    app, _ = build()
    plain, _ = build(installed=False)
    assert app.openapi() == plain.openapi()


def test_install_refuses_what_it_cannot_use() -> None:
    with pytest.raises(TypeError, match="takes a FastAPI app"):
        install(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="given encoders and a pipeline"):
        install(FastAPI(), encoders=[], pipeline=egress.Pipeline())


@pytest.mark.anyio
async def test_install_with_encoders_or_a_pipeline() -> None:
    app = FastAPI()
    app.get("/money")(apps_fastapi.get_money)
    install(app, encoders=[apps_fastapi.MoneyEncoder])
    assert (await fetch(app, "GET", "/money")).content == b'"12.50 EUR"'
    piped = FastAPI()
    piped.get("/text")(lambda: "plain")
    install(piped, pipeline=egress.Pipeline())
    answer = await fetch(piped, "GET", "/text")
    assert (answer.headers["content-type"], answer.text) == ("text/plain; charset=utf-8", "plain")


@pytest.mark.anyio
async def test_a_route_added_once_the_app_serves_is_egress_s() -> None:
    app, _ = build()
    assert (await fetch(app, "GET", "/before")).content == EGRESS_BODY  # started
    app.get("/runtime")(get_value)
    assert (await fetch(app, "GET", "/runtime")).content == EGRESS_BODY


@pytest.mark.anyio
async def test_install_on_a_running_app_reports_at_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "egress.integrations.fastapi")
    app = FastAPI()
    app.get("/value")(get_value)
    assert (await fetch(app, "GET", "/value")).content != EGRESS_BODY  # started
    app.get("/lines")(apps_fastapi_install.get_lines)
    skipped = install(app)
    assert [s.path for s in skipped] == ["/lines"]
    assert len(caplog.records) == 1
    assert (await fetch(app, "GET", "/value")).content == EGRESS_BODY


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/object", "/partial"])
async def test_string_return_annotations_of_callable_objects_and_partials(path: str) -> None:
    plain = await fetch(apps_fastapi_install.string_annotated(APIRoute), "GET", path)
    ours = await fetch(apps_fastapi_install.string_annotated(EgressRoute), "GET", path)
    assert plain.status_code == ours.status_code == 200
    assert ours.json().keys() == plain.json().keys() == VALUE.keys()  # filtered alike
    assert ours.content == EGRESS_BODY


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    log = tmp_path_factory.mktemp("install") / "egress.log"
    with (
        serve_logged("tests.apps_fastapi_install:app", "uvicorn", log) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        yield client, log


@pytest.mark.parametrize("path", ["/before", "/after", "/late/value", "/explicit/orjson"])
def test_served_by_uvicorn(served: tuple[httpx.Client, Path], path: str) -> None:
    client, _ = served
    answer = client.get(path)
    assert (answer.status_code, answer.content) == (200, EGRESS_BODY)


def test_served_egress_response_and_startup_report(served: tuple[httpx.Client, Path]) -> None:
    client, log = served
    answer = client.get("/egress-response")
    assert (answer.status_code, answer.content) == (201, b'{"made":"by egress"}')
    # uvicorn starts the app (its lifespan) before it listens: the report is written
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("egress encodes every route of this FastAPI app but 5")


def test_skipped_reads_as_a_sentence() -> None:
    assert str(Skipped(("GET", "HEAD"), "/a", "a", "why")) == "GET,HEAD /a (a): why"


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(alias="fullName")
    note: str | None = None
    tags: list[str] = []


def filtering_app(installed: bool) -> FastAPI:
    app = FastAPI()

    async def item() -> dict[str, object]:
        return {"name": "ada", "note": None, "tags": ["x"], "secret": "s"}

    app.get("/by-alias", response_model=Aliased)(item)
    app.get("/no-alias", response_model=Aliased, response_model_by_alias=False)(item)
    app.get("/exclude-none", response_model=Aliased, response_model_exclude_none=True)(item)
    app.get("/include", response_model=Aliased, response_model_include={"tags"})(item)
    app.get("/exclude", response_model=Aliased, response_model_exclude={"tags"})(item)
    app.get("/exclude-unset", response_model=Aliased, response_model_exclude_unset=True)(item)
    app.get("/list", response_model=list[Aliased])(lambda: [{"name": "a"}, {"name": "b"}])
    if installed:
        install(app)
    return app


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    ["/by-alias", "/no-alias", "/exclude-none", "/include", "/exclude", "/exclude-unset", "/list"],
)
async def test_response_model_options_filter_as_in_fastapi(path: str) -> None:
    ours = await fetch(filtering_app(installed=True), "GET", path)
    plain = await fetch(filtering_app(installed=False), "GET", path)
    assert (ours.status_code, ours.content) == (plain.status_code, plain.content)
    assert b"secret" not in ours.content


@pytest.mark.anyio
async def test_a_router_included_with_a_response_class_keeps_it() -> None:
    """A router included once with default_response_class=HTMLResponse: its routes keep
    that class; included twice with different classes: FastAPI's, reported."""
    pages = APIRouter()
    pages.get("/page")(apps_fastapi_install.get_html)
    twice = APIRouter()
    twice.get("/value")(get_value)
    app = FastAPI()
    app.include_router(pages, default_response_class=HTMLResponse)
    app.include_router(twice, prefix="/html", default_response_class=HTMLResponse)
    app.include_router(twice, prefix="/json")
    skipped = install(app)
    assert sorted((s.path, s.reason) for s in skipped) == [
        ("/page", "response_class=HTMLResponse is kept"),
        ("/value", "included with different response classes (HTMLResponse)"),
    ]
    page = await fetch(app, "GET", "/page")
    assert (page.headers["content-type"], page.text) == ("text/html; charset=utf-8", "<p>kept</p>")
    assert (await fetch(app, "GET", "/json/value")).json()["wait"] == 90.0  # FastAPI's
