"""The decoding side of a registry: request text (path and query parameters) to values.

One table per registry, so an app that teaches its registry a type for JSON output
teaches it for parameter input in the same place.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

__all__ = ["Decoders"]

Parse = Callable[[str], Any]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true/false, 1/0, yes/no or on/off")


def _decimal(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError("expected a decimal number") from None


def _datetime(raw: str) -> datetime:
    return datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)


def _enum(target: type[enum.Enum], raw: str) -> enum.Enum:
    for member in target:
        if str(member.value) == raw or member.name == raw:
            return member
    choices = ", ".join(str(m.value) for m in target)
    raise ValueError(f"expected one of {choices}")


_BUILTIN: dict[type, Parse] = {
    str: str,
    int: int,
    float: float,
    bool: _bool,
    Decimal: _decimal,
    UUID: UUID,
    datetime: _datetime,
    date: date.fromisoformat,
    time: time.fromisoformat,
}


class Decoders:
    """type -> parse function, found along the target's MRO; Enums by value or name."""

    def __init__(self) -> None:
        self._parsers: dict[type, Parse] = dict(_BUILTIN)

    def copy(self) -> Decoders:
        clone = Decoders()
        clone._parsers = dict(self._parsers)
        return clone

    def register(self, target: type, parse: Parse) -> None:
        self._parsers[target] = parse

    def decode(self, raw: str, target: Any) -> Any:
        parse = self.parser_for(target)
        try:
            return parse(raw)
        except (ValueError, TypeError) as error:
            name = getattr(target, "__name__", repr(target))
            raise ValueError(f"expected {name}, got {raw!r}: {error}") from None

    def parser_for(self, target: Any) -> Parse:
        """The parse function for `target` (look it up once, call it per request)."""
        if isinstance(target, type):
            if issubclass(target, enum.Enum):
                return lambda raw: _enum(target, raw)
            for cls in target.__mro__:
                parse = self._parsers.get(cls)
                if parse is not None:
                    return parse if cls is target or cls is not str else target
        raise TypeError(
            f"no decoder for {target!r}; teach one with registry.register_decoder(type, parse)"
        )
