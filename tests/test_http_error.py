"""HTTPError: the fields, the checks made where it is raised, and its response."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from egress import EncodeError, HTTPError, endpoint, to_response
from tests._asgi_client import fetch


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


def test_http_error_fields() -> None:
    error = HTTPError(418, headers={"x-tea": "1"})
    assert (error.status_code, error.detail, error.headers) == (418, "I'm a Teapot", {"x-tea": "1"})
    assert HTTPError().status_code == 400
    assert HTTPError(404, "no such pen").detail == "no such pen"
    assert (
        to_response(HTTPError(401, headers={"www-authenticate": "Bearer"})).headers[
            "www-authenticate"
        ]
        == "Bearer"
    )


@pytest.mark.parametrize("status", [200, 302, 399, 600, 99])
def test_http_error_refuses_non_error_statuses(status: int) -> None:
    with pytest.raises(ValueError, match="400-599"):
        HTTPError(status)


def test_http_error_refuses_non_int_status() -> None:
    with pytest.raises(TypeError):
        HTTPError("404")  # type: ignore[arg-type]


def test_http_error_unregistered_status_has_a_generic_phrase() -> None:
    assert HTTPError(499).detail == "Error"


@pytest.mark.parametrize(
    "error",
    [
        HTTPError(404, "no such pen"),
        HTTPError(404, detail="no such pen"),
        HTTPError(404, message="no such pen"),
        HTTPError(status_code=404, detail="no such pen"),
    ],
    ids=["positional", "detail", "message alias", "all keywords"],
)
def test_http_error_detail_spellings(error: HTTPError) -> None:
    assert error.detail == "no such pen"
    response = to_response(error)
    assert (response.status_code, response.body) == (404, b'{"detail":"no such pen"}')


@pytest.mark.parametrize(
    ("detail", "body"),
    [
        (
            {"field": "name", "problem": "missing"},
            b'{"detail":{"field":"name","problem":"missing"}}',
        ),
        ([{"loc": ["query", "n"]}], b'{"detail":[{"loc":["query","n"]}]}'),
        (42, b'{"detail":42}'),
        (Point(1, 2), b'{"detail":{"x":1,"y":2}}'),
        (None, b'{"detail":"Conflict"}'),
    ],
)
def test_http_error_detail_is_any_json_value(detail: Any, body: bytes) -> None:
    error = HTTPError(409, detail=detail)
    response = to_response(error)
    assert (response.status_code, response.body) == (409, body)
    assert response.headers["content-type"] == "application/json"


def test_http_error_detail_and_message_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="detail or message"):
        HTTPError(400, detail="a", message="b")


def test_http_error_unencodable_detail_fails_where_it_is_raised() -> None:
    with pytest.raises(EncodeError, match="Money"):
        HTTPError(400, detail={"price": Money(1)})


def test_http_error_headers_are_validated_when_raised() -> None:
    with pytest.raises(ValueError, match=r"header 'x-a'.*ESC \(0x1B\)"):
        HTTPError(401, headers={"x-a": "\x1b]8;;"})
    with pytest.raises(ValueError, match="invalid header name"):
        HTTPError(401, headers={"bad name": "v"})


@pytest.mark.anyio
async def test_http_error_detail_reaches_the_client_from_an_endpoint() -> None:
    @endpoint
    async def strict() -> None:
        raise HTTPError(409, detail={"conflict": ["a", "b"]}, headers={"x-retry": "later"})

    sent = await fetch(strict)
    assert sent.status_code == 409
    assert sent.json() == {"detail": {"conflict": ["a", "b"]}}
    assert sent.headers["x-retry"] == "later"
