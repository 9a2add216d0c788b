"""Cookies rendered by egress: every parameter, validation, deletion."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from egress import JSONResponse, PlainText, RedirectResponse
from tests.apps_responses import fetch

pytestmark = pytest.mark.anyio


def cookies_of(response: Any) -> list[str]:
    return response.headers.getlist("set-cookie")  # type: ignore[no-any-return]


def test_defaults() -> None:
    response = PlainText("x")
    response.set_cookie("session", "abc")
    assert cookies_of(response) == ["session=abc; Path=/; SameSite=Lax"]


def test_every_parameter() -> None:
    response = PlainText("x")
    response.set_cookie(
        "id",
        "a1-b2",
        max_age=3600,
        expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="none",
        partitioned=True,
    )
    assert cookies_of(response) == [
        "id=a1-b2; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=3600; Domain=example.com; "
        "Path=/app; Secure; HttpOnly; SameSite=None; Partitioned"
    ]


def test_int_expires_is_seconds_from_now() -> None:
    response = PlainText("x")
    before = time.time()
    response.set_cookie("t", "1", expires=120)
    attribute = cookies_of(response)[0].split("; ")[1]
    assert attribute.startswith("Expires=")
    expires = parsedate_to_datetime(attribute.removeprefix("Expires=")).timestamp()
    assert before + 119 <= expires <= time.time() + 121


@pytest.mark.parametrize(("given", "rendered"), [("lax", "Lax"), ("STRICT", "Strict")])
def test_samesite_values(given: Any, rendered: str) -> None:
    response = PlainText("x")
    response.set_cookie("a", "b", samesite=given)
    assert cookies_of(response) == [f"a=b; Path=/; SameSite={rendered}"]


def test_samesite_none_and_no_path_omit_attributes() -> None:
    response = PlainText("x")
    response.set_cookie("a", "b", samesite=None, path=None)
    assert cookies_of(response) == ["a=b"]


@pytest.mark.parametrize("samesite", ["loose", "", 1])
def test_invalid_samesite(samesite: Any) -> None:
    with pytest.raises(ValueError, match="samesite must be 'lax', 'strict' or 'none'"):
        PlainText("x").set_cookie("a", "b", samesite=samesite)


def test_samesite_none_and_partitioned_need_secure() -> None:
    with pytest.raises(ValueError, match="SameSite=None without secure=True"):
        PlainText("x").set_cookie("a", "b", samesite="none")
    with pytest.raises(ValueError, match="Partitioned without secure=True"):
        PlainText("x").set_cookie("a", "b", partitioned=True)


@pytest.mark.parametrize("key", ["", "a b", "a;b", "a=b", "é", "a\r\n", '"q"'])
def test_invalid_names(key: str) -> None:
    response = PlainText("x")
    with pytest.raises(ValueError, match="invalid cookie name"):
        response.set_cookie(key, "v")
    assert cookies_of(response) == []


@pytest.mark.parametrize("value", ["a b", "a;b", 'a"b', "a,b", "a\\b", "é", "a\r\nX: y"])
def test_invalid_values(value: str) -> None:
    with pytest.raises(ValueError, match="encode it first"):
        PlainText("x").set_cookie("k", value)


@pytest.mark.parametrize(
    ("parameter", "value"), [("path", "/a; Secure"), ("domain", "x.com\r\n"), ("path", "/é")]
)
def test_attribute_injection_is_refused(parameter: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"cookie {parameter}"):
        PlainText("x").set_cookie("k", "v", **{parameter: value})


@pytest.mark.parametrize(
    ("parameter", "value"), [("max_age", "60"), ("max_age", True), ("expires", "tomorrow")]
)
def test_wrong_types(parameter: str, value: Any) -> None:
    with pytest.raises(TypeError, match=parameter):
        PlainText("x").set_cookie("k", "v", **{parameter: value})


def test_delete_cookie() -> None:
    response = PlainText("x")
    response.delete_cookie("session", path="/app", domain="example.com", secure=True)
    assert cookies_of(response) == [
        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Domain=example.com; "
        "Path=/app; Secure; SameSite=Lax"
    ]


async def test_cookies_reach_the_client_as_separate_headers() -> None:
    response = JSONResponse({"ok": True})
    response.set_cookie("one", "1")
    response.set_cookie("two", "2", httponly=True)
    response.delete_cookie("old")
    got = await fetch(response)
    assert len(got.headers.get_list("set-cookie")) == 3
    assert got.cookies["one"] == "1"
    assert got.cookies["two"] == "2"
    assert "old" not in got.cookies


async def test_every_subclass_has_cookies() -> None:
    response = RedirectResponse("/login")
    response.set_cookie("next", "/home")
    got = await fetch(response)
    assert got.headers["set-cookie"] == "next=/home; Path=/; SameSite=Lax"
