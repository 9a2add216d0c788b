"""egress: turn what web handlers return into fast, correct HTTP responses."""

from egress.encoders import (
    EncodeError,
    Encoder,
    EncoderRegistry,
    dumps,
    register_encoder,
    registry,
    to_jsonable,
)

__all__ = [
    "EncodeError",
    "Encoder",
    "EncoderRegistry",
    "dumps",
    "register_encoder",
    "registry",
    "to_jsonable",
]
