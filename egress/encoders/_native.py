"""What orjson writes by itself, and what it takes for a registry to write it instead.

This module is the one place that knows orjson's own handlings. orjson writes
dataclasses, datetimes, Enum and UUID values and the subclasses of str, int, list and
dict without calling `default`. Each of those has a built-in encoder that stands in for
it (writes the same form, see `_builtins`), so orjson may keep writing such values while
that built-in is registered and no other encoder could claim them. Otherwise the
registry takes the handling over: with the PASSTHROUGH option that sends such values to
`default`, or, for Enum and UUID (orjson has no such option), with a Python pre-walk.

"Could claim" must not depend on which classes exist yet: a dataclass or a str subclass
can derive from a registered class at any time, after the registry compiled its options.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

import orjson

if TYPE_CHECKING:
    from egress.encoders._plan import Entry

__all__ = [
    "DATACLASS",
    "DATE",
    "DATETIME",
    "DICT_SUBCLASS",
    "ENUM",
    "INT_SUBCLASS",
    "LIST_SUBCLASS",
    "NATIVES",
    "NATIVE_TYPES",
    "STR_SUBCLASS",
    "TIME",
    "UUID_",
    "Native",
    "orjson_settings",
]

# Types every backend writes itself, never asking an encoder: nobody can take them over.
NATIVE_TYPES = (str, int, float, bool, type(None), dict, list, tuple)

_PREWALK = 0  # no PASSTHROUGH option exists: only a Python pre-walk takes these over
_BASETYPE = 1 << 10  # Py_TPFLAGS_BASETYPE: the class can be subclassed


class Native(NamedTuple):
    """One of orjson's own handlings."""

    what: str  # names the handling, and tells apart those that share an option
    option: int  # the PASSTHROUGH option that hands these values to `default`, or _PREWALK
    claims: Callable[[type], bool]  # could an encoder registered for this class claim one
    orjson_form: bool = True  # False: orjson's text is not egress's, so always take it over


def _open_ended(target: type) -> bool:
    """Any class a dataclass or a str/int/list/dict subclass may derive from, now or
    later: every class that can be subclassed, except an Enum (orjson writes Enum
    members as Enum members first, whatever else they are)."""
    return bool(target.__flags__ & _BASETYPE) and not issubclass(target, enum.Enum)


def _virtual(target: type) -> bool:
    """An ABC (or runtime Protocol) outside the native types: any class may be registered
    as its virtual subclass, so it may claim anything."""
    return isinstance(target, abc.ABCMeta) and not issubclass(target, NATIVE_TYPES)


def _enum_family(target: type) -> bool:
    return issubclass(target, enum.Enum) or issubclass(enum.Enum, target) or _virtual(target)


def _base_of(native: type) -> Callable[[type], bool]:
    """orjson writes only exact instances of `native`, so only its bases may claim them."""

    def claims(target: type) -> bool:
        return issubclass(native, target) or _virtual(target)

    return claims


DATACLASS = Native("dataclass instances", orjson.OPT_PASSTHROUGH_DATACLASS, _open_ended)
STR_SUBCLASS = Native("str subclasses", orjson.OPT_PASSTHROUGH_SUBCLASS, _open_ended)
INT_SUBCLASS = Native("int subclasses", orjson.OPT_PASSTHROUGH_SUBCLASS, _open_ended)
LIST_SUBCLASS = Native("list subclasses", orjson.OPT_PASSTHROUGH_SUBCLASS, _open_ended)
DICT_SUBCLASS = Native("dict subclasses", orjson.OPT_PASSTHROUGH_SUBCLASS, _open_ended)
# orjson 3.11-3.13 misplace the digits of some microsecond times, round sub-minute UTC
# offsets into invalid text and write Z for an offset of None, so datetimes always come to
# egress (see _datetimes for the form and the writers asked where they are right).
DATETIME = Native("datetime", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(datetime), False)
DATE = Native("date", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(date), False)
TIME = Native("time", orjson.OPT_PASSTHROUGH_DATETIME, _base_of(time), False)
ENUM = Native("Enum members", _PREWALK, _enum_family)
UUID_ = Native("UUID", _PREWALK, _base_of(UUID))

NATIVES = (
    DATACLASS,
    STR_SUBCLASS,
    INT_SUBCLASS,
    LIST_SUBCLASS,
    DICT_SUBCLASS,
    DATETIME,
    DATE,
    TIME,
    ENUM,
    UUID_,
)


def orjson_settings(entries: Sequence[Entry]) -> tuple[int, bool]:
    """orjson's option bits, and whether a Python pre-walk is needed, for these entries.

    A handling is taken over when orjson's form is not egress's, when no registered
    built-in stands in for it (the user removed it), or when a user encoder could claim
    such a value: a value predicate could claim anything.
    """
    standing = {e.stands_in_for for e in entries if e.builtin}
    taken = {n for n in NATIVES if not n.orjson_form or n not in standing}
    for entry in entries:
        if entry.builtin:
            continue
        targets = entry.encoder.target_types()
        if not targets:
            taken.update(NATIVES)
            break
        taken.update(n for n in NATIVES if any(n.claims(t) for t in targets))
    option = 0
    for native in taken:
        option |= native.option
    return option, any(n.option == _PREWALK for n in taken)
