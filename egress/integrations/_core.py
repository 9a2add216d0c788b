"""What every framework plugin asks of egress, in one place: the plugins stay thin.

A framework hands egress what a handler returned. Either it is a response of its own (an
egress Response, or an object with the result protocol), sent as it is; or it is data,
which the framework has validated and filtered already and which egress encodes with its
registry (or converts by a Pipeline's rules, when the plugin was given one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from egress._protocol import result_method
from egress.encoders import EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.pipeline import Accept, Pipeline, to_response
from egress.responses import JSONResponse, Response

__all__ = ["Encoders", "Encoding"]

Encoders = EncoderRegistry | Sequence[Any] | None

_BYTES = (bytes, bytearray, memoryview)


class Encoding:
    """One plugin's choice of registry or Pipeline, checked where the plugin is made."""

    __slots__ = ("encoders", "pipeline", "registry")

    def __init__(self, encoders: Encoders, pipeline: Pipeline | None, owner: str) -> None:
        if encoders is not None and pipeline is not None:
            raise TypeError(
                f"{owner} was given encoders and a pipeline: a Pipeline has its own "
                "encoders, so give pipeline=Pipeline(encoders=...) alone"
            )
        if pipeline is not None and not isinstance(pipeline, Pipeline):
            raise TypeError(f"{owner}: pipeline= takes an egress Pipeline, got {pipeline!r}")
        self.encoders = encoders
        self.pipeline = pipeline
        self.registry = pipeline.registry if pipeline is not None else registry_for(encoders)

    @staticmethod
    def is_response(value: object) -> bool:
        """True for a value that is a response of its own: an egress Response, or an
        object with the result protocol (`__response__`), such as `HTTPError`."""
        return isinstance(value, Response) or result_method(value) is not None

    def response(self, value: Any, accept: Accept = ...) -> Response[Any]:
        """The egress Response for a value that is a response of its own (`accept`: the
        request's Accept field, for a negotiating Pipeline)."""
        if self.pipeline is not None:
            return self.pipeline.to_response(value, accept=accept)
        return to_response(value, encoders=self.encoders)

    def data(self, value: Any, accept: Accept = ...) -> Response[Any]:
        """The JSON response for data the framework has validated: every value is JSON
        (bytes as base64, None as `null`), or a Pipeline's rules when there is one (which
        negotiates the representation by `accept` when it was made to)."""
        if self.pipeline is not None:
            return self.pipeline.to_response(value, accept=accept)
        if isinstance(value, _BYTES):
            # Encoded like any other value (base64, as bytes nested in JSON), where a
            # JSONResponse would take bytes for JSON already encoded.
            return JSONResponse(value, encoders=self.encoders, body_translate="custom")
        if self.encoders is None:
            return JSONResponse(value)
        return JSONResponse(value, encoders=self.encoders)

    def dumps(self, value: Any) -> bytes:
        """The JSON bytes of data, by the registry."""
        return self.registry.dumps(value)
