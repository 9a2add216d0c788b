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
from egress.endpoints import Endpoint, Request, endpoint
from egress.pipeline import (
    HTTPError,
    Pipeline,
    make_response,
    to_response,
    to_response_async,
)
from egress.responses import BackgroundTask, BackgroundTasks, Response

__all__ = [
    "BackgroundTask",
    "BackgroundTasks",
    "EncodeError",
    "Encoder",
    "EncoderRegistry",
    "Endpoint",
    "HTTPError",
    "Pipeline",
    "Request",
    "Response",
    "dumps",
    "endpoint",
    "make_response",
    "register_encoder",
    "registry",
    "to_jsonable",
    "to_response",
    "to_response_async",
]
