"""JSON responses: the body is the registry's encoding of the content."""

from __future__ import annotations

from typing import Any, TypeVar

from egress.encoders._engine import Site
from egress.responses._base import Response

__all__ = ["JSON", "JSONResponse", "JsonResponse", "Ok"]

T = TypeVar("T")
_site = Site()  # which engine writes the documents JSON responses render (encoders._engine)


class JSONResponse(Response[T]):
    """JSON bytes from the response's `encoders` (or the default registry). A str is
    sent as a JSON string; bytes are taken as already-encoded JSON."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _site.dumps(self.encoders, content)


class Ok(JSONResponse[T]):
    """A 200 JSON response, by name."""


JsonResponse = JSONResponse
JSON = JSONResponse
