"""EncodeError and the JSON-path notation it uses."""

from __future__ import annotations

__all__ = ["EncodeError", "join_path", "unsupported"]


def join_path(path: str, key: object) -> str:
    """`$.orders[2].customer` style: identifiers after a dot, the rest in brackets."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if text.isidentifier():
        return f"{path}.{text}"
    return f"{path}[{text!r}]"


class EncodeError(TypeError):
    """A value could not be turned into JSON; says where, what, and how to fix it."""

    def __init__(
        self, reason: str, *, path: str = "$", type_name: str | None = None, hint: str | None = None
    ) -> None:
        self.reason = reason
        self.path = path
        self.type_name = type_name
        self.hint = hint
        what = f" ({type_name})" if type_name else ""
        message = f"cannot encode the value at {path}{what}: {reason}"
        super().__init__(f"{message}. {hint}" if hint else message)

    def at(self, path: str) -> EncodeError:
        """The same error, located at `path` (raised deep down, located on the way up)."""
        located = EncodeError(self.reason, path=path, type_name=self.type_name, hint=self.hint)
        located.__cause__ = self.__cause__
        return located


def unsupported(type_: type) -> EncodeError:
    name = type_.__qualname__
    return EncodeError(
        "no encoder is registered for this type",
        type_name=name,
        hint=f"Register one: egress.register_encoder({name}, lambda value: ...) returning "
        "something JSON-encodable (a dict, list, str, number...)",
    )
