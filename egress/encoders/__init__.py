"""The encoder registry: priority-ordered type handlers that turn values into JSON bytes."""

from egress.encoders._registry import (
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
