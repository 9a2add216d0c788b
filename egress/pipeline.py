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

import copy
import inspect
from collections.abc import Awaitable, Mapping, Sequence
from types import EllipsisType
from typing import Any

from egress._http_error import HTTPError
from egress._protocol import result_method
from egress._representations import negotiated
from egress.encoders import Encoder, EncoderRegistry
from egress.encoders import registry as default_registry
from egress.encoders._engine import Site
from egress.encoders._scoped import registry_for
from egress.responses import JSONResponse, PlainText, Response
from egress.responses._base import PLAIN_TYPES, with_body
from egress.responses._conversion import use_conversion
from egress.responses._headers import Headers, RawHeaders, encode_headers

__all__ = [
    "MAX_PROTOCOL_DEPTH",
    "Deferred",
    "HTTPError",
    "Pipeline",
    "make_response",
    "split_tuple",
    "to_response",
    "to_response_async",
]

Encoders = EncoderRegistry | Sequence[Encoder[Any] | type[Encoder[Any]]] | None
Accept = str | bytes | None | EllipsisType
"""A request's Accept field (None: the request had none); `...`: do not negotiate."""

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
    for str, the status for None, whether tuples may be response specs, and whether data
    is sent in the representation the request's Accept prefers (`negotiate`: endpoints
    and integrations then pass the Accept field as `accept=`)."""

    def __init__(
        self,
        encoders: Encoders = None,
        json_class: type[Response[Any]] = JSONResponse,
        str_class: type[Response[Any]] = PlainText,
        none_status: int = 204,
        tuples: bool = True,
        negotiate: bool = False,
    ) -> None:
        self.registry = registry_for(encoders)
        self.negotiate = negotiate
        self._site = Site()  # which engine writes this pipeline's documents (encoders._engine)
        self.json_class = json_class
        self.str_class = str_class
        self.none_status = none_status
        self.tuples = tuples

    @property
    def json_class(self) -> type[Response[Any]]:
        """The class of the response for JSON values."""
        return self._json_class

    @json_class.setter
    def json_class(self, json_class: type[Response[Any]]) -> None:
        self._json_class = json_class
        # JSON without a status or headers of its own goes straight to JSON bytes and a
        # response built around them (`with_body`), unless the class renders or constructs
        # in its own way; `to_response` takes that path for a dict or a list at once.
        direct = json_class.render is JSONResponse.render and (
            json_class.__init__ is JSONResponse.__init__ or json_class.__init__ is Response.__init__
        )
        self._direct_json = json_class if direct else None

    def to_response(self, value: Any, *, accept: Accept = ...) -> Response[Any]:
        """The Response for a handler's return value; EncodeError if it cannot be encoded.
        Data is negotiated when `accept` is given (the request's Accept field, None when
        it had none) or when the pipeline negotiates."""
        if accept is ...:
            if self.negotiate:
                accept = None  # a negotiating pipeline called without a request's Accept
            else:
                kind = value.__class__
                json_class = self._direct_json
                if (kind is dict or kind is list) and json_class is not None:  # the common case
                    registry = self.registry
                    return with_body(json_class, self._site.dumps(registry, value), registry)
        return self._convert(value, None, None, 0, accept)

    async def to_response_async(self, value: Any, *, accept: Accept = ...) -> Response[Any]:
        """Like `to_response`, but awaits an awaitable value first (and what it returns, if
        that is awaitable too), so the Response has its body when this returns."""
        while value.__class__ not in PLAIN_TYPES and _awaitable(value):  # no ABC check for those
            value = await value
        response = self.to_response(value, accept=accept)
        if response._pending is not None:
            await response.resolve_async_content()
        return response

    def _convert(
        self,
        value: Any,
        status: int | None,
        headers: RawHeaders | None,
        depth: int,
        accept: Accept = ...,
    ) -> Response[Any]:
        """`value`'s Response; `status` and `headers` (a tuple's, or what a constructor was
        given explicitly) win over the value's own."""
        kind = type(value)
        if kind is dict or kind is list:
            return self._data(value, status, headers, accept)
        if isinstance(value, Response):
            return _override(value, status, headers)
        if kind is str:
            return self.str_class(value, status_code=status, headers=_given(headers))
        if value is None:
            return Response(None, status_code=status or self.none_status, headers=_given(headers))
        if isinstance(value, _BYTES_TYPES):
            return Response(
                bytes(value),
                status_code=status,
                headers=_given(headers),
                media_type="application/octet-stream",
            )
        if kind is tuple and self.tuples:
            spec = split_tuple(value)
            if spec is not None:
                body, spec_status, spec_headers = spec
                inner = None if spec_headers is None else encode_headers(spec_headers)
                merged = _merge(inner, headers)
                return self._convert(body, status or spec_status, merged, depth, accept)
        found = result_method(value)
        if found is not None:
            name, method = found
            if depth >= MAX_PROTOCOL_DEPTH:
                raise TypeError(
                    f"{kind.__qualname__}.{name}() did not lead to a response "
                    f"after {MAX_PROTOCOL_DEPTH} conversions; it must return a Response or a "
                    "plain value (str, dict, tuple...), not an object that returns itself"
                )
            return self._convert(method(), status, headers, depth + 1, accept)
        if inspect.iscoroutine(value):
            return Deferred(value, self, status, headers, depth, accept)
        if isinstance(value, str):
            return self.str_class(value, status_code=status, headers=_given(headers))
        return self._data(value, status, headers, accept)

    def _data(
        self, value: Any, status: int | None, headers: RawHeaders | None, accept: Accept
    ) -> Response[Any]:
        if accept is ...:
            return self._json(value, status, headers)
        return negotiated(value, accept, status, headers, self.registry, self._json)

    def _json(self, value: Any, status: int | None, headers: RawHeaders | None) -> Response[Any]:
        json_class = self._direct_json
        if json_class is not None and status is None and headers is None:
            registry = self.registry
            return with_body(json_class, self._site.dumps(registry, value), registry)
        return self.json_class(
            value, status_code=status, headers=_given(headers), encoders=self.registry
        )


class Deferred(Response[Any]):
    """What a coroutine converts to: a Response whose head is the status and headers given
    beside the coroutine (a tuple's); the coroutine is awaited and its value converted when
    the response is sent, or when `resolve_async_content()` is awaited."""

    def __init__(
        self,
        coroutine: Awaitable[Any],
        pipeline: Pipeline,
        status: int | None,
        headers: RawHeaders | None,
        depth: int,
        accept: Accept = ...,
    ) -> None:
        self._init_head(status, _given(headers), None, None)

        async def convert() -> None:
            # the head as it is now: a middleware may have set headers meanwhile
            value = await coroutine
            self._become(pipeline._convert(value, status, self.raw_headers, depth, accept))

        self._pending = convert


def _awaitable(value: object) -> bool:
    return inspect.isawaitable(value) and not isinstance(value, Response)


def _given(headers: RawHeaders | None) -> Headers | None:
    """Headers already validated, handed to a constructor without being checked again."""
    return None if headers is None else Headers._view(headers)


def _merge(inner: RawHeaders | None, outer: RawHeaders | None) -> RawHeaders | None:
    """`inner` with `outer` winning: an outer header replaces the inner ones of its name,
    except Set-Cookie, of which every one is kept."""
    if not outer:
        return inner
    if not inner:
        return outer
    names = {name for name, _ in outer if name != b"set-cookie"}
    return [pair for pair in inner if pair[0] not in names] + outer


def _has_rendered_body(response: Response[Any]) -> bool:
    try:
        return bool(response.body)
    except (AttributeError, RuntimeError):  # a stream, or content not resolved yet
        return False


def _override(
    response: Response[Any], status: int | None, headers: RawHeaders | None
) -> Response[Any]:
    """A tuple's (or a constructor's) status and headers applied to a Response the body
    already was. A complete response may be shared (a module-level `NOT_FOUND`): a copy
    is changed, never the response itself."""
    if status is None and not headers:
        return response
    if response._pending is None:
        response = copy.copy(response)
        response.raw_headers = list(response.raw_headers)
    if status is not None:
        if status < 200 or status in (204, 304):
            if _has_rendered_body(response):
                raise ValueError(
                    f"a {status} response carries no body, but the tuple's body rendered "
                    f"{type(response).__name__} content; return (None, {status}) instead"
                )
            response.raw_headers[:] = [p for p in response.raw_headers if p[0] != b"content-length"]
        response.status_code = status
    if headers:
        response.raw_headers[:] = _merge(response.raw_headers, headers) or []
    return response


class _ResultConversion:
    """The responses' way to the pipeline: `Response(obj)` for an object with the result
    protocol converts it with the rules above, layered over the response's registry."""

    def converts(self, content: object) -> bool:
        return result_method(content) is not None

    def convert(
        self,
        content: object,
        encoders: EncoderRegistry,
        status_code: int | None,
        headers: RawHeaders,
    ) -> Response[Any]:
        if result_method(content) is None:
            raise TypeError(
                f"body_translate='result' needs an object with __response__() or "
                f"__view_result__(), got {type(content).__name__}"
            )
        pipeline = default_pipeline if encoders is default_registry else Pipeline(encoders)
        return pipeline._convert(content, status_code, headers, 0)


default_pipeline = Pipeline()
"""The pipeline behind `to_response` and endpoints created without encoders/pipeline."""

use_conversion(_ResultConversion())


def to_response(value: Any, *, encoders: Encoders = None, accept: Accept = ...) -> Response[Any]:
    """The Response for `value` by the default rules (module docstring); with `accept=`
    (the request's Accept field, None when it had none), data goes out in the
    representation it prefers, with `Vary: Accept`, or as a 406."""
    if encoders is None:
        return default_pipeline.to_response(value, accept=accept)
    return Pipeline(encoders).to_response(value, accept=accept)


async def to_response_async(
    value: Any, *, encoders: Encoders = None, accept: Accept = ...
) -> Response[Any]:
    """`to_response` for a value that may be a coroutine: awaited here, not when sent."""
    pipeline = default_pipeline if encoders is None else Pipeline(encoders)
    return await pipeline.to_response_async(value, accept=accept)


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
