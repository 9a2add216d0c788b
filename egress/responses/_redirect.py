"""Redirects: an empty body and a Location the client can follow verbatim."""

from __future__ import annotations

from urllib.parse import quote

from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response
from egress.responses._headers import HeadersInput, encode_header

__all__ = ["RedirectResponse", "location"]

# Characters a URL may carry as they are: reserved delimiters and '%' (an existing
# escape is kept, not encoded twice). Everything else, non-ASCII included, is
# percent-encoded as UTF-8.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def location(url: object) -> bytes:
    """`url` as a Location value: CR, LF and NUL refused, the rest percent-encoded."""
    text = str(url)
    if "\r" in text or "\n" in text or "\x00" in text:
        raise ValueError(f"redirect URL {text!r} contains CR, LF or NUL")
    return encode_header("location", quote(text, safe=_URL_SAFE))[1]


class RedirectResponse(Response[None]):
    """A redirect to `url` (307 keeps the method and body; use 303 after a form POST,
    301/308 for permanent moves). `url` may be a str or a URL object."""

    status_code = 307

    def __init__(
        self,
        url: object,
        status_code: int | None = None,
        headers: HeadersInput = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> None:
        target = location(url)
        self.body = b""
        self._init_head(status_code, headers, None, background, 0)
        if not 300 <= self.status_code <= 399:
            raise ValueError(f"a redirect needs a 3xx status_code, got {self.status_code}")
        self.raw_headers = [pair for pair in self.raw_headers if pair[0] != b"location"]
        self.raw_headers.append((b"location", target))
