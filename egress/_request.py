"""Request: the small, lazy view of an ASGI HTTP scope that endpoints hand to handlers.

The body is read at most up to `max_body_size` bytes: a client cannot make the process
buffer an upload of any size just because a handler asked for the body.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from egress._http_error import HTTPError
from egress.types import Receive, Scope

# Scope is listed for the modules that still import it from here; its home is egress.types.
__all__ = ["DEFAULT_MAX_BODY_SIZE", "Request", "RequestHeaders", "Scope"]

DEFAULT_MAX_BODY_SIZE = 10_000_000
"""Bytes of request body a Request reads by default: Litestar's default limit
(`request_max_body_size` of `litestar.app.Litestar`)."""


class RequestHeaders(Mapping[str, str]):
    """Request headers as a case-insensitive mapping; repeated headers are joined with ", "
    (cookies with "; "), as RFC 9110 allows for every list-valued field."""

    __slots__ = ("_values",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        values: dict[str, str] = {}
        for raw_name, raw_value in raw:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name in values:
                separator = "; " if name == "cookie" else ", "
                values[name] = values[name] + separator + value
            else:
                values[name] = value
        self._values = values

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"RequestHeaders({self._values!r})"


def parse_query(query_string: bytes) -> dict[str, str]:
    """Query parameters by name; when a name repeats, the last value wins."""
    if not query_string:
        return {}
    return dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


def parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, separator, value = pair.partition("=")
        name = name.strip()
        if separator and name:
            cookies[name] = value.strip().strip('"')
    return cookies


def _too_large(limit: int) -> HTTPError:
    return HTTPError(
        413,
        f"the request body is larger than {limit} bytes, this endpoint's limit; raise it "
        "with @endpoint(max_body_size=...) (None for no limit)",
    )


class Request:
    """What a handler may want to know about the request: method, path, headers, query
    parameters, cookies and the body (at most `max_body_size` bytes; None: no limit).
    Everything is parsed on first use only."""

    __slots__ = ("_body", "_cookies", "_headers", "_query", "max_body_size", "receive", "scope")

    def __init__(
        self, scope: Scope, receive: Receive, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.max_body_size = max_body_size
        self._headers: RequestHeaders | None = None
        self._query: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        self._body: bytes | None = None

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def path_params(self) -> dict[str, Any]:
        return dict(self.scope.get("path_params") or {})

    @property
    def headers(self) -> RequestHeaders:
        if self._headers is None:
            self._headers = RequestHeaders(self.scope.get("headers") or [])
        return self._headers

    @property
    def query_params(self) -> dict[str, str]:
        if self._query is None:
            self._query = parse_query(self.scope.get("query_string", b""))
        return self._query

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookies(self.headers.get("cookie", ""))
        return self._cookies

    async def body(self) -> bytes:
        """The whole request body, read once and kept for later calls.

        More than `max_body_size` bytes is a 413: at once when Content-Length announces
        it, else as soon as the chunks received pass the limit (the rest is not read).
        """
        if self._body is None:
            limit = self.max_body_size
            if limit is not None and self._declared_length() > limit:
                raise _too_large(limit)
            chunks: list[bytes] = []
            received = 0
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    raise HTTPError(400, "the client disconnected before sending the whole body")
                chunk = message.get("body", b"")
                received += len(chunk)
                if limit is not None and received > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body

    def _declared_length(self) -> int:
        """The Content-Length header's value; 0 when absent (the chunks are counted)."""
        declared = self.headers.get("content-length")
        if declared is None:
            return 0
        if not (declared.isascii() and declared.isdigit() and len(declared) <= 20):
            raise HTTPError(400, f"the Content-Length header is not a byte count: {declared!r}")
        return int(declared)

    async def json(self) -> Any:
        """The body parsed as JSON; a body that is not JSON answers 400."""
        try:
            return orjson.loads(await self.body())
        except orjson.JSONDecodeError as error:
            raise HTTPError(400, f"the request body is not valid JSON: {error}") from None

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path})"
