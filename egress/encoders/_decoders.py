"""Where the registry finds `Decoders` until it imports them from their home,
`egress._decoding` (the endpoints' request-text decoders)."""

from egress._decoding import Decoders

__all__ = ["Decoders"]
