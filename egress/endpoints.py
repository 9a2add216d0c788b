"""egress.endpoint: a handler function becomes an ASGI app that any router or server runs.

    @endpoint                       # or @endpoint(cache_rate=10, methods=("POST",))
    async def show(request, item_id: int, verbose: bool = False): ...

The handler's signature and options are checked once, here; per request the endpoint
refuses a method it does not answer (405), fills the arguments (path parameters, then the
query string, converted by annotation), runs the handler (a sync one in a worker thread)
inside its middlewares, converts the result with the pipeline and sends it. HTTPError
becomes its response; any other exception a logged 500. Concurrency goes through anyio,
so endpoints run on asyncio and on trio.

What is sent passes through layers around the server's `send`, innermost first: the
ETag (`etag=True`), the cache's recorder (`cache_rate`), the 304 answer to a matching
If-None-Match, and HEAD's body removal. So the cache stores a tagged 200 and each
request decides for itself whether it gets 304.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

import anyio.to_thread

from egress._cache import ResponseCache, SharedCache, check_rate
from egress._etag import if_none_match, not_modified_when_matched, tag_complete_responses
from egress._foreign import as_http_error, is_foreign_response
from egress._http_error import HTTPError
from egress._methods import DEFAULT_METHODS, allowed_methods, not_allowed, without_body
from egress._middleware import Layer, Middleware, compose, takes_request
from egress._negotiation import field_value
from egress._params import Parameters
from egress._request import DEFAULT_MAX_BODY_SIZE, Request
from egress.pipeline import Accept, Encoders, Pipeline, default_pipeline, to_response
from egress.responses import JSONResponse, Response
from egress.stores import Store
from egress.types import ASGIApp, Receive, Scope, Send

__all__ = ["Endpoint", "Request", "endpoint"]

logger = logging.getLogger("egress.endpoints")

M = TypeVar("M", bound=Middleware)


class Endpoint:
    """A handler wrapped as an ASGI app (see the module docstring). `handler` is the
    original function, `methods` the methods it answers; `middleware` registers a
    middleware around it."""

    def __init__(
        self,
        handler: Callable[..., Any],
        *,
        cache_rate: int | None = None,
        encoders: Encoders = None,
        pipeline: Pipeline | None = None,
        methods: Iterable[str] = DEFAULT_METHODS,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        etag: bool = False,
        negotiate: bool = False,
        store: Store | None = None,
    ) -> None:
        if not callable(handler):
            raise TypeError(f"endpoint() wraps a function, got {handler!r}")
        if pipeline is not None and encoders is not None:
            raise TypeError("pass encoders= or pipeline=, not both (a Pipeline has encoders)")
        functools.update_wrapper(self, handler)
        self.handler = handler
        self.name: str = getattr(handler, "__qualname__", repr(handler))
        self.methods = allowed_methods(methods)
        self._allowed = frozenset(self.methods)
        self.max_body_size = _check_max_body_size(max_body_size)
        if not isinstance(etag, bool):
            raise TypeError(f"etag= takes True or False, got {etag!r}")
        self.etag = etag
        self.pipeline = pipeline or (default_pipeline if encoders is None else Pipeline(encoders))
        if not isinstance(negotiate, bool):
            raise TypeError(f"negotiate= takes True or False, got {negotiate!r}")
        self.negotiate = negotiate or self.pipeline.negotiate
        self.parameters = Parameters(handler, self.pipeline.registry, self.name)
        self.cache = _cache(cache_rate, store, f"{getattr(handler, '__module__', '')}.{self.name}")
        self._is_async = inspect.iscoroutinefunction(handler)
        self._middlewares: list[tuple[Middleware, bool]] = []
        self._chain: Layer | None = None

    def middleware(self, middleware: M) -> M:
        """Register `async def mw(call_next)` or `async def mw(request, call_next)`.

        The first one registered is the outermost. `call_next()` returns the raw result
        of the rest of the chain; to edit it as a Response, convert it with `to_response`.
        """
        self._middlewares.append((middleware, takes_request(middleware)))
        self._chain = compose(self._middlewares, self._innermost)
        return middleware

    async def _innermost(self, request: Request) -> Any:
        return await self._run(request.scope, request)

    async def _run(self, scope: Scope, request: Request | None) -> Any:
        kwargs = self.parameters.bind(scope, request)
        if self._is_async:
            return await self.handler(**kwargs)
        return await anyio.to_thread.run_sync(functools.partial(self.handler, **kwargs))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _not_http(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            send = without_body(send)
        tagged = self.etag and (method == "GET" or method == "HEAD")
        if tagged:
            condition = if_none_match(scope.get("headers", ()))
            if condition is not None:
                send = not_modified_when_matched(send, condition)
        if method not in self._allowed:
            await to_response(not_allowed(method, self.methods))(scope, receive, send)
        elif self.cache is None:
            await self._respond(scope, receive, send, send, tagged)
        else:
            respond = functools.partial(self._respond, scope, receive, send, tagged=tagged)
            key = self.cache.key(scope)
            if self.negotiate:  # one cached response per Accept field
                method, path, query = key
                key = (method, path, query + b"\naccept:" + (_accept(scope) or b""))
            await self.cache.serve(key, send, respond)

    async def _respond(
        self, scope: Scope, receive: Receive, send: Send, respond: Send, tagged: bool
    ) -> None:
        """Run the chain and send its response through `respond` (which the cache records),
        tagged with an ETag if `tagged`; an error's response goes straight to `send`, so
        it is never replayed."""
        if tagged:
            respond = tag_complete_responses(respond)
        try:
            if self._chain is not None:
                value = await self._chain(Request(scope, receive, self.max_body_size))
            elif self.parameters.wants_request:
                value = await self._run(scope, Request(scope, receive, self.max_body_size))
            else:
                value = await self._run(scope, None)
            # another framework's response (Starlette's, Lilya's) is sent as it is
            response: ASGIApp
            if is_foreign_response(value):
                response = value
            else:
                accept: Accept = _accept(scope) if self.negotiate else ...
                response = await self.pipeline.to_response_async(value, accept=accept)
        except HTTPError as error:
            response, respond = to_response(error), send
        except Exception as error:
            foreign = as_http_error(error)  # Starlette's, FastAPI's, Lilya's HTTPException
            if foreign is not None:
                response, respond = to_response(foreign), send
            else:
                logger.exception("%s failed on %s %s", self.name, scope["method"], scope["path"])
                response, respond = _internal_error(), send
        await response(scope, receive, respond)

    def __repr__(self) -> str:
        return f"<endpoint {self.name}>"


def _cache(rate: int | None, store: Store | None, name: str) -> ResponseCache | SharedCache | None:
    """cache_rate's state: in the endpoint, or in `store` to share it between processes."""
    if store is not None and not isinstance(store, Store):
        raise TypeError(
            f"store= takes an egress.stores.Store (MemoryStore, RedisStore), got {store!r}"
        )
    if rate is None or check_rate(rate) == 1:  # 1: run every time
        if store is not None:
            raise TypeError("store= holds cache_rate's state: pass cache_rate=N (N > 1) too")
        return None
    return ResponseCache(rate) if store is None else SharedCache(rate, store, name)


def _check_max_body_size(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(
            f"max_body_size must be a number of bytes (an int >= 0) or None for no limit, "
            f"got {limit!r}"
        )
    return limit


def _accept(scope: Scope) -> bytes | None:
    return field_value(scope.get("headers", ()), b"accept")


def _internal_error() -> Response[Any]:
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


async def _not_http(scope: Scope, receive: Receive, send: Send) -> None:
    """Served directly, an endpoint answers the server's lifespan protocol and turns
    websockets away; it only handles HTTP."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000})
    else:
        raise ValueError(f"an endpoint serves HTTP, not ASGI scope type {scope['type']!r}")


@overload
def endpoint(handler: Callable[..., Any], /) -> Endpoint: ...


@overload
def endpoint(
    *,
    cache_rate: int | None = None,
    encoders: Encoders = None,
    pipeline: Pipeline | None = None,
    methods: Iterable[str] = DEFAULT_METHODS,
    max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    etag: bool = False,
    negotiate: bool = False,
    store: Store | None = None,
) -> Callable[[Callable[..., Any]], Endpoint]: ...


def endpoint(
    handler: Callable[..., Any] | None = None,
    /,
    *,
    cache_rate: int | None = None,
    encoders: Encoders = None,
    pipeline: Pipeline | None = None,
    methods: Iterable[str] = DEFAULT_METHODS,
    max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    etag: bool = False,
    negotiate: bool = False,
    store: Store | None = None,
) -> Endpoint | Callable[[Callable[..., Any]], Endpoint]:
    """Wrap a handler into an ASGI app: `@endpoint` or `@endpoint(cache_rate=N, ...)`.
    `etag=True`: complete 200 responses to GET and HEAD get a strong ETag, and a request
    whose If-None-Match matches it gets 304 Not Modified. `negotiate=True`: data the
    handler returns goes out as JSON, MessagePack, NDJSON or Server-Sent Events, as the
    request's Accept prefers (a Response the handler builds is sent as it is). `store=`:
    where cache_rate keeps its count, responses and lock (an `egress.stores.RedisStore`
    shares them between workers and hosts; by default they stay in the endpoint)."""
    if handler is not None:
        return Endpoint(handler)

    def decorate(function: Callable[..., Any]) -> Endpoint:
        return Endpoint(
            function,
            cache_rate=cache_rate,
            encoders=encoders,
            pipeline=pipeline,
            methods=methods,
            max_body_size=max_body_size,
            etag=etag,
            negotiate=negotiate,
            store=store,
        )

    return decorate
