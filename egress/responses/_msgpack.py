"""`MessagePackResponse`: the JSON form of a value, packed as MessagePack by msgspec.

Why not hand the value to `msgspec.msgpack.encode` directly: msgspec writes several types
its own MessagePack way and calls an `enc_hook` only for the types it does not know, so
the registry could not be heard for those. A datetime becomes MessagePack's timestamp
extension (the JSON form is its RFC 3339 string), bytes become a binary item (JSON: base64
text), NaN stays a float (JSON: null), and an encoder a user registers for a type msgspec
knows (a datetime in another format, an Enum, a dict subclass) would be skipped. So the
route is the JSON engine's own bytes, decoded and packed by msgspec's C code
(`msgspec.json.Decoder`, `msgspec.msgpack.Encoder`): the same registry, every override and
every engine rule included, and decoding the MessagePack gives exactly the data decoding
the JSON gives. `benchmarks/msgpack.py` measures what the detour costs.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from egress.encoders import EncodeError, EncoderRegistry
from egress.responses._base import Response

__all__ = ["MSGPACK_TYPES", "MessagePackResponse", "packb"]

T = TypeVar("T")

MSGPACK_TYPES = ("application/vnd.msgpack", "application/msgpack", "application/x-msgpack")
"""The registered name first, then the two older names clients still send."""

_decode = msgspec.json.Decoder().decode
_encode = msgspec.msgpack.Encoder().encode


def packb(registry: EncoderRegistry, value: Any) -> bytes:
    """MessagePack bytes of the data `registry.dumps(value)` writes as JSON."""
    data = _decode(registry.dumps(value))
    try:
        return _encode(data)
    except OverflowError:
        raise EncodeError(
            "an integer is outside the 64-bit range MessagePack can carry",
            type_name="int",
            hint="Send it as a str instead",
        ) from None


class MessagePackResponse(Response[T]):
    """MessagePack bytes from the response's `encoders` (or the default registry): the
    values of the JSON form (a datetime is its RFC 3339 string), packed. A str is packed
    as a string; bytes are taken as already-packed MessagePack."""

    media_type = "application/vnd.msgpack"

    def render(self, content: Any) -> bytes:
        return packb(self.encoders, content)
