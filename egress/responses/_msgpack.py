"""`MessagePackResponse`: the JSON form of a value, packed as MessagePack by msgspec.

Why not hand the value to `msgspec.msgpack.encode` directly: msgspec writes several types
its own MessagePack way and calls an `enc_hook` only for the types it does not know, so
the registry could not be heard for those (a datetime would become a timestamp extension,
bytes a binary item, NaN a float, and a user's encoder for a datetime would be skipped).
`egress.encoders._packing` chooses how msgspec writes the JSON form's data instead, at
close to its own speed where it may, so decoding the MessagePack gives exactly the data
decoding the JSON gives.
"""

from __future__ import annotations

from typing import Any, TypeVar

from egress.encoders._packing import packb
from egress.responses._base import Response

__all__ = ["MSGPACK_TYPES", "MessagePackResponse", "packb"]

T = TypeVar("T")

MSGPACK_TYPES = ("application/vnd.msgpack", "application/msgpack", "application/x-msgpack")
"""The registered name first, then the two older names clients still send."""


class MessagePackResponse(Response[T]):
    """MessagePack bytes from the response's `encoders` (or the default registry): the
    values of the JSON form (a datetime is its RFC 3339 string), packed. A str is packed
    as a string; bytes are taken as already-packed MessagePack."""

    media_type = "application/vnd.msgpack"

    def render(self, content: Any) -> bytes:
        return packb(self.encoders, content)
