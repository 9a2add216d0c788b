"""Responses served by uvicorn on 127.0.0.1 and read by httpx over a real socket."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from tests._servers import serve
from tests.apps_responses import ALLOWED_ORIGIN, NOT_FOUND_TEXT


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve("tests.apps_responses:app", server="uvicorn") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as http,
    ):
        yield http


@pytest.fixture(scope="module")
def middleware_client() -> Iterator[httpx.Client]:
    with (
        serve("tests.apps_responses:middleware_app", server="uvicorn") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as http,
    ):
        yield http


def test_json(client: httpx.Client) -> None:
    got = client.get("/json")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json"
    assert got.headers["content-length"] == str(len(got.content))
    assert got.json() == {"message": "Welcome home", "id": 7}


def test_text(client: httpx.Client) -> None:
    got = client.get("/text")
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.text == "héllo"


def test_no_content(client: httpx.Client) -> None:
    got = client.get("/empty")
    assert got.status_code == 204
    assert got.content == b""
    assert "content-length" not in got.headers


def test_redirect(client: httpx.Client) -> None:
    got = client.get("/redirect")
    assert got.status_code == 307
    assert got.headers["location"] == "/json?next=%C3%A4%20b"
    assert client.get("/redirect", follow_redirects=True).json()["id"] == 7


def test_cookies(client: httpx.Client) -> None:
    got = client.get("/cookies")
    assert got.headers.get_list("set-cookie") == [
        "session=abc123; Max-Age=60; Path=/; HttpOnly; SameSite=Lax",
        "theme=dark; Path=/; SameSite=Strict",
    ]
    assert got.cookies["session"] == "abc123"


def test_async_content(client: httpx.Client) -> None:
    assert client.get("/async").json() == {"resolved": "later"}


def test_cookie_with_a_preformatted_date(client: httpx.Client) -> None:
    got = client.get("/cookie-date")
    assert got.headers["set-cookie"] == (
        "until=2037; Expires=Thu, 22 Jan 2037 12:00:10 GMT; Path=/; SameSite=Lax"
    )


def test_shared_response_behind_gzip_and_cors(middleware_client: httpx.Client) -> None:
    """One module-level Response object answers every request; GZip and CORS middleware
    edit its messages in place. Gzip and identity in turn: each answer is byte-exact."""
    seen: dict[str, list[list[tuple[str, str]]]] = {"gzip": [], "identity": []}
    for encoding in ["gzip", "identity", "gzip", "identity", "identity", "gzip", "identity"]:
        headers = {"accept-encoding": encoding, "origin": ALLOWED_ORIGIN}
        with middleware_client.stream("GET", "/shared", headers=headers) as got:
            raw = b"".join(got.iter_raw())
        assert got.status_code == 404
        assert got.headers["content-length"] == str(len(raw))
        if encoding == "gzip":
            assert got.headers["content-encoding"] == "gzip"
            assert gzip.decompress(raw) == NOT_FOUND_TEXT.encode()
        else:
            assert "content-encoding" not in got.headers
            assert raw == NOT_FOUND_TEXT.encode()
        assert sorted(got.headers["vary"].split(", ")) == ["Accept-Encoding", "Origin"]
        seen[encoding].append([pair for pair in got.headers.multi_items() if pair[0] != "date"])
    for answers in seen.values():
        assert answers == [answers[0]] * len(answers)
