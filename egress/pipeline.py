"""The return-value pipeline: whatever a handler returns becomes the right Response.

    Response            itself
    __response__()      (or view.py's __view_result__()) its result, converted again
    str                 text/plain
    bytes               application/octet-stream, the raw body
    None                204 No Content
    (body, status), (body, headers), (body, status, headers), in any order: a
                        response spec (see `split_tuple`); every other tuple is data
    coroutine           resolved when the Response is sent (`to_response_async` awaits it)
    anything else       JSON through the encoder registry

A value that cannot be encoded raises EncodeError here, before any byte is sent.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from egress._http_error import HTTPError
from egress._protocol import result_method
from egress.encoders import Encoder, EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.responses import JSONResponse, PlainText, Response

__all__ = [
    "MAX_PROTOCOL_DEPTH",
    "HTTPError",
    "Pipeline",
    "make_response",
    "split_tuple",
    "to_response",
    "to_response_async",
]

Encoders = EncoderRegistry | Sequence[Encoder[Any] | type[Encoder[Any]]] | None

MAX_PROTOCOL_DEPTH = 16
"""How many result-protocol hops a value may take before it counts as a loop."""

_BYTES_TYPES = (bytes, bytearray, memoryview)


def _is_headers(item: dict[Any, Any]) -> bool:
    return all(isinstance(k, str) and isinstance(v, str) for k, v in item.items())


def _is_status(item: object) -> bool:
    return isinstance(item, int) and not isinstance(item, bool) and 100 <= item <= 599


def split_tuple(value: tuple[Any, ...]) -> tuple[Any, int | None, dict[str, str] | None] | None:
    """(body, status, headers) when `value` is a response spec, None when it is data.

    A spec is a plain tuple (not a namedtuple) of 2 or 3 items: at most one status (an
    int in 100-599; a bool never is), exactly one body (never an int or a bool), and
    beside the body a status, a headers dict (str to str), or both. Which item is the body:
    - when one item is neither a status nor a dict, that item; a dict beside it is the
      headers: `("Hello", 201)`, `("Hello", {"x-a": "b"})`, `({"x-a": "b"}, 202, [1, 2])`;
    - when every item but the status is a dict: with one dict, the dict (Flask's
      `({"id": 1}, 201)`); with two, the last str-to-str dict is the headers and the other
      the body (`({"id": 1}, 201, {"x-a": "b"})`).
    Every other tuple is data (a JSON array): `(1, 2)`, `("a", "b")`, `({"a": "b"},
    {"c": "d"})` (no status: which dict is the body?), two statuses, a namedtuple.
    """
    if value.__class__ is not tuple or not 2 <= len(value) <= 3:
        return None
    status: int | None = None
    dicts: list[dict[Any, Any]] = []
    others: list[Any] = []
    for item in value:
        if _is_status(item):
            if status is not None:
                return None
            status = item
        elif isinstance(item, dict):
            dicts.append(item)
        elif isinstance(item, int):  # a bool, or an int that is not a status: never a body
            return None
        else:
            others.append(item)
    if len(others) == 1:  # the body; a dict beside it can only be the headers
        if not dicts:
            return others[0], status, None
        if len(dicts) == 1 and _is_headers(dicts[0]):
            return others[0], status, dicts[0]
        return None
    if others or status is None:
        return None  # two bodies, or dicts without a status to tell which is the body
    if len(dicts) == 1:
        return dicts[0], status, None  # Flask's (dict, status)
    first, last = dicts  # and a status: the last str-to-str dict is the headers
    if _is_headers(last):
        return first, status, last
    if _is_headers(first):
        return last, status, first
    return None


class Pipeline:
    """The configurable converter: a framework picks the registry, the class for JSON and
    for str, the status for None, and whether tuples may be response specs."""

    def __init__(
        self,
        encoders: Encoders = None,
        json_class: type[Response[Any]] = JSONResponse,
        str_class: type[Response[Any]] = PlainText,
        none_status: int = 204,
        tuples: bool = True,
    ) -> None:
        self.registry = registry_for(encoders)
        self.json_class = json_class
        self.str_class = str_class
        self.none_status = none_status
        self.tuples = tuples

    def to_response(self, value: Any) -> Response[Any]:
        """The Response for a handler's return value; EncodeError if it cannot be encoded."""
        return self._convert(value, None, None, 0)

    async def to_response_async(self, value: Any) -> Response[Any]:
        """Like `to_response`, but awaits an awaitable value first (and what it returns, if
        that is awaitable too), so the Response has its body when this returns."""
        while inspect.isawaitable(value) and not isinstance(value, Response):
            value = await value
        response = self._convert(value, None, None, 0)
        await response.resolve_async_content()
        return response

    def _convert(
        self, value: Any, status: int | None, headers: dict[str, str] | None, depth: int
    ) -> Response[Any]:
        kind = type(value)
        if kind is dict or kind is list:
            return self._json(value, status, headers)
        if isinstance(value, Response):
            return _override(value, status, headers)
        if kind is str:
            return self.str_class(value, status_code=status, headers=headers)
        if value is None:
            return Response(None, status_code=status or self.none_status, headers=headers)
        if isinstance(value, _BYTES_TYPES):
            return Response(
                bytes(value),
                status_code=status,
                headers=headers,
                media_type="application/octet-stream",
            )
        if kind is tuple and self.tuples:
            spec = split_tuple(value)
            if spec is not None:
                body, spec_status, spec_headers = spec
                merged = spec_headers if headers is None else {**(spec_headers or {}), **headers}
                return self._convert(body, status or spec_status, merged, depth)
        found = result_method(value)
        if found is not None:
            name, method = found
            if depth >= MAX_PROTOCOL_DEPTH:
                raise TypeError(
                    f"{kind.__qualname__}.{name}() did not lead to a response "
                    f"after {MAX_PROTOCOL_DEPTH} conversions; it must return a Response or a "
                    "plain value (str, dict, tuple...), not an object that returns itself"
                )
            return self._convert(method(), status, headers, depth + 1)
        if inspect.iscoroutine(value):
            return Response(
                self._resolve(value), status_code=status, headers=headers, body_translate="result"
            )
        if isinstance(value, str):
            return self.str_class(value, status_code=status, headers=headers)
        return self._json(value, status, headers)

    def _json(
        self, value: Any, status: int | None, headers: dict[str, str] | None
    ) -> Response[Any]:
        return self.json_class(value, status_code=status, headers=headers, encoders=self.registry)

    async def _resolve(self, coroutine: Awaitable[Any]) -> _Converted:
        response = await self.to_response_async(coroutine)
        return _Converted(response)


class _Converted:
    """What a deferred coroutine resolves to: the Response its value converted to, handed
    to the Response that was waiting for it through the result protocol."""

    __slots__ = ("response",)

    def __init__(self, response: Response[Any]) -> None:
        self.response = response

    def __response__(self) -> Response[Any]:
        return self.response


def _has_rendered_body(response: Response[Any]) -> bool:
    try:
        return bool(response.body)
    except (AttributeError, RuntimeError):  # a stream, or content not resolved yet
        return False


def _override(
    response: Response[Any], status: int | None, headers: dict[str, str] | None
) -> Response[Any]:
    """A tuple's status and headers applied to a Response the body already was."""
    if status is not None:
        if status < 200 or status in (204, 304):
            if _has_rendered_body(response):
                raise ValueError(
                    f"a {status} response carries no body, but the tuple's body rendered "
                    f"{type(response).__name__} content; return (None, {status}) instead"
                )
            response.headers.pop("content-length", None)
        response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


default_pipeline = Pipeline()
"""The pipeline behind `to_response` and endpoints created without encoders/pipeline."""


def to_response(value: Any, *, encoders: Encoders = None) -> Response[Any]:
    """The Response for `value` by the default rules (module docstring)."""
    if encoders is None:
        return default_pipeline.to_response(value)
    return Pipeline(encoders).to_response(value)


async def to_response_async(value: Any, *, encoders: Encoders = None) -> Response[Any]:
    """`to_response` for a value that may be a coroutine: awaited here, not when sent."""
    pipeline = default_pipeline if encoders is None else Pipeline(encoders)
    return await pipeline.to_response_async(value)


def make_response(
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    response_class: type[Response[Any]] = JSONResponse,
    background: Any = None,
    encoders: Encoders = None,
) -> Response[Any]:
    """`response_class(content, ...)`, JSON by default, as Lilya's `make_response` builds it.

    The content is rendered as the class renders it (no tuple or str rules); `media_type`
    None keeps the class's own.
    """
    return response_class(
        content,
        status_code=status_code,
        headers=headers,
        media_type=media_type,
        background=background,
        encoders=encoders,
    )
