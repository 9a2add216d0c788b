"""JSON responses: the body is the registry's encoding of the content."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

import orjson

from egress.encoders import EncoderRegistry
from egress.encoders._engine import Site
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import BodyTranslate, Response
from egress.responses._headers import HeadersInput
from egress.responses._response_class import DATA

__all__ = ["JSON", "JSONResponse", "JsonResponse", "Ok"]

T = TypeVar("T")
_site = Site()  # which engine writes the documents JSON responses render (encoders._engine)
_dumps = orjson.dumps
_JSONEncodeError = orjson.JSONEncodeError


class JSONResponse(Response[T]):
    """JSON bytes from the response's `encoders` (or the default registry). A str is
    sent as a JSON string; bytes are taken as already-encoded JSON."""

    media_type = "application/json"
    _renders_json = True  # False in a subclass that renders in its own way

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._renders_json = cls.render is JSONResponse.render

    def __init__(
        self,
        content: T | None = None,
        status_code: int | None = None,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        body_translate: BodyTranslate | None = None,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        passthrough_body_types: Collection[type] | None = None,
        status: None = None,
    ) -> None:
        # `Response.__init__` with its common case (data, every argument left out) taken
        # here, `render` and `Site.dumps` inlined: for a small document each Python call
        # costs a third of what orjson takes to write it.
        if (
            content.__class__ in DATA
            and status_code is None
            and headers is None
            and media_type is None
            and background is None
            and body_translate is None
            and encoders is None
            and passthrough_body_types is None
            and status is None
            and self._renders_json
        ):
            registry = self.encoders
            plan = registry.engine_plan
            if plan is None or _site.mode:
                body = _site.dumps(registry, content)
            else:
                try:
                    body = _dumps(content, None, plan.option)  # the PLAIN mode: orjson alone
                except _JSONEncodeError:
                    body = _site.encode(plan, content)
            pair = self._bodied_content_type
            if pair is None:
                self._set_body(body)
            else:  # `_set_body`, inlined
                self.raw_headers = [(b"content-length", b"%d" % len(body)), pair]
                self._body = body
            return
        super().__init__(
            content,
            status_code,
            headers,
            media_type,
            background,
            body_translate=body_translate,
            encoders=encoders,
            passthrough_body_types=passthrough_body_types,
            status=status,
        )

    def render(self, content: Any) -> bytes:
        return _site.dumps(self.encoders, content)


class Ok(JSONResponse[T]):
    """A 200 JSON response, by name."""


JsonResponse = JSONResponse
JSON = JSONResponse
