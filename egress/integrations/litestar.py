"""Litestar in egress: `Litestar(plugins=[EgressPlugin()])`.

Litestar keeps its request side (validation, dependencies, DTOs, guards) and its OpenAPI
schema; what a handler returns is then encoded by egress's registry instead of
Litestar's msgspec encoder, so one app writes the JSON form egress gives each type (and
types only egress knows, through its registered encoders). A handler may also return an
egress response (a `JSONResponse`, an `EventSourceResponse`, a `FileResponse`...) or an
object with the result protocol, sent as it is; a raised `HTTPError` answers as it does
in an egress endpoint.

How it plugs in: the plugin sets the app's `response_class` to a subclass of it (of
Litestar's `Response` when the app names none) whose JSON rendering is egress's, and
which hands Litestar an egress response as the ASGI app to send. A response class named
on a router, controller or handler is that layer's own, and Litestar keeps it (the
plugin logs those handlers once, when the app starts, so none is left silently); so is a
Litestar `Response` the handler builds itself.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

try:
    from litestar import Litestar, Request
    from litestar import Response as LitestarResponse
    from litestar.config.app import AppConfig
    from litestar.handlers import HTTPRouteHandler
    from litestar.plugins import InitPlugin
    from litestar.serialization import default_serializer
    from litestar.types import Serializer
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"egress.integrations.litestar needs Litestar ({error}); install it with "
        "pip install 'egress[litestar]'",
        name=error.name,
    ) from error

from egress.integrations._core import Encoders, Encoding
from egress.pipeline import HTTPError, Pipeline

__all__ = ["EgressPlugin"]

logger = logging.getLogger("egress.integrations.litestar")

# Litestar's own test of a JSON media type (application/json, application/problem+json).
_JSON = re.compile(r"^application/(?:.+\+)?json")


class EgressPlugin(InitPlugin):
    """Encode the return values of a Litestar app's handlers with egress.

    `encoders=`: a registry, or encoders layered over the default one (as everywhere in
    egress). `pipeline=`: convert every return value by that Pipeline's rules (a str is
    text/plain, None is 204, a tuple may carry a status and headers) instead of
    Litestar's; the handler's status code applies where the Pipeline's answer is 200.
    """

    __slots__ = ("encoding",)

    def __init__(self, encoders: Encoders = None, pipeline: Pipeline | None = None) -> None:
        self.encoding = Encoding(encoders, pipeline, "EgressPlugin")

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        base = app_config.response_class or LitestarResponse
        response_class = _response_class(base, self.encoding)
        app_config.response_class = response_class

        def answer_http_error(request: Request[Any, Any, Any], error: HTTPError) -> Any:
            return response_class(error)  # sent as the egress response the error is

        app_config.exception_handlers.setdefault(HTTPError, answer_http_error)
        app_config.on_startup.append(functools.partial(_report_kept, response_class))
        return app_config


def _report_kept(response_class: type[Any], app: Litestar) -> None:
    """Log, once at startup, the handlers whose layers name a response class of their
    own: Litestar renders their data, not egress."""
    kept = [
        f"{','.join(sorted(handler.http_methods))} {route.path} ({handler.handler_name}): "
        f"response_class={handler.resolve_response_class().__name__} is kept"
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(handler, HTTPRouteHandler)
        and not issubclass(handler.resolve_response_class(), response_class)
    ]
    if kept:
        logger.warning(
            "egress encodes every handler of this Litestar app but %d, left to Litestar: %s",
            len(kept),
            "; ".join(kept),
        )


def _response_class(base: type[LitestarResponse[Any]], encoding: Encoding) -> type[Any]:
    """`base` with egress's JSON, and egress responses sent as they are."""

    class EgressResponse(base):  # type: ignore[valid-type, misc]
        __slots__ = ()

        def render(
            self, content: Any, media_type: str, enc_hook: Serializer = default_serializer
        ) -> bytes:
            if _JSON.match(media_type) and not isinstance(content, bytes):
                return encoding.dumps(content)
            rendered: bytes = super().render(content, media_type, enc_hook)
            return rendered

        def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **kwargs: Any) -> Any:
            content = self.content
            if encoding.is_response(content):
                return encoding.response(content)
            if encoding.pipeline is not None:
                response = encoding.pipeline.to_response(content)
                status = self.status_code or kwargs.get("status_code")
                if response.status_code == 200 and status:
                    response.status_code = status
                return response
            return super().to_asgi_response(app, request, **kwargs)

    EgressResponse.__qualname__ = EgressResponse.__name__ = f"Egress{base.__name__}"
    return EgressResponse
