"""`@endpoint(etag=True)`: strong ETags for complete 200 responses, and 304 Not Modified.

Two layers around `send`, because the cache sits between them:

    response ─► tag_complete_responses ─► (cache recorder) ─► not_modified_when_matched ─► server

`tag_complete_responses` gives a complete 200 response (its head and one final body
message) an `ETag` hashed from the body, so the cache stores and replays the tag with the
response. `not_modified_when_matched` answers the request's `If-None-Match` on the way
out, per request, so a 304 is never what the cache holds: a cached 200 answers 304 to a
client whose tag matches and the whole body to the next one.

Streams (no Content-Length, or more than one body message), files sent by path and
responses that are not 200 pass through untouched; a response that already carries an
`ETag` keeps it, and is answered 304 on a match like any other.

The hash is BLAKE2b with a 16-byte digest: in the standard library with no OpenSSL
dependency (so also where MD5 is disabled), about 1 GB/s in software on any 64-bit
CPU (MD5 is slower, SHA-256 faster only with SHA extensions), and 128 bits that nobody
can make collide, so a strong validator cannot be forged by crafting a body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from egress.types import Message, Send

__all__ = ["if_none_match", "not_modified_when_matched", "tag_complete_responses"]


# An entity-tag (RFC 9110 §8.8.3): an optional weak prefix and an opaque tag in quotes,
# whose characters may include commas; the group is the opaque tag.
_TAG = rb'(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"'
_ONE_TAG = re.compile(_TAG)
# If-None-Match: a comma-separated list of tags; empty members and spaces are allowed.
# Written so that no two parts can match the same characters: linear time on any input.
_TAG_LIST = re.compile(rb"(?:[ \t]*(?:%s[ \t]*)?,)*[ \t]*(?:%s[ \t]*)?" % (_TAG, _TAG))
# Headers that describe the body itself: a 304 has none (RFC 9110 §15.4.5).
_BODY_HEADERS = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-language",
        b"content-disposition",
    }
)


def etag_of(body: bytes | bytearray | memoryview) -> bytes:
    """The strong entity-tag of `body`, quoted: `"<32 hex digits>"`."""
    return b'"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest().encode("ascii")


def if_none_match(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The request's If-None-Match (ASGI header names are lower-case), repeated fields
    joined with commas; None if absent."""
    found = [value for name, value in headers if name == b"if-none-match"]
    return b", ".join(found) if found else None


def matches(condition: bytes, etag: bytes) -> bool:
    """Whether `etag` (a response's ETag) matches `condition` (an If-None-Match field
    value) by the weak comparison RFC 9110 §13.1.2 asks for: `*`, or a listed tag equal
    to it once `W/` prefixes are ignored. A field that is not a valid list matches
    nothing, so such a client simply gets the full response."""
    if condition.strip(b" \t") == b"*":
        return True
    ours = _ONE_TAG.fullmatch(etag)
    if ours is None or _TAG_LIST.fullmatch(condition) is None:
        return False
    return ours.group(1) in _ONE_TAG.findall(condition)


def _complete_200(start: Message) -> tuple[bool, bytes | None]:
    """Whether `start` opens a 200 response that says its length (what every complete
    response egress makes does, and no stream), and its ETag if it has one."""
    if start["status"] != 200:
        return False, None
    etag, sized = None, False
    for name, value in start.get("headers", ()):
        name = name.lower()
        if name == b"etag":
            etag = bytes(value)
        elif name == b"content-length":
            sized = True
    return sized, etag


def tag_complete_responses(send: Send) -> Send:
    """`send`, adding a strong ETag hashed from the body to a complete 200 response that
    has none. The head of a 200 with a Content-Length is held until the first body
    message shows that it is the whole body (a stream's head is never held); the
    message sent is a new one, the response's own is left as it was."""
    held: Message | None = None
    passing = False

    async def tagging(message: Message) -> None:
        nonlocal held, passing
        if passing:
            await send(message)
        elif held is None:
            complete, etag = _complete_200(message)
            if complete and etag is None:
                held = message
            else:
                passing = True
                await send(message)
        else:
            passing = True
            if message["type"] == "http.response.body" and not message.get("more_body"):
                headers = [*held["headers"], (b"etag", etag_of(message.get("body", b"")))]
                held = {**held, "headers": headers}
            await send(held)
            await send(message)

    return tagging


def not_modified_when_matched(send: Send, condition: bytes) -> Send:
    """`send` for a request with `If-None-Match: condition`: a complete 200 response whose
    ETag matches goes out as 304 Not Modified, with its headers less those describing
    the body, and no body. Anything else passes through as it is."""
    held: Message | None = None
    passing = False

    async def answering(message: Message) -> None:
        nonlocal held, passing
        if passing:
            await send(message)
        elif held is None:
            complete, etag = _complete_200(message)
            if complete and etag is not None and matches(condition, etag):
                held = message
            else:
                passing = True
                await send(message)
        else:
            passing = True
            if message["type"] == "http.response.body" and not message.get("more_body"):
                headers = [pair for pair in held["headers"] if pair[0].lower() not in _BODY_HEADERS]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
            else:
                await send(held)
                await send(message)

    return answering
