"""The result protocol: an object that knows its own response.

`__response__()` (and view.py's `__view_result__()`, honoured for code written for it)
returns a raw handler value that the pipeline converts again. Like any special method it
is looked up on the class, so a class passed as a value, or a proxy that answers every
attribute, is not mistaken for a result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["result_method"]

_NAMES = ("__response__", "__view_result__")


def result_method(value: object) -> Callable[[Any], object] | None:
    """The unbound protocol method of `value`'s class, or None."""
    kind = type(value)
    for name in _NAMES:
        method = getattr(kind, name, None)
        if method is not None:
            return method  # type: ignore[no-any-return]
    return None
