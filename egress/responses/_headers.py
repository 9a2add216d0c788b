"""Response headers: validation, the case-insensitive multi-value view, HTTP dates.

A response keeps its headers as the list of lower-cased latin-1 byte pairs that ASGI
sends (`raw_headers`), so nothing is converted when the response is sent. `Headers`
is a view over that very list: reading and editing it edits what is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Union

__all__ = ["Headers", "HeadersInput", "RawHeaders", "encode_header", "encode_headers", "http_date"]

RawHeaders = list[tuple[bytes, bytes]]
HeadersInput = Union[Mapping[str, str], Iterable[tuple[str, str]], "Headers", None]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


def encode_header(name: str, value: str) -> tuple[bytes, bytes]:
    """Validate one header and return its ASGI form (lower-cased name, latin-1 bytes).

    A name that is not an HTTP token, or CR/LF/NUL anywhere, could split the header
    block (response splitting), so it is refused before anything is sent.
    """
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(
            f"invalid header name {name!r}: a header name is an HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~), without spaces, colons or control characters"
        )
    if not isinstance(value, str):
        raise TypeError(f"header {name!r}: value must be a str, got {type(value).__name__}")
    if _FORBIDDEN_IN_VALUE.search(value):
        raise ValueError(f"header {name!r}: value {value!r} contains CR, LF or NUL")
    try:
        encoded = value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"header {name!r}: value {value!r} is not latin-1; percent-encode it "
            "(urllib.parse.quote) or use an RFC 8187 encoded form"
        ) from None
    return name.lower().encode("latin-1"), encoded


def encode_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | Headers) -> RawHeaders:
    """Validated ASGI pairs from a mapping, a `Headers`, or an iterable of (name, value)."""
    if isinstance(headers, Headers):
        return list(headers.raw)
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [encode_header(name, value) for name, value in pairs]


def _lookup_name(key: str) -> bytes:
    """`key` as stored. A character latin-1 lacks becomes '?', which no valid (token)
    name holds, so looking up such a key finds nothing instead of raising."""
    return key.lower().encode("latin-1", "replace")


class Headers(MutableMapping[str, str]):
    """HTTP headers, as a case-insensitive multi-dict over a response's `raw_headers`.

    `headers["x"]` is the first value; `getlist("set-cookie")` gives every one;
    assigning replaces all values of a name; `append` adds one more. Iteration
    yields each name once, lower-cased.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: RawHeaders | None = None) -> None:
        self.raw: RawHeaders = [] if raw is None else raw

    def __getitem__(self, key: str) -> str:
        wanted = _lookup_name(key)
        for name, value in self.raw:
            if name == wanted:
                return value.decode("latin-1")
        raise KeyError(key)

    def getlist(self, key: str) -> list[str]:
        """Every value of `key`, in order (e.g. each `set-cookie`)."""
        wanted = _lookup_name(key)
        return [value.decode("latin-1") for name, value in self.raw if name == wanted]

    def __setitem__(self, key: str, value: str) -> None:
        pair = encode_header(key, value)
        self._remove(pair[0])
        self.raw.append(pair)

    def append(self, key: str, value: str) -> None:
        """Add a value without removing the existing ones."""
        self.raw.append(encode_header(key, value))

    def __delitem__(self, key: str) -> None:
        if not self._remove(_lookup_name(key)):
            raise KeyError(key)

    def _remove(self, name: bytes) -> bool:
        kept = [pair for pair in self.raw if pair[0] != name]
        removed = len(kept) != len(self.raw)
        self.raw[:] = kept
        return removed

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        wanted = _lookup_name(key)
        return any(name == wanted for name, _ in self.raw)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name.decode("latin-1") for name, _ in self.raw))

    def __len__(self) -> int:
        return len({name for name, _ in self.raw})

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (name, value) pair in order, repeated names included."""
        return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.raw]

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"


def http_date(value: float | datetime) -> str:
    """An IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), as Last-Modified and cookie
    Expires want it. A number is a Unix timestamp; a naive datetime is taken as UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.timestamp()
    return formatdate(value, usegmt=True)
