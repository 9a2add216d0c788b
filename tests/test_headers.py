"""Headers: the case-insensitive multi-value view, validation, and HTTP dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from egress import JSONResponse, PlainText, Response
from egress.responses import Headers, http_date
from tests.apps_responses import fetch

pytestmark = pytest.mark.anyio


def test_lookup_is_case_insensitive_and_multi_valued() -> None:
    headers = Headers([(b"x-a", b"1"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")])
    assert headers["X-A"] == "1"
    assert headers["Set-Cookie"] == "a=1"
    assert headers.getlist("SET-COOKIE") == ["a=1", "b=2"]
    assert headers.getlist("missing") == []
    assert "x-A" in headers
    assert 1 not in headers
    assert list(headers) == ["x-a", "set-cookie"]
    assert len(headers) == 2
    assert headers.multi_items() == [("x-a", "1"), ("set-cookie", "a=1"), ("set-cookie", "b=2")]
    assert headers.get("nope") is None
    assert headers.get("名前") is None
    assert "名前" not in headers
    with pytest.raises(KeyError):
        headers["nope"]


def test_set_replaces_append_adds_delete_removes_all() -> None:
    headers = Headers()
    headers["Vary"] = "Accept"
    headers.append("vary", "Origin")
    assert headers.getlist("vary") == ["Accept", "Origin"]
    headers["VARY"] = "Cookie"
    assert headers.raw == [(b"vary", b"Cookie")]
    headers.update({"x-one": "1"})
    del headers["Vary"]
    assert headers.raw == [(b"x-one", b"1")]
    with pytest.raises(KeyError):
        del headers["vary"]
    assert repr(headers) == "Headers([('x-one', '1')])"


@pytest.mark.parametrize("name", ["", "bad name", "colon:", "new\nline", "nul\x00", "é", "a\r"])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invalid header name"):
        Headers()[name] = "v"
    with pytest.raises(ValueError, match="invalid header name"):
        Response(b"", headers={name: "v"})


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b"])
def test_crlf_and_nul_in_values_are_refused_naming_the_header(value: str) -> None:
    with pytest.raises(ValueError, match=r"header 'X-Evil'.*CR, LF or NUL"):
        Response(b"", headers={"X-Evil": value})
    with pytest.raises(ValueError, match="header 'x-evil'"):
        PlainText("").headers.append("x-evil", value)


def test_non_latin1_value_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match=r"header 'x-name'.*not latin-1.*percent-encode"):
        Response(b"", headers={"x-name": "名前"})


def test_non_str_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="header 'x-n': value must be a str, got int"):
        Response(b"", headers={"x-n": 5})  # type: ignore[dict-item]


async def test_headers_as_pairs_keep_repeats() -> None:
    response = PlainText("x", headers=[("Link", "</a>"), ("Link", "</b>")])
    got = await fetch(response)
    assert got.headers.get_list("link") == ["</a>", "</b>"]


async def test_editing_response_headers_changes_what_is_sent() -> None:
    response = JSONResponse({"a": 1})
    response.headers["Cache-Control"] = "no-store"
    response.headers.append("x-multi", "1")
    response.headers.append("x-multi", "2")
    got = await fetch(response)
    assert got.headers["cache-control"] == "no-store"
    assert got.headers.get_list("x-multi") == ["1", "2"]


async def test_headers_object_is_accepted_as_input() -> None:
    source = Headers()
    source["x-from"] = "headers"
    got = await fetch(PlainText("x", headers=source))
    assert got.headers["x-from"] == "headers"


async def test_user_content_type_wins_over_the_class() -> None:
    got = await fetch(JSONResponse({"a": 1}, headers={"Content-Type": "application/vnd.api+json"}))
    assert got.headers.get_list("content-type") == ["application/vnd.api+json"]


async def test_user_content_length_is_replaced_by_the_true_one() -> None:
    got = await fetch(PlainText("four", headers={"Content-Length": "999"}))
    assert got.headers.get_list("content-length") == ["4"]


def test_media_type_argument_on_a_bodiless_status_is_kept() -> None:
    response = Response(status_code=304, media_type="text/html")
    assert response.raw_headers == [(b"content-type", b"text/html; charset=utf-8")]


@pytest.mark.parametrize(
    "value",
    [
        datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc),
        datetime(2015, 10, 21, 7, 28),  # naive: UTC
        datetime(2015, 10, 21, 9, 28, tzinfo=timezone(timedelta(hours=2))),
        1445412480,
        1445412480.0,
    ],
)
def test_http_date(value: float | datetime) -> None:
    assert http_date(value) == "Wed, 21 Oct 2015 07:28:00 GMT"
