"""How EgressRoute sits between FastAPI and an endpoint: a wrapper with the endpoint's
parameters (so FastAPI's request side is unchanged), plus FastAPI's per-request Response
when the endpoint does not take it itself, and an egress response in the shape FastAPI
expects of a returned response."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Annotated, Any, get_args, get_origin

from fastapi.dependencies.utils import get_typed_signature
from starlette.responses import Response as StarletteResponse
from starlette.types import Receive, Scope, Send

from egress.responses import Response
from egress.responses._base import allows_body

__all__ = ["AsStarletteResponse", "kind", "set_status", "wrap"]


class AsStarletteResponse(StarletteResponse):
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


def _callables(endpoint: Callable[..., Any]) -> Iterator[object]:
    """What FastAPI inspects to decide how to call an endpoint: the endpoint and the
    function it wraps (through partials), and their `__call__`."""
    for function in (endpoint, inspect.unwrap(endpoint)):
        while isinstance(function, functools.partial):
            function = function.func
        yield function
        yield getattr(function, "__call__", None)  # noqa: B004 - a callable object


def kind(endpoint: Callable[..., Any]) -> str:
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


def _resolved_signature(endpoint: Callable[..., Any]) -> inspect.Signature:
    """The endpoint's signature with its string annotations resolved where it was
    defined. The wrapper's `__signature__` is what FastAPI reads, and for a callable
    object or a `functools.partial` FastAPI finds no module to resolve them in."""
    try:
        return inspect.signature(endpoint, eval_str=True)
    except NameError:  # a name only imported under TYPE_CHECKING: left for FastAPI
        return inspect.signature(endpoint)


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


def wrap(
    endpoint: Callable[..., Any],
    is_async: bool,
    respond: Callable[[Any, StarletteResponse], Any],
) -> Callable[..., Any]:
    """`endpoint` as FastAPI calls it: its parameters, and what it returns passed on to
    `respond` with FastAPI's per-request Response."""
    own = _response_parameter(endpoint)
    signature = _resolved_signature(endpoint)
    if own is None:
        signature, name = _with_response_parameter(signature)
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

    call.__signature__ = signature  # type: ignore[attr-defined]
    call._egress_endpoint = endpoint  # type: ignore[attr-defined]
    return call


def set_status(response: Response[Any], status: int) -> None:
    """FastAPI's status for a response egress made; as in FastAPI, a status that carries
    no body (1xx, 204, 304) drops the body."""
    response.status_code = status
    if not allows_body(status):
        response.body = b""
        response.headers.pop("content-length", None)
