"""What the engines write by themselves, and what it takes for a registry to write it instead.

This module is the one place that knows the engines' own handlings. orjson writes
dataclasses, datetimes, Enum and UUID values and the subclasses of str, int, list and
dict without calling `default`; msgspec writes dataclasses, attrs classes, Structs,
datetimes, timedeltas, Enum, UUID, Decimal, bytes, sets, tuples and the subclasses of
list, tuple and dict without calling `enc_hook`. Each handling has a built-in encoder
that stands in for it (writes the same form, see `_builtins`), so an engine may keep
writing such values while that built-in is registered and no other encoder could claim
them. Otherwise the registry takes the handling over: for orjson with the PASSTHROUGH
option that sends such values to `default`, or, for Enum and UUID (orjson has no such
option), with a Python pre-walk; for msgspec by not letting it write whole documents.

"Could claim" must not depend on which classes exist yet: a dataclass or a str subclass
can derive from a registered class at any time, after the registry compiled its options.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import msgspec
import orjson

__all__ = [
    "ATTRS",
    "BYTES",
    "DATACLASS",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "DICT_SUBCLASS",
    "ENUM",
    "INT_SUBCLASS",
    "LIST_SUBCLASS",
    "NATIVES",
    "NATIVE_TYPES",
    "SET",
    "STRUCT",
    "STR_SUBCLASS",
    "TIME",
    "TIMEDELTA",
    "TUPLE_SUBCLASS",
    "UUID_",
    "Claim",
    "EngineSettings",
    "Native",
    "engine_settings",
]

# Types every backend writes itself, never asking an encoder: nobody can take them over.
NATIVE_TYPES = (str, int, float, bool, type(None), dict, list, tuple)

_PREWALK = 0  # no PASSTHROUGH option exists: only a Python pre-walk takes these over
_ASKS = -1  # orjson never writes these itself: they always reach `default`
_BASETYPE = 1 << 10  # Py_TPFLAGS_BASETYPE: the class can be subclassed


class Native(NamedTuple):
    """One of the engines' own handlings."""

    what: str  # names the handling, and tells apart those that share an option
    option: int  # orjson's PASSTHROUGH option for these values, _PREWALK or _ASKS
    claims: Callable[[type], bool]  # could an encoder registered for this class claim one
    orjson_form: bool = True  # False: orjson's text is not egress's, so always take it over
    msgspec: bool = False  # msgspec writes these itself, in egress's form


def _open_ended(target: type) -> bool:
    """Any class a dataclass, attrs class or a str/int/list/dict subclass may derive from,
    now or later: every class that can be subclassed, except an Enum (the engines write
    Enum members as Enum members first, whatever else they are)."""
    return bool(target.__flags__ & _BASETYPE) and not issubclass(target, enum.Enum)


def _virtual(target: type) -> bool:
    """An ABC (or runtime Protocol) outside the native types: any class may be registered
    as its virtual subclass, so it may claim anything."""
    return isinstance(target, abc.ABCMeta) and not issubclass(target, NATIVE_TYPES)


def _family(*natives: type) -> Callable[[type], bool]:
    """The engines write instances of `natives` and of their subclasses: an encoder for
    one of those classes, a subclass or a base claims some of them."""

    def claims(target: type) -> bool:
        return _virtual(target) or any(
            issubclass(target, n) or issubclass(n, target) for n in natives
        )

    return claims


def _base_of(native: type) -> Callable[[type], bool]:
    """orjson writes only exact instances of `native`, so only its bases may claim them."""

    def claims(target: type) -> bool:
        return issubclass(native, target) or _virtual(target)

    return claims


_SUBCLASS = orjson.OPT_PASSTHROUGH_SUBCLASS
# orjson writes a dataclass's __dict__ (attributes that are not fields too) and gets some
# datetimes and every aware time wrong: those always come to egress.
_DATACLASS = orjson.OPT_PASSTHROUGH_DATACLASS
DATACLASS = Native("dataclass instances", _DATACLASS, _open_ended, False, True)
ATTRS = Native("attrs instances", _ASKS, _open_ended, True, True)
STRUCT = Native("msgspec Structs", _ASKS, _family(msgspec.Struct), True, True)
STR_SUBCLASS = Native("str subclasses", _SUBCLASS, _open_ended)
INT_SUBCLASS = Native("int subclasses", _SUBCLASS, _open_ended)
LIST_SUBCLASS = Native("list subclasses", _SUBCLASS, _open_ended, True, True)
DICT_SUBCLASS = Native("dict subclasses", _SUBCLASS, _open_ended, True, True)
TUPLE_SUBCLASS = Native("tuple subclasses", _ASKS, _open_ended, True, True)
DATETIME = Native("datetime", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(datetime), False, True)
DATE = Native("date", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(date), False, True)
TIME = Native("time", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(time), False, True)
TIMEDELTA = Native("timedelta", _ASKS, _family(timedelta), True, True)
ENUM = Native(
    "Enum members",
    _PREWALK,
    lambda t: issubclass(t, enum.Enum) or issubclass(enum.Enum, t) or _virtual(t),
    True,
    True,
)
UUID_ = Native("UUID", _PREWALK, _family(UUID), True, True)
DECIMAL = Native("Decimal", _ASKS, _family(Decimal), True, True)
BYTES = Native("bytes", _ASKS, _family(bytes, bytearray, memoryview), True, True)
SET = Native("sets", _ASKS, _family(set, frozenset), True, True)

NATIVES = (
    DATACLASS,
    ATTRS,
    STRUCT,
    STR_SUBCLASS,
    INT_SUBCLASS,
    LIST_SUBCLASS,
    DICT_SUBCLASS,
    TUPLE_SUBCLASS,
    DATETIME,
    DATE,
    TIME,
    TIMEDELTA,
    ENUM,
    UUID_,
    DECIMAL,
    BYTES,
    SET,
)


class Claim(Protocol):
    """What the settings read of one registration (a `_plan.Entry`)."""

    @property
    def encoder(self) -> Any: ...
    @property
    def builtin(self) -> bool: ...
    @property
    def stands_in_for(self) -> tuple[Native, ...]: ...


class EngineSettings(NamedTuple):
    option: int  # orjson's option bits
    prewalk: bool  # orjson must be given a pre-walked value (Enum or UUID taken over)
    msgspec_route: bool  # msgspec may write whole documents: it claims nothing a user does


def engine_settings(entries: Sequence[Claim]) -> EngineSettings:
    """The engines' settings for these registrations.

    A handling is taken over when no registered built-in stands in for it (the user
    removed it), or when a user encoder could claim such a value: a value predicate
    could claim anything. orjson also hands over what it writes in another form.
    """
    standing = {n for e in entries if e.builtin for n in e.stands_in_for}
    taken = {n for n in NATIVES if n not in standing}
    for entry in entries:
        if entry.builtin:
            continue
        targets = entry.encoder.target_types()
        if not targets:
            taken.update(NATIVES)
            break
        taken.update(n for n in NATIVES if any(n.claims(t) for t in targets))
    option = 0
    prewalk = False
    for native in NATIVES:
        if native.option == _ASKS or (native not in taken and native.orjson_form):
            continue
        option |= native.option
        prewalk = prewalk or native.option == _PREWALK
    return EngineSettings(option, prewalk, not any(n.msgspec for n in taken))
