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
from egress.responses import BackgroundTask, BackgroundTasks, Response

__all__ = [
    "BackgroundTask",
    "BackgroundTasks",
    "EncodeError",
    "Encoder",
    "EncoderRegistry",
    "Response",
    "dumps",
    "register_encoder",
    "registry",
    "to_jsonable",
]
