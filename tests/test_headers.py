"""Headers: the case-insensitive multi-value view, validation, and HTTP dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from egress import HTTPError, JSONResponse, PlainText, RedirectResponse, Response, endpoint
from egress.pipeline import to_response
from egress.responses import Headers, http_date
from tests._asgi_client import collect, fetch
from tests._control_characters import CONTROL_CHARACTERS

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


@pytest.mark.parametrize(
    "name",
    ["", "bad name", "colon:", "new\nline", "nul\x00", "é", "a\r", "esc\x1b", "del\x7f", "a\tb"],
)
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


def _set(value: str) -> Headers:
    response = PlainText("x")
    response.headers["x-evil"] = value
    return response.headers


def _append(value: str) -> Headers:
    response = PlainText("x")
    response.headers.append("x-evil", value)
    return response.headers


def _update(value: str) -> Headers:
    response = PlainText("x")
    response.headers.update({"x-evil": value})
    return response.headers


# Every way a header value enters a response: each takes the value to try and returns
# the headers it ended up in.
ENTRY_POINTS: dict[str, Callable[[str], Headers]] = {
    "constructor mapping": lambda value: PlainText("x", headers={"x-evil": value}).headers,
    "constructor pairs": lambda value: JSONResponse(1, headers=[("x-evil", value)]).headers,
    "base Response": lambda value: Response(b"", headers={"x-evil": value}).headers,
    "redirect headers": lambda value: RedirectResponse("/", headers={"x-evil": value}).headers,
    "headers[...] =": _set,
    "headers.append": _append,
    "headers.update": _update,
    "Headers(mapping)": lambda value: Headers({"x-evil": value}),
    "Headers(str pairs)": lambda value: Headers([("x-evil", value)]),
    "Headers(ASGI pairs)": lambda value: Headers([(b"x-evil", value.encode("latin-1"))]),
    "tuple headers": lambda value: to_response(("x", {"x-evil": value})).headers,
    "tuple headers over a Response": lambda value: (
        to_response((PlainText("x"), {"x-evil": value})).headers
    ),
    "HTTPError headers": lambda value: (
        to_response(HTTPError(401, headers={"x-evil": value})).headers
    ),
}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize(("char", "described"), CONTROL_CHARACTERS)
def test_control_characters_are_refused_wherever_headers_enter(
    entry: str, char: str, described: str
) -> None:
    pattern = rf"header 'x-evil': value .* contains the control character {re.escape(described)}"
    with pytest.raises(ValueError, match=pattern):
        ENTRY_POINTS[entry](f"a{char}b")


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_htab_is_the_control_character_a_value_may_hold(entry: str) -> None:
    assert ENTRY_POINTS[entry]("a\tb").getlist("x-evil") == ["a\tb"]


@pytest.mark.parametrize(("char", "described"), CONTROL_CHARACTERS)
def test_control_characters_in_media_types_are_refused(char: str, described: str) -> None:
    pattern = rf"header 'content-type'.*{re.escape(described)}"
    with pytest.raises(ValueError, match=pattern):
        Response(b"", media_type=f"text/plain{char}")
    with pytest.raises(ValueError, match=pattern):

        class Evil(PlainText):
            media_type = f"text/evil{char}"


@pytest.mark.parametrize(("char", "described"), CONTROL_CHARACTERS)
def test_control_characters_in_redirect_urls_are_refused(char: str, described: str) -> None:
    pattern = rf"header 'location': redirect URL .*{re.escape(described)}"
    with pytest.raises(ValueError, match=pattern):
        RedirectResponse(f"/next{char}page")


async def test_htab_reaches_the_client() -> None:
    got = await fetch(PlainText("x", headers={"x-tab": "a\tb"}, media_type="text/x;\tv=1"))
    assert got.headers["x-tab"] == "a\tb"
    assert got.headers["content-type"] == "text/x;\tv=1; charset=utf-8"
    assert RedirectResponse("/a\tb").headers["location"] == "/a%09b"


async def test_a_bad_header_from_a_handler_is_a_500_before_any_byte() -> None:
    @endpoint
    async def leaky() -> tuple[str, dict[str, str]]:
        return "hello", {"x-user": "ada\x1b[2J"}

    got = await fetch(leaky)
    assert got.status_code == 500
    assert "x-user" not in got.headers
    assert got.json() == {"detail": "Internal Server Error"}


def test_headers_built_by_hand_are_validated_and_their_own() -> None:
    pairs = [(b"X-A", b"1"), (b"x-b", b"2")]
    headers = Headers(pairs)
    assert headers.raw == [(b"x-a", b"1"), (b"x-b", b"2")]
    headers["x-c"] = "3"
    assert pairs == [(b"X-A", b"1"), (b"x-b", b"2")]
    assert Headers({"X-Mixed": "Case"}).raw == [(b"x-mixed", b"Case")]
    with pytest.raises(ValueError, match="invalid header name"):
        Headers([(b"bad name", b"1")])
    with pytest.raises(TypeError, match="value must be a str"):
        Headers([("x-a", b"1")])  # type: ignore[list-item]


async def test_response_headers_view_edits_what_is_sent() -> None:
    response = PlainText("x")
    view = response.headers
    view["x-a"] = "1"
    assert response.raw_headers[-1] == (b"x-a", b"1")
    messages = await collect(response)
    assert (b"x-a", b"1") in messages[0]["headers"]


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
