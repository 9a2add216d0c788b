"""The result protocol: an object that knows its own response.

`__response__()` (and view.py's `__view_result__()`, honoured for code written for it)
returns a raw handler value that the pipeline converts again. Like any special method it
is looked up on the class and bound through the descriptor protocol, so it may be an
instance method, a staticmethod or a classmethod (view.py: "doesn't matter if it's
static or instance"), while a class passed as a value, or a proxy that answers every
attribute, is not mistaken for a result.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["result_method"]

_NAMES = ("__response__", "__view_result__")


def result_method(value: object) -> tuple[str, Callable[[], object]] | None:
    """The protocol method's name and the method bound to `value` (call it with no
    arguments), or None when `value`'s class has neither."""
    kind = type(value)
    for name in _NAMES:
        # getattr on the class goes through the type's attribute cache: the common
        # answer (no protocol) costs that alone.
        if getattr(kind, name, None) is None:
            continue
        # Found: take the attribute as the class defines it (a metaclass's does not
        # count) and bind it as Python binds a special method.
        for klass in kind.__mro__:
            attribute = vars(klass).get(name)
            if attribute is not None:
                bind = getattr(type(attribute), "__get__", None)
                method = attribute if bind is None else bind(attribute, value, kind)
                return name, method
    return None
