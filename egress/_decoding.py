"""Decoders: request text (path and query parameters) to typed values, for endpoints.

Decoding is the endpoints' concern: a handler's parameters are read with a `Decoders`
table. Each EncoderRegistry carries one and delegates `registry.decode` and
`registry.register_decoder` to it, so an app teaches one object its types (and
`@endpoint(encoders=registry)` reads parameters with that registry's table). This module
imports nothing from egress, so the registry below the endpoints can hold a table without
importing upwards.

The number parsers are strict on purpose: Python's own `int()`, `float()` and `Decimal()`
accept underscores, surrounding spaces, digits of every script ("١", "１"), "nan",
"Infinity" and integers too large for any JSON reader. A parameter is request input, so
it accepts only what a client means by a number: ASCII digits, finite, and (for an int)
within the range egress can write back out as JSON.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

__all__ = ["Decoders", "quote_input"]

Parse = Callable[[str], Any]

# The integers egress writes back as JSON (orjson's range; the encoders refuse the rest),
# so every int a handler receives can be returned.
INT_MIN, INT_MAX = -(2**63), 2**64 - 1

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})

# 20 digits hold every integer JSON output can carry (INT_MAX has 20); the bound keeps a
# 4,000-digit parameter from reaching int() at all.
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def quote_input(raw: str, limit: int = 40) -> str:
    """`raw` quoted for an error message, cut short: a message need not echo a megabyte."""
    if len(raw) <= limit:
        return repr(raw)
    return f"{raw[:limit]!r}... ({len(raw)} characters)"


def _int(raw: str) -> int:
    if _INTEGER.fullmatch(raw):
        value = int(raw)
        if INT_MIN <= value <= INT_MAX:
            return value
    raise ValueError(
        f"expected an integer: ASCII digits with an optional sign, from {INT_MIN} to {INT_MAX}"
    )


def _number_text(raw: str) -> str:
    if not _NUMBER.fullmatch(raw):
        raise ValueError(
            "expected a finite number written with ASCII digits, such as 12, -0.5 or 1e3 "
            "(no nan, inf, underscores or spaces)"
        )
    return raw


def _float(raw: str) -> float:
    value = float(_number_text(raw))
    if not math.isfinite(value):
        raise ValueError("the number is too large for a float")
    return value


def _decimal(raw: str) -> Decimal:
    try:
        return Decimal(_number_text(raw))  # the pattern admits finite values only
    except InvalidOperation:
        raise ValueError("the exponent is out of range") from None


def _uuid(raw: str) -> UUID:
    if not raw.isascii():
        raise ValueError("expected a UUID written with ASCII hex digits")
    return UUID(raw)


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true/false, 1/0, yes/no or on/off")


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
    int: _int,
    float: _float,
    bool: _bool,
    Decimal: _decimal,
    UUID: _uuid,
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
        except (ValueError, TypeError, ArithmeticError) as error:
            name = getattr(target, "__name__", repr(target))
            raise ValueError(f"expected {name}, got {quote_input(raw)}: {error}") from None

    def parser_for(self, target: Any) -> Parse:
        """The parse function for `target` (look it up once, call it per request)."""
        parse = self.find(target)
        if parse is None:
            raise TypeError(
                f"no decoder for {target!r}; teach one with registry.register_decoder(type, parse)"
            )
        return parse

    def find(self, target: Any) -> Parse | None:
        """The parse function for `target`, or None when no decoder reads it."""
        if isinstance(target, type):
            if issubclass(target, enum.Enum):
                return lambda raw: _enum(target, raw)
            for cls in target.__mro__:
                parse = self._parsers.get(cls)
                if parse is not None:
                    return parse if cls is target or cls is not str else target
        return None
