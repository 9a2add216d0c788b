"""The pipeline's part in building a Response, handed over rather than imported.

`Response(obj)` for an object with the result protocol (`__response__()`, or view.py's
`__view_result__()`) converts the object by the pipeline's rules. The pipeline builds on
the responses, so they cannot import it: `egress.pipeline` installs its conversion here
when it is imported (`use_conversion`), as cattrs hands its converter to the hooks it
builds. Importing any part of egress imports the pipeline first (egress/__init__.py
does), so a Response is never built before the conversion is in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from egress.encoders import EncoderRegistry
from egress.responses._headers import RawHeaders

if TYPE_CHECKING:  # for annotations only: _base imports this module
    from egress.responses._base import Response

__all__ = ["Conversion", "use_conversion"]


class Conversion(Protocol):
    """What the pipeline does for a Response: content with the result protocol."""

    def converts(self, content: object) -> bool:
        """Whether `content` has the result protocol."""

    def convert(
        self,
        content: object,
        encoders: EncoderRegistry,
        status_code: int | None,
        headers: RawHeaders,
    ) -> Response[Any]:
        """The Response `content` converts to, with `status_code` and `headers` (what the
        constructor was given explicitly) winning over the result's own."""


pipeline: Conversion
"""The conversion in use: `egress.pipeline`'s, installed as it is imported."""


def use_conversion(conversion: Conversion) -> None:
    """Install the pipeline's conversion (egress.pipeline does, once, when imported)."""
    global pipeline
    pipeline = conversion
