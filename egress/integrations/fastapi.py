"""FastAPI routes whose return values egress turns into responses: `EgressRoute`.

One line switches an app or a router::

    app.router.route_class = EgressRoute
    router = APIRouter(route_class=EgressRoute)

FastAPI keeps its request side (validation and 422, dependencies, security, OpenAPI)
and its rules for what a path operation returns: the decorator's `status_code`, the
injected `Response`'s status, headers and cookies, background tasks, `HTTPException`,
a returned Response sent as it is. Only the encoding changes: the value goes through
egress's registry instead of `jsonable_encoder` and `json.dumps`.

How it plugs in (tests/test_integrations_fastapi.py fails if FastAPI changes any of
it): FastAPI reads a route's parameters from the endpoint's signature, following
`__wrapped__` to resolve annotations in the endpoint's own module, and a returned
Starlette Response skips its serializer and only gets the background tasks attached.
So EgressRoute hands FastAPI a wrapper of the endpoint with the same parameters, plus
FastAPI's per-request Response when the endpoint does not take it itself; the wrapper
converts the value with egress and applies to that response what FastAPI would have
applied to its own.

Left to FastAPI: the data of a route with a response_model (declared, or inferred from
a return annotation: pydantic validates, filters and encodes it in one native pass),
routes with an explicit `response_class=`, and generator endpoints (its streams).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Annotated, Any, ClassVar, get_args, get_origin

try:
    import fastapi
    from fastapi import HTTPException
    from fastapi.datastructures import DefaultPlaceholder
    from fastapi.dependencies.utils import get_typed_signature
    from fastapi.routing import APIRoute
    from starlette.requests import Request
    from starlette.responses import Response as StarletteResponse
    from starlette.types import Receive, Scope, Send
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"egress.integrations.fastapi needs FastAPI ({error}); install it with "
        "pip install 'egress[fastapi]'",
        name=error.name,
    ) from error

# Since 0.123.5 FastAPI resolves the string annotations of a wrapped endpoint in the
# endpoint's own module (through __wrapped__); before, it looked in the wrapper's, here.
if tuple(int(part) for part in re.findall(r"\d+", fastapi.__version__)[:3]) < (0, 123, 5):
    raise ImportError(
        f"egress.integrations.fastapi needs FastAPI 0.123.5 or later, found "
        f"{fastapi.__version__}; upgrade it with pip install -U 'egress[fastapi]'"
    )

from egress._protocol import result_method
from egress.encoders import EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.pipeline import Accept, HTTPError, Pipeline, to_response
from egress.responses import JSONResponse, Response
from egress.responses._base import allows_body
from egress.responses._headers import encode_headers

__all__ = ["EgressRoute", "egress_route"]

Encoders = EncoderRegistry | Sequence[Any] | None

_BYTES = (bytes, bytearray, memoryview)

_accept: contextvars.ContextVar[Accept] = contextvars.ContextVar("egress_accept", default=...)
"""The Accept field of the request a negotiating pipeline's route is answering."""


class EgressRoute(APIRoute):
    """A FastAPI route whose return values egress encodes; everything else is FastAPI's.

    `egress_route(encoders=...)` (or a subclass setting `encoders`) picks the registry;
    `egress_route(pipeline=...)` converts every value by that Pipeline's rules instead
    of FastAPI's.
    """

    encoders: ClassVar[Encoders] = None
    """A registry, or encoders layered over the default one; None: the default."""
    pipeline: ClassVar[Pipeline | None] = None
    """None: FastAPI's rules (every value is JSON, None is `null`); a Pipeline: its rules."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A configuration mistake fails here, where the route class is made.
        super().__init_subclass__(**kwargs)
        if cls.encoders is not None and cls.pipeline is not None:
            raise TypeError(
                f"{cls.__name__} sets encoders and a pipeline: a Pipeline has its own "
                "encoders, so give pipeline=Pipeline(encoders=...) alone"
            )
        if cls.pipeline is not None and not isinstance(cls.pipeline, Pipeline):
            raise TypeError(
                f"{cls.__name__}.pipeline must be an egress Pipeline, got {cls.pipeline!r}"
            )
        registry_for(cls.encoders)

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # A route made again from an EgressRoute's endpoint wraps the original endpoint.
        endpoint = getattr(endpoint, "_egress_endpoint", endpoint)
        if _renders_with_fastapi_default(kwargs.get("response_class")):
            kind = _kind(endpoint)
            if kind != "generator":
                endpoint = _wrap(endpoint, kind == "async", self._respond)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, StarletteResponse]]:
        handle = super().get_route_handler()

        async def handle_http_errors(request: Request) -> StarletteResponse:
            # As FastAPI's own exception, egress's HTTPError passes through the exit of
            # every dependency (a `yield` dependency sees it) and FastAPI's (or the app's)
            # HTTPException handler answers it; from a dependency as from the handler.
            negotiates = self.pipeline is not None and self.pipeline.negotiate
            accept = ", ".join(request.headers.getlist("accept")) or None
            token = _accept.set(accept) if negotiates else None
            try:
                return await handle(request)
            except HTTPError as error:
                raise HTTPException(error.status_code, error.detail, error.headers) from error
            finally:
                if token is not None:
                    _accept.reset(token)

        return handle_http_errors

    def _respond(self, value: Any, injected: StarletteResponse) -> Any:
        """What the endpoint's wrapper gives FastAPI for `value`: a Response FastAPI sends
        as it is, or (with a response_model) the value itself, for FastAPI to validate."""
        if isinstance(value, StarletteResponse):
            return value
        if isinstance(value, Response) or result_method(value) is not None:
            # A response of its own: FastAPI's status and headers do not apply to it,
            # as they do not apply to a Starlette Response the endpoint returns.
            return _AsStarletteResponse(self._convert(value))
        if self.response_field is not None:
            return value
        response = self._convert_data(value)
        status = injected.status_code or self.status_code
        if status:
            _set_status(response, status)
        if injected.raw_headers:
            response.raw_headers.extend(encode_headers(injected.raw_headers))
        return _AsStarletteResponse(response)

    def _convert(self, value: Any) -> Response[Any]:
        if self.pipeline is not None:
            return self.pipeline.to_response(value, accept=_accept.get())
        return to_response(value, encoders=self.encoders)

    def _convert_data(self, value: Any) -> Response[Any]:
        if self.pipeline is not None:
            return self.pipeline.to_response(value, accept=_accept.get())
        if isinstance(value, _BYTES):
            # Encoded like any other value (base64, as bytes nested in JSON), where a
            # JSONResponse would take bytes for JSON already encoded.
            return JSONResponse(value, encoders=self.encoders, body_translate="custom")
        if self.encoders is None:
            return JSONResponse(value)
        return JSONResponse(value, encoders=self.encoders)


def egress_route(
    *, encoders: Encoders = None, pipeline: Pipeline | None = None
) -> type[EgressRoute]:
    """An EgressRoute class that encodes with `encoders` (a registry, or encoders layered
    over the default one, as `encoders=` everywhere in egress), or that converts every
    value with `pipeline` by egress's rules (a str is text/plain, None is 204 No Content,
    a tuple may carry a status and headers) instead of FastAPI's."""
    attributes = {"encoders": encoders, "pipeline": pipeline, "__module__": __name__}
    return type("EgressRoute", (EgressRoute,), attributes)


class _AsStarletteResponse(StarletteResponse):
    """An egress Response in the shape FastAPI expects of a returned response.

    Status, headers and body are the egress response's own (a custom route handler may
    read or change them); FastAPI attaches its background tasks, which run once egress
    has sent the response.
    """

    def __init__(self, response: Response[Any]) -> None:
        # Nothing to render: the egress response already holds its body.
        self.response = response
        self.background = None

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        self.response.status_code = value

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return self.response.raw_headers

    @raw_headers.setter
    def raw_headers(self, value: list[tuple[bytes, bytes]]) -> None:
        self.response.raw_headers = value

    @property
    def body(self) -> bytes | memoryview:
        body = self.response.body
        return body if isinstance(body, memoryview) else bytes(body)

    @body.setter
    def body(self, value: bytes | memoryview) -> None:
        self.response.body = value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.response(scope, receive, send)
        if self.background is not None:
            await self.background()


def _renders_with_fastapi_default(response_class: object) -> bool:
    """True unless the route names its own response class, which FastAPI keeps using."""
    return response_class is None or isinstance(response_class, DefaultPlaceholder)


def _callables(endpoint: Callable[..., Any]) -> Iterator[object]:
    """What FastAPI inspects to decide how to call an endpoint: the endpoint and the
    function it wraps (through partials), and their `__call__`."""
    for function in (endpoint, inspect.unwrap(endpoint)):
        while isinstance(function, functools.partial):
            function = function.func
        yield function
        yield getattr(function, "__call__", None)  # noqa: B004 - a callable object


def _kind(endpoint: Callable[..., Any]) -> str:
    """How FastAPI will call the endpoint: "generator" (a stream), "async" or "sync" (in
    its thread pool); the wrapper must be called the same way."""
    functions = list(_callables(endpoint))
    if any(inspect.isgeneratorfunction(f) or inspect.isasyncgenfunction(f) for f in functions):
        return "generator"
    return "async" if any(inspect.iscoroutinefunction(f) for f in functions) else "sync"


def _response_parameter(endpoint: Callable[..., Any]) -> str | None:
    """The name of the endpoint's own `Response` parameter (FastAPI injects the
    per-request Response into any parameter annotated with a Response class)."""
    for parameter in get_typed_signature(endpoint).parameters.values():
        annotation = parameter.annotation
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        if isinstance(annotation, type) and issubclass(annotation, StarletteResponse):
            return parameter.name
    return None


def _with_response_parameter(signature: inspect.Signature) -> tuple[inspect.Signature, str]:
    """`signature` plus a keyword-only parameter for FastAPI's per-request Response, under
    a name no other parameter has; it goes before a `**kwargs` parameter, if any."""
    name = "egress_response"
    while name in signature.parameters:
        name += "_"
    extra = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=StarletteResponse)
    parameters = list(signature.parameters.values())
    at = len(parameters)
    if parameters and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD:
        at -= 1
    parameters.insert(at, extra)
    return signature.replace(parameters=parameters), name


def _wrap(
    endpoint: Callable[..., Any],
    is_async: bool,
    respond: Callable[[Any, StarletteResponse], Any],
) -> Callable[..., Any]:
    """`endpoint` as FastAPI calls it: its parameters, and what it returns passed on to
    `respond` with FastAPI's per-request Response."""
    own = _response_parameter(endpoint)
    if own is None:
        signature, name = _with_response_parameter(inspect.signature(endpoint))
    else:
        name = own

    if is_async:

        @functools.wraps(endpoint)
        async def call(**values: Any) -> Any:
            injected = values[name] if own else values.pop(name)
            return respond(await endpoint(**values), injected)

    else:

        @functools.wraps(endpoint)
        def call(**values: Any) -> Any:
            injected = values[name] if own else values.pop(name)
            return respond(endpoint(**values), injected)

    if own is None:
        call.__signature__ = signature  # type: ignore[attr-defined]
    call._egress_endpoint = endpoint  # type: ignore[attr-defined]
    return call


def _set_status(response: Response[Any], status: int) -> None:
    """FastAPI's status for a response egress made; as in FastAPI, a status that carries
    no body (1xx, 204, 304) drops the body."""
    response.status_code = status
    if not allows_body(status):
        response.body = b""
        response.headers.pop("content-length", None)
