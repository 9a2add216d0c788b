"""EgressPlugin: a Litestar app whose handlers' return values egress encodes, while
Litestar keeps validation, DTOs, layers' headers and OpenAPI; egress responses are sent
as they are. In-process over ASGI, and under uvicorn."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar, Response, get
from litestar.plugins import InitPlugin

import egress
from egress.integrations.litestar import EgressPlugin
from tests._servers import serve
from tests.apps_fastapi import ROWS, Money, MoneyEncoder
from tests.apps_litestar import VALUE, build, egress_app, money_app, piped_app, plain_app
from tests.test_integrations_fastapi import fetch


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("/api/value", VALUE, id="decimal-timedelta-datetime"),
        pytest.param("/rows", ROWS, id="rows-with-timestamps"),
    ],
)
async def test_return_values_are_encoded_by_egress(path: str, value: object) -> None:
    ours = await fetch(egress_app, "GET", path)
    assert (ours.status_code, ours.headers["content-type"]) == (200, "application/json")
    assert ours.content == egress.dumps(value)


@pytest.mark.anyio
async def test_layers_headers_and_status_codes_are_litestar_s() -> None:
    ours = await fetch(egress_app, "GET", "/api/value")
    assert ours.headers["x-layer"] == "api"
    pen = {"name": "quill", "made": "2024-05-02"}
    created = await fetch(egress_app, "POST", "/pens", json=pen)
    assert created.status_code == (await fetch(plain_app, "POST", "/pens", json=pen)).status_code
    assert created.status_code == 201
    assert created.json().items() >= pen.items()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/pens", None, id="return-dto-filters"),
        pytest.param("POST", "/pens", {"name": "quill"}, id="400-validation"),
        pytest.param("GET", "/nowhere", None, id="404"),
    ],
)
async def test_what_litestar_keeps_answers_as_without_the_plugin(
    method: str, path: str, body: object
) -> None:
    ours = await fetch(egress_app, method, path, json=body)
    plain = await fetch(plain_app, method, path, json=body)
    assert (ours.status_code, ours.json()) == (plain.status_code, plain.json())
    if (method, path) == ("GET", "/pens"):
        assert ours.json() == [{"name": "fountain", "made": "2024-05-01"}]


@pytest.mark.anyio
async def test_openapi_is_litestar_s() -> None:
    """The same schema with and without the plugin (the DTO's generated schema name
    aside: Litestar names it apart when one process builds a DTO's app twice)."""
    ours = (await fetch(egress_app, "GET", "/schema/openapi.json")).json()
    plain = (await fetch(plain_app, "GET", "/schema/openapi.json")).json()
    assert ours["paths"].keys() == plain["paths"].keys()
    for path in ours["paths"].keys() - {"/pens"}:
        assert ours["paths"][path] == plain["paths"][path]
    assert ours["paths"]["/pens"]["post"] == plain["paths"]["/pens"]["post"]


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/egress/json", "/egress/unannotated"])
async def test_egress_responses_are_sent_as_they_are(path: str) -> None:
    answer = await fetch(egress_app, "GET", path)
    assert (answer.status_code, answer.headers["x-e"]) == (201, "1")
    assert answer.content == b'{"made":"by egress"}'


@pytest.mark.anyio
async def test_an_event_stream_is_sent_as_it_is() -> None:
    answer = await fetch(egress_app, "GET", "/egress/events")
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.text == 'data: {"n":1}\n\n'


@pytest.mark.anyio
async def test_http_error_answers_as_in_an_endpoint() -> None:
    answer = await fetch(egress_app, "GET", "/egress/error")
    assert (answer.status_code, answer.headers["x-reason"]) == (409, "conflict")
    assert answer.json() == {"detail": "taken"}


@pytest.mark.anyio
async def test_encoders_and_pipeline() -> None:
    assert (await fetch(plain_app, "GET", "/money")).status_code == 500
    assert (await fetch(money_app, "GET", "/money")).content == b'"12.50 EUR"'
    text = await fetch(piped_app, "GET", "/text")
    assert (text.headers["content-type"], text.text) == ("text/plain; charset=utf-8", "plain")
    assert (await fetch(piped_app, "GET", "/rows")).content == egress.dumps(ROWS)
    with pytest.raises(TypeError, match="given encoders and a pipeline"):
        EgressPlugin(encoders=[], pipeline=egress.Pipeline())


class Stamped(Response[object]):
    """An app's own response class: the plugin builds on it."""

    def __init__(self, content: object, **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self.headers["x-stamped"] = "yes"


@pytest.mark.anyio
async def test_an_app_response_class_is_kept_under_egress_json() -> None:
    @get("/value", sync_to_thread=False)
    def value() -> dict[str, object]:
        return VALUE

    app = Litestar([value], response_class=Stamped, plugins=[EgressPlugin()])
    answer = await fetch(app, "GET", "/value")
    assert answer.headers["x-stamped"] == "yes"
    assert answer.content == egress.dumps(VALUE)


@pytest.mark.anyio
async def test_handlers_with_a_response_class_of_their_own_are_reported_at_startup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @get("/money", sync_to_thread=False)
    def money() -> Money:
        return Money("12.50", "EUR")

    @get("/stamped", response_class=Stamped, sync_to_thread=False)
    def stamped() -> Money:
        return Money("12.50", "EUR")

    plugin = EgressPlugin(encoders=[MoneyEncoder])
    app = Litestar([money, stamped], plugins=[plugin], logging_config=None)
    caplog.set_level(logging.WARNING, "egress.integrations.litestar")
    async with app.lifespan():
        pass
    assert [record.getMessage() for record in caplog.records] == [
        "egress encodes every handler of this Litestar app but 1, left to Litestar: "
        "GET /stamped (stamped): response_class=Stamped is kept"
    ]
    assert (await fetch(app, "GET", "/money")).content == b'"12.50 EUR"'
    assert (await fetch(app, "GET", "/stamped")).status_code == 500  # Litestar's: no encoder


def test_the_plugin_is_an_init_plugin() -> None:
    assert isinstance(EgressPlugin(), InitPlugin)


def test_without_litestar_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['litestar'] = None\n"
        "try:\n import egress.integrations.litestar\n"
        "except ModuleNotFoundError as e: print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'egress[litestar]'" in out.stdout


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with (
        serve("tests.apps_litestar:plain_app") as plain_url,
        serve("tests.apps_litestar:egress_app") as egress_url,
        httpx.Client(base_url=plain_url, timeout=10) as plain,
        httpx.Client(base_url=egress_url, timeout=10) as ours,
    ):
        yield plain, ours


def test_served_by_uvicorn(served: tuple[httpx.Client, httpx.Client]) -> None:
    plain, ours = served
    assert ours.get("/rows").content == egress.dumps(ROWS)
    assert ours.get("/api/value").content == egress.dumps(VALUE)
    assert ours.get("/pens").json() == plain.get("/pens").json()
    created = ours.post("/pens", json={"name": "quill"})
    assert created.status_code == plain.post("/pens", json={"name": "quill"}).status_code == 400
    answer = ours.get("/egress/json")
    assert (answer.status_code, answer.content) == (201, b'{"made":"by egress"}')
    with ours.stream("GET", "/egress/events") as events:
        assert events.read() == b'data: {"n":1}\n\n'


def test_build_makes_fresh_handlers() -> None:
    assert build() is not build()
