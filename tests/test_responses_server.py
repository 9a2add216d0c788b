"""Responses served by uvicorn on 127.0.0.1 and read by httpx over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests._servers import serve


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve("tests.apps_responses:app", server="uvicorn") as base_url,
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
