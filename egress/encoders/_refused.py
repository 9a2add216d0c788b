"""What happens when an engine refuses a document: the Python walk writes it, or names
where it fails.

The engines do not say where they stopped, so the value is walked again in Python, which
names the path of a real error. A refusal is not always an error: orjson takes neither
integers beyond 64 bits nor keys that are not exact str, which egress writes (design:
msgspec's key rules), and msgspec refuses a few things the registry writes. When the walk
succeeds, its plain data is the document, written by orjson.

The first attempt may have used up generators before it stopped: `replay` holds what the
registry made of each, so the walk writes the same items instead of an emptied array.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from egress.encoders._backends import encode_orjson
from egress.encoders._errors import EncodeError
from egress.encoders._walk import Walker

if TYPE_CHECKING:
    from egress.encoders._plan import Plan

__all__ = ["write_from_walk"]


def write_from_walk(
    plan: Plan, value: Any, raised: BaseException | None, replay: dict[int, tuple[Any, Any]]
) -> bytes:
    """The JSON for `value` after an engine refused it; `raised` is what an encoder raised
    during the attempt (None: the engine itself refused). EncodeError when the walk
    fails too, naming where and why."""
    if isinstance(raised, EncodeError) and raised.path != "$":
        raise raised from raised.__cause__
    walker = Walker(plan, wide_ints=True, replay=replay, strict_strings=True)
    try:
        plain = walker.walk(value)
    except EncodeError as located:
        # `raised` at `$` is this same failure as the engine saw it, before the walk found
        # where: chained, it would be logged first and name the wrong place
        raise located from (raised.__cause__ if isinstance(raised, EncodeError) else raised)
    except Exception as error:  # an encoder that raised: name it
        raise EncodeError(f"an encoder raised {error!r}") from raised
    if raised is not None:
        raise EncodeError(f"an encoder raised {raised!r}") from raised
    try:
        return encode_orjson(plain)
    except orjson.JSONEncodeError as refused:
        raise EncodeError(str(refused)) from None
