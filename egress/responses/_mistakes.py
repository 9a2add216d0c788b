"""Clear errors for the names a newcomer to egress reaches for first.

`response.cookie(...)` (Express's `res.cookie`), `response.cookies` (aiohttp, Sanic),
`status=` and `response.status` (Django, Flask, aiohttp): each fails at once, as it
would anyway, but with the egress name in the message. Neither check costs the common
path anything: the names are properties of their own (a `__getattr__` would slow every
attribute read of every response), and the constructor looks at its `status` keyword
only once the common case (every argument left to its default) is ruled out.
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["MistakenNames", "wrong_status_keyword"]

_MISTAKEN_NAMES = {
    "cookie": "set_cookie(key, value, ...) to set a cookie",
    "cookies": "set_cookie(key, value, ...) and delete_cookie(key) for cookies",
    "add_cookie": "set_cookie(key, value, ...) to set a cookie",
    "status": "status_code for the status",
}


def wrong_status_keyword(cls: type) -> NoReturn:
    """The error for `cls(..., status=...)`."""
    raise TypeError(
        f"{cls.__name__}() takes status_code=, not status= (the status is its second "
        f"argument: {cls.__name__}(content, 201) or {cls.__name__}(content, status_code=201))"
    )


def _mistaken(name: str, hint: str) -> property:
    def read(self: object) -> NoReturn:
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}; use {hint}"
        )

    return property(read, doc=f"Not an egress name: use {hint}.")


class MistakenNames:
    """A base of every response: reading one of the names above raises AttributeError
    naming the egress spelling (so `hasattr` is False), and assigning one fails too. Set
    up at run time only, so that for a type checker they stay unknown names."""


def _install() -> None:
    for name, hint in _MISTAKEN_NAMES.items():
        setattr(MistakenNames, name, _mistaken(name, hint))


_install()
