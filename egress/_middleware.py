"""Endpoint middleware: functions wrapped around the handler, composed in registration order.

A middleware is `async def mw(call_next)` or `async def mw(request, call_next)`
(`call_next` is an `egress.types.CallNext`). `call_next()` runs the rest of the chain
(the next middleware, finally the handler) and returns its raw result: whatever the
handler returned, not yet a Response. What the middleware returns is handed outwards the
same way, and the endpoint converts the outermost result with the pipeline.

The first middleware registered is the outermost: it runs first on the way in and sees
the result last on the way out.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from egress._request import Request

__all__ = ["Layer", "Middleware", "compose", "takes_request"]

Layer = Callable[[Request], Awaitable[Any]]
Middleware = Callable[..., Awaitable[Any]]


def takes_request(middleware: Middleware) -> bool:
    """True for `mw(request, call_next)`, False for `mw(call_next)`; else a clear TypeError."""
    if not inspect.iscoroutinefunction(middleware):
        raise TypeError(
            f"middleware {getattr(middleware, '__qualname__', middleware)!r} must be an "
            "async function: async def mw(call_next) or async def mw(request, call_next)"
        )
    positional = [
        p
        for p in inspect.signature(middleware).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(positional) not in (1, 2):
        raise TypeError(
            f"middleware {middleware.__qualname__!r} takes {len(positional)} arguments; "
            "write async def mw(call_next) or async def mw(request, call_next)"
        )
    return len(positional) == 2


def _layer(middleware: Middleware, wants_request: bool, inner: Layer) -> Layer:
    if wants_request:

        async def with_request(request: Request) -> Any:
            return await middleware(request, lambda: inner(request))

        return with_request

    async def without_request(request: Request) -> Any:
        return await middleware(lambda: inner(request))

    return without_request


def compose(middlewares: list[tuple[Middleware, bool]], innermost: Layer) -> Layer:
    """One callable running `middlewares` (first is outermost) around `innermost`."""
    chain = innermost
    for middleware, wants_request in reversed(middlewares):
        chain = _layer(middleware, wants_request, chain)
    return chain
