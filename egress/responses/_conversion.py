"""The pipeline's part in building a Response, handed over rather than imported.

`Response(obj)` for an object with the result protocol (`__response__()`, or view.py's
`__view_result__()`) converts the object by the pipeline's rules. The pipeline builds on
the responses, so they cannot import it: `egress.pipeline` installs its conversion here
when it is imported (`use_conversion`), as cattrs hands its converter to the hooks it
builds. Importing any part of egress imports the pipeline first (egress/__init__.py
does), so a Response is never built before the conversion is in place.

The protocol is generic in what a conversion returns (a Response), so this module needs
nothing from the module that defines Response, which imports it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from egress.encoders import EncoderRegistry
from egress.responses._headers import RawHeaders

__all__ = ["Conversion", "use_conversion"]

R_co = TypeVar("R_co", covariant=True)


class Conversion(Protocol[R_co]):
    """What the pipeline does for a Response: content with the result protocol."""

    def converts(self, content: object) -> bool:
        """Whether `content` has the result protocol."""

    def convert(
        self,
        content: object,
        encoders: EncoderRegistry,
        status_code: int | None,
        headers: RawHeaders,
    ) -> R_co:
        """The Response `content` converts to, with `status_code` and `headers` (what the
        constructor was given explicitly) winning over the result's own."""


pipeline: Conversion[Any]
"""The conversion in use: `egress.pipeline`'s, installed as it is imported."""


def use_conversion(conversion: Conversion[Any]) -> None:
    """Install the pipeline's conversion (egress.pipeline does, once, when imported)."""
    global pipeline
    pipeline = conversion
