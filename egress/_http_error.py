"""HTTPError: the exception a handler or middleware raises to answer with an error status."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from egress.encoders import registry
from egress.responses import JSONResponse, Response
from egress.responses._headers import encode_headers

__all__ = ["HTTPError", "reason_phrase"]


def reason_phrase(status_code: int) -> str:
    """The standard phrase for a status ("Not Found"), or "Error" for an unregistered one."""
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class HTTPError(Exception):
    """Raise it anywhere in a handler or middleware: the client gets that status and
    `{"detail": ...}` as JSON (the detail, or the standard reason phrase).

    `detail` is any value the default registry encodes (FastAPI's `HTTPException`
    spelling); `message=` is an alias. The detail and headers are checked here, where the
    error is raised, so a mistake in them points at the `raise` line, not at a 500 later.
    It also follows the result protocol, so `to_response(HTTPError(404))` and a handler
    that returns one instead of raising it give the same response.
    """

    def __init__(
        self,
        status_code: int = 400,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        message: Any = None,
    ) -> None:
        if isinstance(status_code, bool) or not isinstance(status_code, int):
            raise TypeError(f"HTTPError status_code must be an int, got {status_code!r}")
        if not 400 <= status_code <= 599:
            raise ValueError(
                f"HTTPError is for error statuses (400-599), got {status_code}; "
                "return a Response to answer with any other status"
            )
        if message is not None:
            if detail is not None:
                raise TypeError("HTTPError takes detail or message (its alias), not both")
            detail = message
        if detail is None:
            detail = reason_phrase(status_code)
        elif detail.__class__ is not str:
            registry.dumps(detail)  # EncodeError now, naming what cannot be encoded
        if headers:
            encode_headers(headers)  # ValueError now, naming the header and the character
        self.status_code = status_code
        self.detail: Any = detail
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(status_code, detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"HTTPError({self.status_code}, {self.detail!r})"

    def __response__(self) -> Response[Any]:
        return JSONResponse(
            {"detail": self.detail}, status_code=self.status_code, headers=self.headers
        )
