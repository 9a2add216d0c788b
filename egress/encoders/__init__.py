"""The encoder registry: priority-ordered type handlers that turn values into JSON bytes."""

from egress.encoders._encoder import Encoder
from egress.encoders._errors import EncodeError
from egress.encoders._exact import datetime_exact
from egress.encoders._registry import (
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
    "datetime_exact",
    "dumps",
    "register_encoder",
    "registry",
    "to_jsonable",
]
