"""What a Response does with content beyond bytes and str: body_translate, content with
the result protocol (converted by the pipeline, explicit arguments winning), coroutine
content (resolved when sent) and passthrough bodies."""

from __future__ import annotations

from typing import Any

import pytest

import egress
from egress import EncodeError, JSONResponse, PlainText, Response
from tests._asgi_client import fetch

pytestmark = pytest.mark.anyio


# -- body_translate --------------------------------------------------------------------


class Named:
    def __str__(self) -> str:
        return "str form"

    def __repr__(self) -> str:
        return "Named()"


async def test_translate_str() -> None:
    got = await fetch(Response(Named(), body_translate="str", media_type="text/plain"))
    assert got.text == "str form"


async def test_translate_repr_keeps_quotes() -> None:
    got = await fetch(Response("hi", body_translate="repr"))
    assert got.content == b"'hi'"
    assert Response(Named(), body_translate="repr").body == b"Named()"


class ListResponse(Response[list[str]]):
    media_type = "text/plain"

    def render(self, content: list[str]) -> str:
        return "\n".join(content)


async def test_translate_custom_uses_render() -> None:
    got = await fetch(ListResponse(["a", "b"], body_translate="custom"))
    assert got.text == "a\nb"
    assert got.headers["content-type"] == "text/plain; charset=utf-8"


def test_none_strategy_uses_a_subclass_render() -> None:
    assert ListResponse(["x", "y"]).body == b"x\ny"


class Created:
    def __response__(self) -> Any:
        return ("made", 201, {"x-made": "yes"})


class ViewResult:
    def __view_result__(self) -> Any:
        return ("<b>view</b>", 202, {"content-type": "text/html"})


async def test_translate_result_takes_status_headers_and_media_type() -> None:
    got = await fetch(Response(Created(), body_translate="result"))
    assert got.status_code == 201
    assert got.text == "made"
    assert got.headers["x-made"] == "yes"
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["content-length"] == "4"


async def test_view_result_protocol_is_honoured() -> None:
    got = await fetch(Response(ViewResult()))
    assert got.status_code == 202
    assert got.headers["content-type"] == "text/html"
    assert got.text == "<b>view</b>"


async def test_explicit_arguments_win_over_the_result() -> None:
    response = Response(
        Created(), status_code=200, headers={"X-Made": "no"}, media_type="text/markdown"
    )
    got = await fetch(response)
    assert got.status_code == 200
    assert got.headers.get_list("x-made") == ["no"]
    assert got.headers["content-type"] == "text/markdown; charset=utf-8"
    assert got.text == "made"


async def test_result_returning_data_becomes_json() -> None:
    class Data:
        def __response__(self) -> dict[str, int]:
            return {"n": 1}

    got = await fetch(PlainText(Data()))  # type: ignore[arg-type]
    assert got.json() == {"n": 1}
    assert got.headers["content-type"] == "application/json"


def test_result_protocol_is_looked_up_on_the_class() -> None:
    assert Response(Created, body_translate="repr").body == repr(Created).encode()
    with pytest.raises(TypeError, match="Response cannot render type"):
        Response(Created)


def test_result_strategy_needs_the_protocol() -> None:
    with pytest.raises(TypeError, match=r"needs an object with __response__\(\)"):
        Response(Named(), body_translate="result")


def test_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="body_translate must be one of"):
        Response("x", body_translate="json")  # type: ignore[arg-type]


# -- async content -----------------------------------------------------------------------


async def _greeting() -> str:
    return "hello later"


async def test_coroutine_content_is_awaited_when_sent() -> None:
    got = await fetch(PlainText(_greeting()))  # type: ignore[arg-type]
    assert got.text == "hello later"
    assert got.headers["content-length"] == "11"
    assert got.headers["content-type"] == "text/plain; charset=utf-8"


async def test_body_before_resolving_is_a_clear_error() -> None:
    response = JSONResponse(_greeting())
    with pytest.raises(RuntimeError, match=r"await response.resolve_async_content\(\)"):
        _ = response.body
    assert "content-length" not in response.headers
    await response.resolve_async_content()
    assert response.body == b'"hello later"'
    assert response.headers["content-length"] == "13"
    await response.resolve_async_content()  # a second call changes nothing
    assert response.body == b'"hello later"'


async def test_coroutine_with_a_result_and_a_strategy() -> None:
    async def made() -> Created:
        return Created()

    async def named() -> Named:
        return Named()

    got = await fetch(Response(made()))
    assert (got.status_code, got.text, got.headers["x-made"]) == (201, "made", "yes")
    assert (await fetch(Response(named(), body_translate="repr"))).text == "Named()"


async def test_result_that_converts_to_pending_content() -> None:
    class Later:
        def __response__(self) -> Any:
            return _greeting()

    response = Response(Later(), status_code=202)
    with pytest.raises(RuntimeError, match="resolve_async_content"):
        _ = response.body
    got = await fetch(response)
    assert (got.status_code, got.text) == (202, "hello later")
    assert got.headers["content-type"] == "text/plain; charset=utf-8"


async def test_async_content_keeps_cookies_set_before_resolving() -> None:
    async def made() -> Created:
        return Created()

    response = Response(made())
    response.set_cookie("early", "1")
    got = await fetch(response)
    assert got.cookies["early"] == "1"
    assert got.status_code == 201


async def test_failing_coroutine_raises_before_any_byte() -> None:
    async def broken() -> dict[str, object]:
        return {"bad": object()}

    messages: list[object] = []

    async def send(message: object) -> None:
        messages.append(message)

    with pytest.raises(EncodeError):
        await JSONResponse(broken())({"type": "http"}, None, send)  # type: ignore[arg-type]
    assert messages == []


# -- passthrough body types -----------------------------------------------------------


def test_memoryview_is_copied_unless_passed_through() -> None:
    view = memoryview(b"abcdef")[1:4]
    copied = Response(view)
    assert copied.body == b"bcd"
    assert type(copied.body) is bytes
    passed = Response(view, passthrough_body_types=[memoryview])
    assert passed.body is view
    assert passed.headers["content-length"] == "3"
    assert Response(b"x", passthrough_body_types=[memoryview]).passthrough_body_types == (
        bytes,
        memoryview,
    )


async def test_passthrough_per_class() -> None:
    class Buffers(Response[bytearray]):
        passthrough_body_types = (bytes, bytearray)

    data = bytearray(b"mutable")
    response = Buffers(data)
    assert response.body is data
    assert (await fetch(response)).content == b"mutable"


def test_passthrough_globally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Response, "passthrough_body_types", (bytes, bytearray))
    data = bytearray(b"xy")
    assert PlainText(data).body is data  # type: ignore[arg-type]


def test_json_passes_through_preencoded_buffers() -> None:
    view = memoryview(b"[1]")
    assert JSONResponse(view, passthrough_body_types=[memoryview]).body is view


async def test_async_content_on_a_bodiless_status() -> None:
    async def nothing() -> None:
        return None

    async def something() -> str:
        return "body"

    assert (await fetch(Response(nothing(), status_code=204))).status_code == 204
    with pytest.raises(ValueError, match="a 204 response cannot carry a body"):
        await Response(something(), status_code=204).resolve_async_content()


# -- what the pipeline converts never changes what it was given -------------------------

SHARED_NOT_FOUND = PlainText("gone", status_code=404, headers={"x-shared": "1"})


class SharedResult:
    def __response__(self) -> Response[Any]:
        return SHARED_NOT_FOUND


def test_explicit_arguments_over_a_shared_result_leave_it_alone() -> None:
    before = list(SHARED_NOT_FOUND.raw_headers)
    response = Response(SharedResult(), status_code=410, headers={"x-shared": "2"})
    assert (response.status_code, response.body) == (410, b"gone")
    assert response.headers.getlist("x-shared") == ["2"]
    response.set_cookie("mine", "1")
    assert SHARED_NOT_FOUND.status_code == 404
    assert SHARED_NOT_FOUND.raw_headers == before


def test_a_tuple_over_a_shared_response_leaves_it_alone() -> None:
    before = list(SHARED_NOT_FOUND.raw_headers)
    response = egress.to_response((SHARED_NOT_FOUND, 410, {"x-extra": "1"}))
    assert (response.status_code, response.headers["x-extra"]) == (410, "1")
    assert egress.to_response(SHARED_NOT_FOUND) is SHARED_NOT_FOUND  # nothing to apply
    assert SHARED_NOT_FOUND.status_code == 404
    assert SHARED_NOT_FOUND.raw_headers == before


async def test_a_result_sends_its_own_content_type_over_the_class_default() -> None:
    async def later() -> Created:
        return Created()

    for response in (JSONResponse(Created()), JSONResponse(later())):  # type: ignore[arg-type]
        got = await fetch(response)
        assert (got.status_code, got.text) == (201, "made")
        assert got.headers.get_list("content-type") == ["text/plain; charset=utf-8"]


async def test_headers_set_on_a_pending_response_are_kept_when_it_resolves() -> None:
    async def later() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"x-from": "value", "x-both": "value"}

    response = egress.to_response(later())
    response.headers["x-both"] = "middleware"
    response.headers["x-late"] = "middleware"
    response.set_cookie("late", "1")
    got = await fetch(response)
    assert (got.status_code, got.text) == (201, "made")
    assert got.headers["x-from"] == "value"
    assert got.headers.get_list("x-both") == ["middleware"]
    assert got.headers["x-late"] == "middleware"
    assert got.cookies["late"] == "1"
    assert got.headers["content-length"] == "4"


def test_custom_without_render_says_to_override_render() -> None:
    class ListResponse(Response[list[int]]):
        pass

    with pytest.raises(TypeError, match=r"does not override render\(self, content\)"):
        ListResponse([1, 2], body_translate="custom")


def test_a_subclass_that_cannot_render_its_content_is_told_to_override_render() -> None:
    class ListResponse(Response[list[int]]):
        pass

    with pytest.raises(TypeError, match=r"override render\(self, content\).*in ListResponse"):
        ListResponse([1, 2])
