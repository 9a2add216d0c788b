"""Serving the middleware-stack app (`tests.apps_stacks`) and reading what its
responses carry on the wire, before any decoding by the client."""

from __future__ import annotations

import contextlib
import gzip
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests._servers import serve

TIMEOUT = httpx.Timeout(10.0)
ORIGIN = "https://client.example"


@dataclass(frozen=True)
class Stack:
    server: str
    url: str
    directory: Path


@contextlib.contextmanager
def serve_stack(server: str, directory: Path) -> Iterator[Stack]:
    with serve("tests.apps_stacks:app", server, env={"EGRESS_STACK_DIR": str(directory)}) as url:
        yield Stack(server, url, directory)


@dataclass(frozen=True)
class Variant:
    """What a request asks for: gzip or identity, with or without an Origin header."""

    gzip: bool
    origin: bool

    def headers(self) -> dict[str, str]:
        headers = {"accept-encoding": "gzip" if self.gzip else "identity"}
        if self.origin:
            headers["origin"] = ORIGIN
        return headers

    def __str__(self) -> str:
        encoding = "gzip" if self.gzip else "identity"
        return f"{encoding}, {'with' if self.origin else 'without'} Origin"


def variants(count: int) -> list[Variant]:
    """gzip and identity alternate, and Origin is on for two requests then off for two:
    every four requests cover the four combinations, and each request asks for
    something other than the one before it (what a replay would get wrong)."""
    return [Variant(gzip=number % 2 == 0, origin=number // 2 % 2 == 0) for number in range(count)]


@dataclass(frozen=True)
class Wire:
    """A response as it was sent: status, header pairs in order, undecoded body."""

    status: int
    headers: list[tuple[str, str]]
    raw: bytes
    request_id: str

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    def decoded(self) -> bytes:
        """The body with its Content-Encoding undone (gzip is the only one in play)."""
        encodings = self.values("content-encoding")
        if encodings == ["gzip"]:
            return gzip.decompress(self.raw)
        assert encodings == [], f"unexpected Content-Encoding {encodings}"
        return self.raw


def _request_headers(variant: Variant, headers: dict[str, str] | None) -> dict[str, str]:
    return {**variant.headers(), "x-request-id": uuid.uuid4().hex, **(headers or {})}


def _wire(response: httpx.Response, raw: bytes) -> Wire:
    pairs = [(k.decode().lower(), v.decode()) for k, v in response.headers.raw]
    return Wire(response.status_code, pairs, raw, response.request.headers["x-request-id"])


def fetch(
    client: httpx.Client, path: str, variant: Variant, headers: dict[str, str] | None = None
) -> Wire:
    """GET `path` with a fresh `x-request-id`; the body is read raw (httpx would
    otherwise decode gzip itself and hide what the server sent)."""
    try:
        with client.stream("GET", path, headers=_request_headers(variant, headers)) as response:
            return _wire(response, b"".join(response.iter_raw()))
    except httpx.HTTPError as error:
        raise AssertionError(f"GET {path} ({variant}) failed: {error!r}") from error


async def fetch_async(client: httpx.AsyncClient, path: str, variant: Variant) -> Wire:
    """`fetch` for an async client."""
    try:
        async with client.stream("GET", path, headers=_request_headers(variant, None)) as response:
            return _wire(response, b"".join([chunk async for chunk in response.aiter_raw()]))
    except httpx.HTTPError as error:
        raise AssertionError(f"GET {path} ({variant}) failed: {error!r}") from error
