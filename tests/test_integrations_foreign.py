"""Other frameworks' objects inside @endpoint: their responses are sent as they are,
their HTTPException answers like HTTPError, and their Request as a parameter's annotation
is refused when the endpoint is made."""

from __future__ import annotations

from typing import Any

import fastapi
import lilya.exceptions
import lilya.requests
import lilya.responses
import litestar
import pytest
import starlette.exceptions
import starlette.requests
import starlette.responses

import egress
from tests.test_integrations_fastapi import fetch


def endpoint_returning(value: Any) -> egress.Endpoint:
    @egress.endpoint
    async def handler() -> Any:
        return value

    return handler


def endpoint_raising(error: Exception) -> egress.Endpoint:
    @egress.endpoint
    async def handler() -> Any:
        raise error

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize(
    "response",
    [
        pytest.param(
            starlette.responses.JSONResponse({"a": 1}, status_code=201, headers={"x-f": "s"}),
            id="starlette",
        ),
        pytest.param(
            lilya.responses.JSONResponse({"a": 1}, status_code=201, headers={"x-f": "s"}),
            id="lilya",
        ),
    ],
)
async def test_a_foreign_response_is_sent_as_it_is(response: Any) -> None:
    answer = await fetch(endpoint_returning(response), "GET", "/")
    assert (answer.status_code, answer.headers["x-f"], answer.json()) == (201, "s", {"a": 1})


@pytest.mark.anyio
async def test_a_foreign_response_through_middleware_and_cache() -> None:
    runs = []

    @egress.endpoint(cache_rate=2)
    async def handler() -> Any:
        runs.append(1)
        return starlette.responses.PlainTextResponse("hi", status_code=202)

    @handler.middleware
    async def passing(call_next: Any) -> Any:
        return await call_next()

    for _ in range(2):
        answer = await fetch(handler, "GET", "/")
        assert (answer.status_code, answer.text) == (202, "hi")
    assert len(runs) == 1


@pytest.mark.anyio
async def test_a_callable_that_is_not_a_response_is_still_data() -> None:
    class Sync:
        def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...

    answer = await fetch(endpoint_returning(Sync()), "GET", "/")
    assert answer.status_code == 500  # no encoder for it: not taken for a response


@pytest.mark.anyio
@pytest.mark.parametrize(
    "error",
    [
        pytest.param(
            starlette.exceptions.HTTPException(404, "no pen", headers={"x-why": "gone"}),
            id="starlette",
        ),
        pytest.param(fastapi.HTTPException(404, "no pen", headers={"x-why": "gone"}), id="fastapi"),
        pytest.param(
            lilya.exceptions.HTTPException(
                status_code=404, detail="no pen", headers={"x-why": "gone"}
            ),
            id="lilya",
        ),
    ],
)
async def test_a_foreign_http_exception_answers_like_http_error(error: Exception) -> None:
    ours = await fetch(
        endpoint_raising(egress.HTTPError(404, "no pen", {"x-why": "gone"})), "GET", "/"
    )
    theirs = await fetch(endpoint_raising(error), "GET", "/")
    assert (theirs.status_code, theirs.headers["x-why"], theirs.json()) == (
        404,
        "gone",
        {"detail": "no pen"},
    )
    assert theirs.headers == ours.headers


@pytest.mark.anyio
async def test_a_foreign_http_exception_without_detail_gets_the_reason_phrase() -> None:
    answer = await fetch(endpoint_raising(starlette.exceptions.HTTPException(403)), "GET", "/")
    assert (answer.status_code, answer.json()) == (403, {"detail": "Forbidden"})


@pytest.mark.anyio
async def test_an_exception_with_a_status_an_error_cannot_carry_is_a_500() -> None:
    error = starlette.exceptions.HTTPException(302, "moved")
    answer = await fetch(endpoint_raising(error), "GET", "/")
    assert (answer.status_code, answer.json()) == (500, {"detail": "Internal Server Error"})


@pytest.mark.parametrize(
    "request_class",
    [starlette.requests.Request, fastapi.Request, lilya.requests.Request, litestar.Request],
    ids=["starlette", "fastapi", "lilya", "litestar"],
)
def test_a_foreign_request_parameter_is_refused_at_decoration(request_class: type) -> None:
    async def handler(request):  # type: ignore[no-untyped-def]
        return "never"

    handler.__annotations__ = {"request": request_class}
    with pytest.raises(TypeError, match=r"another framework's request.*egress\.Request"):
        egress.endpoint(handler)


def test_egress_request_is_still_taken() -> None:
    async def handler(req: egress.Request) -> str:
        return "ok"

    assert egress.endpoint(handler).parameters.wants_request
