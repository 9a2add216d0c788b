"""Response headers: validation, the case-insensitive multi-value view, HTTP dates.

A response keeps its headers as the list of lower-cased latin-1 byte pairs that ASGI
sends (`raw_headers`), so nothing is converted when the response is sent. Every header
is validated once, where it enters (a constructor, `headers[...] = `, `append`, a
`Headers` built by hand); `response.headers` is a view over the response's own list,
so reading and editing it edits what is sent without checking those pairs again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Union

__all__ = [
    "TOKEN",
    "Headers",
    "HeadersInput",
    "RawHeaders",
    "content_type_header",
    "describe_character",
    "encode_header",
    "encode_headers",
    "http_date",
    "refuse_control_characters",
]

RawHeaders = list[tuple[bytes, bytes]]
HeadersInput = Union[
    Mapping[str, str], Iterable[tuple[str, str]], Iterable[tuple[bytes, bytes]], "Headers", None
]

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""An HTTP token (RFC 9110 §5.6.2): what a header or cookie name must be."""

# Every C0 control character but HTAB, and DEL. CR, LF and NUL split or end the
# header block; the others reach the wire raw on some servers and break the response
# (or a terminal) on others. RFC 9110 §5.5 allows none of them in a field value.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_NAMES = (
    *("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HTAB", "LF", "VT"),
    *("FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB"),
    *("CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"),
)


def describe_character(char: str) -> str:
    """How an error names a character: `ESC (0x1B)` for a control character, `';'` else."""
    code = ord(char)
    if code < 0x20:
        return f"the control character {_CONTROL_NAMES[code]} (0x{code:02X})"
    if code == 0x7F:
        return "the control character DEL (0x7F)"
    return repr(char)


def refuse_control_characters(what: str, text: str) -> None:
    """ValueError naming `what` and the character when `text` holds a control character
    other than HTAB."""
    found = _CONTROL.search(text)
    if found is not None:
        raise _control_error(what, text, found.group())


def _control_error(what: str, text: str, char: str) -> ValueError:
    return ValueError(
        f"{what} {text!r} contains {describe_character(char)}; no control character but "
        "HTAB is allowed there (CR, LF or NUL could split the response)"
    )


def encode_header(name: str | bytes, value: str | bytes) -> tuple[bytes, bytes]:
    """Validate one header and return its ASGI form (lower-cased name, latin-1 bytes).

    The name must be an HTTP token and the value latin-1 without control characters
    (HTAB aside): anything else could split the header block or reach the client raw,
    so it is refused before anything is sent. A pair in the ASGI form (bytes) is
    checked the same way.
    """
    if isinstance(name, bytes) and isinstance(value, bytes):
        name, value = name.decode("latin-1"), value.decode("latin-1")
    if not isinstance(name, str) or not TOKEN.fullmatch(name):
        raise ValueError(
            f"invalid header name {name!r}: a header name is an HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~), without spaces, colons or control characters"
        )
    if not isinstance(value, str):
        raise TypeError(f"header {name!r}: value must be a str, got {type(value).__name__}")
    found = _CONTROL.search(value)
    if found is not None:
        raise _control_error(f"header {name!r}: value", value, found.group())
    try:
        encoded = value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"header {name!r}: value {value!r} is not latin-1; percent-encode it "
            "(urllib.parse.quote) or use an RFC 8187 encoded form"
        ) from None
    return name.lower().encode("latin-1"), encoded


@functools.lru_cache(maxsize=256)
def content_type_header(media_type: str | None, charset: str) -> tuple[bytes, bytes] | None:
    """The Content-Type header for `media_type` (None: no header), `charset` added to a
    text/* type that names none; ValueError for a media type that is no header value.

    Cached, so a response computes it from its class attributes each time it is built (a
    media type assigned to a class later is the one sent) for the price of a lookup.
    """
    if media_type is None:
        return None
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = f"{media_type}; charset={charset}"
    return encode_header("content-type", media_type)


def encode_headers(
    headers: Mapping[str, str]
    | Iterable[tuple[str, str]]
    | Iterable[tuple[bytes, bytes]]
    | Headers,
) -> RawHeaders:
    """Validated ASGI pairs from a mapping, a `Headers` (already validated: copied), or
    an iterable of (name, value) pairs of str or of bytes."""
    if isinstance(headers, Headers):
        return list(headers.raw)
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [encode_header(name, value) for name, value in pairs]


def _lookup_name(key: str) -> bytes:
    """`key` as stored. A character latin-1 lacks becomes '?', which no valid (token)
    name holds, so looking up such a key finds nothing instead of raising."""
    return key.lower().encode("latin-1", "replace")


class Headers(MutableMapping[str, str]):
    """HTTP headers, as a case-insensitive multi-dict.

    `Headers(...)` takes a mapping, (name, value) pairs of str, or the ASGI form (pairs
    of bytes), and validates every pair. `response.headers` is a view over what the
    response sends. `headers["x"]` is the first value; `getlist("set-cookie")` gives
    every one; assigning replaces all values of a name; `append` adds one more.
    Iteration yields each name once, lower-cased. `raw` is the ASGI list itself:
    what you put there directly is not checked.
    """

    __slots__ = ("raw",)

    def __init__(self, headers: HeadersInput = None) -> None:
        self.raw: RawHeaders = [] if headers is None else encode_headers(headers)

    @classmethod
    def _view(cls, raw: RawHeaders) -> Headers:
        """A view over `raw` itself, whose pairs were validated when they entered (a
        response's own headers): edits through it change `raw`."""
        view = cls.__new__(cls)
        view.raw = raw
        return view

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
