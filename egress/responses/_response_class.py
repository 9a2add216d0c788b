"""What a response class knows before any response is made: its Content-Type header,
kept in step with its `media_type` and `charset` by a metaclass, and the rules for a
status code and for content that needs no more questions asked."""

from __future__ import annotations

from typing import Any

from egress.responses._headers import content_type_header

__all__ = ["DATA", "PLAIN_TYPES", "ResponseClass", "allows_body", "checked_status"]

DATA = frozenset({dict, list, str, int, float, bool, tuple})
"""Built-in data types: rendered by `render`, never a passthrough buffer."""

PLAIN_TYPES = DATA | {bytes, type(None)}
"""The built-in types handlers return most: never awaitable, never with the result
protocol, so content of these types is rendered without asking more."""


def allows_body(status_code: int) -> bool:
    """1xx, 204 and 304 responses carry neither a body nor Content-Length (RFC 9110)."""
    return status_code >= 200 and status_code != 204 and status_code != 304


def checked_status(status_code: object) -> int:
    """`status_code` as an int in 100-599, or a TypeError / ValueError saying what it was."""
    if isinstance(status_code, bool) or not isinstance(status_code, int):
        raise TypeError(f"status_code must be an int, got {status_code!r}")
    if not 100 <= status_code <= 599:
        raise ValueError(f"status_code {status_code} is outside 100-599")
    return int(status_code)


class ResponseClass(type):
    """Keeps each response class's Content-Type header (`_content_type`) in step with its
    `media_type` and `charset`: computed when the class is made (a bad media type fails
    there), and again for the class and its subclasses whenever either is assigned later
    (`PlainText.media_type = "text/markdown"`). Building a response then reads one class
    attribute instead of computing the header. `_bodied_content_type` is the same header
    when the class's default `status_code` carries a body, else None: the one read a
    response with every default needs to know its head is Content-Length and that."""

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _refresh_content_type(cls)

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "media_type" or name == "charset" or name == "status_code":
            _refresh_content_type(cls)


def _refresh_content_type(cls: type) -> None:
    header = content_type_header(cls.media_type, cls.charset)  # type: ignore[attr-defined]
    type.__setattr__(cls, "_content_type", header)
    bodied = allows_body(cls.status_code)  # type: ignore[attr-defined]
    type.__setattr__(cls, "_bodied_content_type", header if bodied else None)
    subclasses: list[type] = cls.__subclasses__()
    for subclass in subclasses:
        _refresh_content_type(subclass)
