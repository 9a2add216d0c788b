"""The names a newcomer reaches for first (`status=`, `response.cookie(...)`) fail at once
with the egress name in the message; the constructor's common path, which those checks
stay out of, builds exactly what the general path builds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egress import (
    HTML,
    Error,
    EventSourceResponse,
    FileResponse,
    JSONResponse,
    NDJSONResponse,
    Ok,
    PlainText,
    RedirectResponse,
    Response,
    StreamingResponse,
)

MADE_WITH_STATUS = [
    pytest.param(lambda: Response(b"x", status=201), "Response", id="Response"),
    pytest.param(lambda: JSONResponse({"a": 1}, status=201), "JSONResponse", id="JSONResponse"),
    pytest.param(lambda: PlainText("x", 201, status=201), "PlainText", id="PlainText"),
    pytest.param(lambda: HTML("<p>", headers={"x-a": "b"}, status=201), "HTMLResponse", id="HTML"),
    pytest.param(lambda: RedirectResponse("/", status=301), "RedirectResponse", id="redirect"),
    pytest.param(lambda: FileResponse("a.txt", status=200), "FileResponse", id="file"),
    pytest.param(lambda: StreamingResponse([b"x"], status=200), "StreamingResponse", id="stream"),
    pytest.param(lambda: NDJSONResponse([1], status=200), "NDJSONResponse", id="ndjson"),
    pytest.param(lambda: EventSourceResponse([1], status=200), "EventSourceResponse", id="sse"),
]


@pytest.mark.parametrize(("make", "name"), MADE_WITH_STATUS)
def test_status_is_refused_with_a_pointer_to_status_code(make: Any, name: str) -> None:
    expected = f"{name}() takes status_code=, not status= (the status is its second argument"
    with pytest.raises(TypeError, match=re.escape(expected)):
        make()


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("cookie", "use set_cookie(key, value, ...) to set a cookie"),
        ("cookies", "use set_cookie(key, value, ...) and delete_cookie(key) for cookies"),
        ("add_cookie", "use set_cookie(key, value, ...) to set a cookie"),
        ("status", "use status_code for the status"),
    ],
)
def test_a_name_from_another_framework_says_the_egress_name(name: str, hint: str) -> None:
    response = JSONResponse({"a": 1})
    with pytest.raises(AttributeError, match=re.escape(f"no attribute {name!r}; {hint}")):
        getattr(response, name)
    assert not hasattr(response, name)


def test_any_other_missing_name_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^'Ok' object has no attribute 'nope'$"):
        _ = Ok({}).nope  # type: ignore[attr-defined]


def test_a_streams_body_and_a_pending_body_keep_their_own_messages() -> None:
    with pytest.raises(AttributeError, match="StreamingResponse has no body: it sends"):
        _ = StreamingResponse([b"x"]).body

    async def later() -> str:
        return "x"

    coroutine = later()
    with pytest.raises(RuntimeError, match="is not available yet: its content is a coroutine"):
        _ = PlainText(coroutine).body
    coroutine.close()


DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(), inner, max_size=3)
        | st.tuples(inner, inner)
    ),
    max_leaves=6,
)
CLASSES = st.sampled_from([Response, JSONResponse, Ok, PlainText, HTML, Error])


@given(content=DATA, cls=CLASSES)
def test_the_common_path_builds_what_the_general_path_builds(
    content: Any, cls: type[Response[Any]]
) -> None:
    # Any explicit argument (here an empty headers mapping) takes the general path.
    try:
        general = cls(content, headers={})
    except TypeError as error:  # the base class renders only bytes and str
        with pytest.raises(TypeError, match=re.escape(str(error))):
            cls(content)
        return
    common = cls(content)
    assert (common.status_code, common.raw_headers, common.body) == (
        general.status_code,
        general.raw_headers,
        general.body,
    )
