"""Other frameworks' objects met inside an endpoint, answered as their framework would.

A handler ported from Starlette, FastAPI or Lilya may still return one of their responses
or raise their HTTPException. Both are recognised by shape, so egress imports none of
those frameworks: a response is any object whose class has an ASGI `async __call__(scope,
receive, send)`, sent as it is; an exception with an int `status_code` and a `detail` is
an HTTPError with its headers.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from egress._http_error import HTTPError
from egress.responses import Response

__all__ = ["as_http_error", "is_foreign_response"]


@functools.lru_cache(maxsize=512)
def _asgi_class(kind: type) -> bool:
    call = getattr(kind, "__call__", None)  # noqa: B004 - the class's, not callable()
    if issubclass(kind, (Response, type)) or not inspect.iscoroutinefunction(call):
        return False
    assert call is not None
    try:
        parameters = inspect.signature(call).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 4  # self, scope, receive, send


def is_foreign_response(value: Any) -> bool:
    """True for another framework's response: an ASGI app object egress did not make."""
    kind = value.__class__
    return kind is not dict and kind is not list and _asgi_class(kind)


def as_http_error(error: Exception) -> HTTPError | None:
    """The HTTPError another framework's HTTP exception stands for; None for any other
    exception, or one whose status or detail an HTTPError cannot carry (a 500 then)."""
    status = getattr(error, "status_code", None)
    if isinstance(status, bool) or not isinstance(status, int) or not hasattr(error, "detail"):
        return None
    try:
        return HTTPError(status, error.detail, getattr(error, "headers", None) or None)
    except (TypeError, ValueError):
        return None
