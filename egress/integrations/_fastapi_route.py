"""EgressRoute: a FastAPI route whose return values egress encodes (see
egress.integrations.fastapi for what stays FastAPI's)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi import HTTPException
from fastapi import responses as fastapi_responses
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import Response as StarletteResponse

from egress.integrations._core import Encoders, Encoding
from egress.integrations._fastapi_endpoint import AsStarletteResponse, kind, set_status, wrap
from egress.pipeline import Accept, HTTPError, Pipeline
from egress.responses._headers import encode_headers

__all__ = ["JSON_CLASSES", "EgressRoute", "egress_route", "json_class"]

_accept: contextvars.ContextVar[Accept] = contextvars.ContextVar("egress_accept", default=...)
"""The Accept field of the request a negotiating pipeline's route is answering (the
endpoint's wrapper, which converts the value, does not see the request)."""

JSON_CLASSES: tuple[type[StarletteResponse], ...] = (
    StarletteJSONResponse,
    # deprecated by FastAPI (0.130), so looked up rather than imported
    *(
        getattr(fastapi_responses, name)
        for name in ("ORJSONResponse", "UJSONResponse")
        if hasattr(fastapi_responses, name)
    ),
)
"""FastAPI's and Starlette's JSON response classes: a route that names one gets egress's
JSON instead (a subclass is a rendering of its own, and kept)."""


def json_class(response_class: object) -> bool:
    """True when a route's response class (FastAPI's default placeholder, or named) is one
    of the JSON classes egress stands in for."""
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    return response_class in JSON_CLASSES


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
    _encoding: ClassVar[Encoding] = Encoding(None, None, "EgressRoute")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A configuration mistake fails here, where the route class is made.
        super().__init_subclass__(**kwargs)
        cls._encoding = Encoding(cls.encoders, cls.pipeline, cls.__name__)

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # A route made again from an EgressRoute's endpoint wraps the original endpoint.
        endpoint = getattr(endpoint, "_egress_endpoint", endpoint)
        how = kind(endpoint)
        if how != "generator":
            response_class = kwargs.get("response_class")
            takes_data = response_class is None or json_class(response_class)
            respond = self._respond if takes_data else self._respond_responses
            endpoint = wrap(endpoint, how == "async", respond)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, StarletteResponse]]:
        handle = super().get_route_handler()
        pipeline = self._encoding.pipeline
        negotiates = pipeline is not None and pipeline.negotiate

        async def handle_http_errors(request: Request) -> StarletteResponse:
            # As FastAPI's own exception, egress's HTTPError passes through the exit of
            # every dependency (a `yield` dependency sees it) and FastAPI's (or the app's)
            # HTTPException handler answers it; from a dependency as from the handler.
            token = None
            if negotiates:
                token = _accept.set(", ".join(request.headers.getlist("accept")) or None)
            try:
                return await handle(request)
            except HTTPError as error:
                raise HTTPException(error.status_code, error.detail, error.headers) from error
            finally:
                if token is not None:
                    _accept.reset(token)

        return handle_http_errors

    def _respond_responses(self, value: Any, injected: StarletteResponse) -> Any:
        """For a route whose response class FastAPI keeps: an egress response is sent as
        it is, anything else is left to that class."""
        if self._encoding.is_response(value):
            return AsStarletteResponse(self._encoding.response(value, _accept.get()))
        return value

    def _respond(self, value: Any, injected: StarletteResponse) -> Any:
        """What the endpoint's wrapper gives FastAPI for `value`: a Response FastAPI sends
        as it is."""
        if isinstance(value, StarletteResponse):
            return value
        encoding = self._encoding
        if encoding.is_response(value):
            # A response of its own: FastAPI's status and headers do not apply to it,
            # as they do not apply to a Starlette Response the endpoint returns.
            return AsStarletteResponse(encoding.response(value, _accept.get()))
        if self.response_field is not None:
            value = self._filtered(value)
        response = encoding.data(value, _accept.get())
        status = injected.status_code or self.status_code
        if status:
            set_status(response, status)
        if injected.raw_headers:
            response.raw_headers.extend(encode_headers(injected.raw_headers))
        return AsStarletteResponse(response)

    def _filtered(self, value: Any) -> Any:
        """FastAPI's validation and filtering by the response model, as plain Python data
        (datetimes stay datetimes) for egress to encode."""
        field = self.response_field
        assert field is not None
        valid, errors = field.validate(value, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=value)
        return field.serialize(
            valid,
            mode="python",
            include=self.response_model_include,
            exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
        )


def egress_route(
    *, encoders: Encoders = None, pipeline: Pipeline | None = None
) -> type[EgressRoute]:
    """An EgressRoute class that encodes with `encoders` (a registry, or encoders layered
    over the default one, as `encoders=` everywhere in egress), or that converts every
    value with `pipeline` by egress's rules (a str is text/plain, None is 204 No Content,
    a tuple may carry a status and headers) instead of FastAPI's."""
    attributes = {
        "encoders": encoders,
        "pipeline": pipeline,
        "__module__": "egress.integrations.fastapi",
    }
    return type("EgressRoute", (EgressRoute,), attributes)
