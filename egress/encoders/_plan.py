"""A registry's compiled form: the per-type dispatch table and the engines' settings.

A Plan is immutable once built; the registry builds a new one on every change and
swaps it in with one assignment, so a thread encoding meanwhile sees the old plan
or the new one, never half of a change, and every type cache starts empty.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import orjson

from egress.encoders._encoder import Encoder
from egress.encoders._errors import unsupported
from egress.encoders._native import ENUM, Native, engine_settings

__all__ = ["Entry", "Plan", "RawJSON", "Registration"]

Serializer = Callable[[Any], Any]


class Entry(NamedTuple):
    """One registration as the registry keeps it: its name and priority live here, so
    the caller's encoder object is never changed, and may sit in several registries."""

    encoder: Encoder[Any]  # what dispatch asks (an adapter for Lilya-shaped encoders)
    name: str
    priority: int
    seq: int  # registration order: newer wins a tie
    registered: object  # what the caller registered; unregister() and encoders() use it
    builtin: bool = False
    stands_in_for: tuple[Native, ...] = ()  # built-ins: the engines' handlings whose form it writes


class Registration(NamedTuple):
    """One row of `registry.encoders()`."""

    name: str
    priority: int
    encoder: object


class RawJSON:
    """JSON text an encoder produced itself (pydantic, msgspec), for the Python walk,
    which must read it back; the fast path gets an `orjson.Fragment` instead."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class _TypeTable(dict[type, Serializer]):
    """type -> serializer, filled on first sight of a type (O(1) afterwards)."""

    def __init__(self, plan: Plan, *, raw_json: bool) -> None:
        super().__init__()
        self._plan = plan
        self._raw_json = raw_json

    def __missing__(self, cls: type) -> Serializer:
        serializer = self._plan.serializer_for(cls, raw_json=self._raw_json)
        self[cls] = serializer
        return serializer


def _serializer(encoder: Encoder[Any], raw_json: bool, cls: type) -> Serializer:
    per_class = getattr(encoder, "class_serializer", None)  # the datetime family
    if per_class is not None:
        return per_class(cls, raw_json)  # type: ignore[no-any-return]
    to_json = getattr(encoder, "serialize_json", None) if raw_json else None
    if to_json is None:
        return encoder.serialize

    def serialize(value: Any) -> Any:
        data = to_json(value)
        return RawJSON(data) if type(data) is bytes else data

    return serialize


def _raiser(cls: type) -> Serializer:
    def fail(value: Any) -> Any:
        raise unsupported(cls)

    return fail


def _chain(
    conditional: Sequence[Encoder[Any]], fallback: Serializer, raw_json: bool, cls: type
) -> Serializer:
    """Ask value predicates in order, then fall back to the best type encoder."""
    steps = [(encoder.is_type, _serializer(encoder, raw_json, cls)) for encoder in conditional]

    def serialize(value: Any) -> Any:
        for is_type, step in steps:
            if is_type(value):
                return step(value)
        return fallback(value)

    return serialize


def _claims_enum_members(entry: Entry) -> bool:
    """orjson writes every Enum member itself, and no option hands them over, so an encoder
    registered for a class an Enum merely mixes in does not claim its members (taking them
    over would cost a Python walk of every value): only encoders for Enum classes, their
    bases or ABCs, and value predicates do."""
    targets = entry.encoder.target_types()
    if not targets:
        return not entry.builtin
    return any(ENUM.claims(t) for t in targets)


class Plan:
    """Dispatch for one state of a registry."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: (-e.priority, -e.seq))
        self.table = _TypeTable(self, raw_json=False)
        self.walk_table = _TypeTable(self, raw_json=True)
        self._candidates: dict[type, list[Entry]] = {}
        self.option, self.prewalk, self.msgspec_route = engine_settings(self.entries)
        self.subclass_passthrough = bool(self.option & orjson.OPT_PASSTHROUGH_SUBCLASS)
        self.default = _default(self.table)

    def candidates(self, cls: type) -> list[Entry]:
        """Entries that may take instances of `cls`, best first (design.md ordering)."""
        found = self._candidates.get(cls)
        if found is None:
            found = self._candidates[cls] = self._rank(cls)
        return found

    def _rank(self, cls: type) -> list[Entry]:
        enum_members = issubclass(cls, enum.Enum)
        ranked = []
        for entry in self.entries:
            encoder = entry.encoder
            if enum_members and not _claims_enum_members(entry):
                continue
            if encoder.target_types() or not encoder.checks_values:
                distance = encoder.matches_class(cls)
                if distance is None:
                    continue
            else:
                distance = 1 << 30  # a pure predicate ranks after every type match
            ranked.append((-entry.priority, distance, -entry.seq, entry))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked]

    def serializer_for(self, cls: type, *, raw_json: bool = False) -> Serializer:
        conditional = []
        fallback = _raiser(cls)
        for entry in self.candidates(cls):
            if not entry.encoder.checks_values:
                fallback = _serializer(entry.encoder, raw_json, cls)
                break
            conditional.append(entry.encoder)
        return _chain(conditional, fallback, raw_json, cls) if conditional else fallback

    def entry_for(self, value: Any) -> Entry | None:
        """The registration that handles `value`, or None."""
        for entry in self.candidates(type(value)):
            if not entry.encoder.checks_values or entry.encoder.is_type(value):
                return entry
        return None


def _default(table: _TypeTable) -> Serializer:
    """orjson's `default`: the type table's serializer for the value's class."""

    def default(value: Any) -> Any:
        return table[value.__class__](value)

    return default
