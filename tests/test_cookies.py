"""Cookies rendered by egress: every parameter, validation, deletion."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from egress import JSONResponse, PlainText, RedirectResponse
from egress.responses import http_date
from tests._asgi_client import fetch
from tests._control_characters import CONTROL_CHARACTERS

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
    ("parameter", "value"),
    [("max_age", "60"), ("max_age", True), ("expires", b"tomorrow"), ("expires", True)],
)
def test_wrong_types(parameter: str, value: Any) -> None:
    with pytest.raises(TypeError, match=parameter):
        PlainText("x").set_cookie("k", "v", **{parameter: value})


@pytest.mark.parametrize(
    ("parameter", "value"), [("path", 1), ("domain", b"example.com"), ("value", 7)]
)
def test_non_str_values_and_attributes_are_type_errors(parameter: str, value: Any) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        PlainText("x").set_cookie("k", **{"value": "v", parameter: value})


# -- a preformatted Expires string (Starlette and Lilya send one as given) ---------------


@pytest.mark.parametrize(
    "date", ["Thu, 22 Jan 2037 12:00:10 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", http_date(0)]
)
def test_expires_string_is_sent_as_given(date: str) -> None:
    response = PlainText("x")
    response.set_cookie("t", "1", expires=date)
    assert cookies_of(response) == [f"t=1; Expires={date}; Path=/; SameSite=Lax"]


@pytest.mark.parametrize(
    "date",
    [
        "tomorrow",
        "",
        "22 Jan 2037 12:00:10 GMT",  # no weekday
        "Thursday, 22-Jan-37 12:00:10 GMT",  # RFC 850, obsolete
        "Thu Jan 22 12:00:10 2037",  # asctime, obsolete
        "Thu, 22 Jan 2037 12:00:10 UTC",  # not GMT
        "Thu, 22 Jan 2037 12:00:10 +0000",
        "thu, 22 jan 2037 12:00:10 gmt",  # case matters
        "Thu, 22 Jan 2037 12:00 GMT",
        "Thu,  22 Jan 2037 12:00:10 GMT",
        "Thu, 2 Jan 2037 12:00:10 GMT",  # two-digit day
        "Sat, 31 Feb 2037 12:00:10 GMT",  # no such day
        "Thu, 22 Jan 2037 24:00:10 GMT",  # no such hour
        "Thu, 22 Jan 2037 12:00:10 GMT ",
    ],
)
def test_expires_string_must_be_an_http_date(date: str) -> None:
    response = PlainText("x")
    with pytest.raises(ValueError, match=r"is not an HTTP date like 'Thu, 22 Jan 2037"):
        response.set_cookie("t", "1", expires=date)
    assert cookies_of(response) == []


def test_expires_string_with_the_wrong_weekday_names_the_right_one() -> None:
    with pytest.raises(ValueError, match="22 Jan 2037 is a Thu, not a Mon"):
        PlainText("x").set_cookie("t", "1", expires="Mon, 22 Jan 2037 12:00:10 GMT")


def test_expires_string_injection_names_the_character() -> None:
    with pytest.raises(ValueError, match=r"cookie expires .* contains ';'"):
        PlainText("x").set_cookie("t", "1", expires="Thu, 22 Jan 2037 12:00:10 GMT; Secure")


# -- control characters, wherever a cookie takes text ------------------------------------

# A cookie is stricter than a header: HTAB is no cookie octet either.
COOKIE_CONTROL_CHARACTERS = [
    *CONTROL_CHARACTERS,
    pytest.param("\t", "HTAB (0x09)", id="HTAB"),
]


@pytest.mark.parametrize(
    ("parameter", "prefix", "named"),
    [
        ("value", "v", "cookie 'k': value"),
        ("path", "/app", "cookie path"),
        ("domain", "example.com", "cookie domain"),
        ("expires", "Thu, 22 Jan 2037 12:00:10 GMT", "cookie expires"),
    ],
)
@pytest.mark.parametrize(("char", "described"), COOKIE_CONTROL_CHARACTERS)
def test_control_characters_are_refused_naming_them(
    parameter: str, prefix: str, named: str, char: str, described: str
) -> None:
    response = PlainText("x")
    pattern = rf"{named} .* contains the control character {re.escape(described)}"
    with pytest.raises(ValueError, match=pattern):
        response.set_cookie("k", **{"value": "v", parameter: prefix + char})
    assert cookies_of(response) == []


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
