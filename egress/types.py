"""The ASGI types egress speaks, for annotating apps, middleware and tests that use it.

They are the shapes of the ASGI specification, written as Starlette writes them
(`starlette.types`), so an egress response is an app Starlette, Lilya and FastAPI accept,
and their `receive` and `send` are what an egress response takes, with no cast between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ASGIApp", "CallNext", "Message", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
"""The connection's scope: `type`, `method`, `path`, `headers`... (ASGI HTTP spec)."""

Message = MutableMapping[str, Any]
"""One event: `http.request`, `http.response.start`, `http.response.body`..."""

Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CallNext = Callable[[], Awaitable[Any]]
"""What an endpoint middleware calls to run the rest of the chain: it returns the raw
result of the handler (not yet a Response)."""
