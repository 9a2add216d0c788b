"""Text responses: the content is a str (or bytes) sent with a text media type."""

from __future__ import annotations

from egress.responses._base import Response

__all__ = ["HTML", "Error", "HTMLResponse", "PlainText", "PlainTextResponse"]


class PlainText(Response[str]):
    """`text/plain; charset=utf-8`."""

    media_type = "text/plain"


class HTMLResponse(Response[str]):
    """`text/html; charset=utf-8`."""

    media_type = "text/html"


class Error(HTMLResponse):
    """An HTML error page, 500 unless told otherwise."""

    status_code = 500


PlainTextResponse = PlainText
HTML = HTMLResponse
