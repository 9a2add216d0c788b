"""Clear errors for the names a newcomer to egress reaches for first.

`response.cookie(...)` (Express's `res.cookie`), `response.cookies` (aiohttp, Sanic),
`status=` (Django, Flask, aiohttp): each fails at once, as it would anyway, but with the
egress name in the message. Both checks sit where they cost nothing on the common path:
`__getattr__` runs only for a name that is not there, and the constructor looks at its
`status` keyword only once the common case (every argument left to its default) is
ruled out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

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


class MistakenNames:
    """A response's `AttributeError` for a name it lacks names the egress spelling when
    there is one."""

    if not TYPE_CHECKING:  # for a type checker an unknown name stays an error

        def __getattr__(self, name: str) -> Any:
            prop = getattr(type(self), name, None)
            if isinstance(prop, property) and prop.fget is not None:
                # A property that raised AttributeError (`body` of a stream): its own
                # message says why, so raise that rather than a generic one.
                return prop.fget(self)
            hint = _MISTAKEN_NAMES.get(name)
            text = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(text if hint is None else f"{text}; use {hint}")
