"""Redirects: an empty body and a Location the client can follow verbatim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from egress.encoders import EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response
from egress.responses._headers import HeadersInput, refuse_control_characters
from egress.responses._mistakes import wrong_status_keyword

__all__ = ["RedirectResponse", "location"]

# Characters a URL may carry as they are: reserved delimiters and '%' (an existing
# escape is kept, not encoded twice). Everything else, non-ASCII included, is
# percent-encoded as UTF-8.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def location(url: object) -> bytes:
    """`url` as a Location value: control characters refused (HTAB aside, which is
    encoded as %09 with the rest), everything outside `_URL_SAFE` percent-encoded."""
    text = str(url)
    refuse_control_characters("header 'location': redirect URL", text)
    return quote(text, safe=_URL_SAFE).encode("ascii")


class RedirectResponse(Response[None]):
    """A redirect to `url` (307 keeps the method and body; use 303 after a form POST,
    301/308 for permanent moves). `url` may be a str or a URL object. `encoders` is
    accepted as on every response (Lilya passes it), though a redirect encodes nothing."""

    status_code = 307

    def __init__(
        self,
        url: object,
        status_code: int | None = None,
        headers: HeadersInput = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        status: None = None,
    ) -> None:
        if status is not None:
            wrong_status_keyword(type(self))
        target = location(url)
        if encoders is not None:
            self.encoders = registry_for(encoders)
        self.body = b""
        self._init_head(status_code, headers, None, background, 0)
        if not 300 <= self.status_code <= 399:
            raise ValueError(f"a redirect needs a 3xx status_code, got {self.status_code}")
        self.raw_headers = [pair for pair in self.raw_headers if pair[0] != b"location"]
        self.raw_headers.append((b"location", target))
