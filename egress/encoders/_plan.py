"""A registry's compiled form: the per-type dispatch table and orjson's options.

A Plan is immutable once built; the registry builds a new one on every change and
swaps it in with one assignment, so a thread encoding meanwhile sees the old plan
or the new one, never half of a change, and every type cache starts empty.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from uuid import UUID

import orjson

from egress.encoders._encoder import Encoder
from egress.encoders._errors import unsupported

__all__ = ["NATIVE_TYPES", "Entry", "Plan", "RawJSON"]

# Types orjson writes without ever calling `default`; nobody can take them over.
NATIVE_TYPES = (str, int, float, bool, type(None), dict, list, tuple)

Serializer = Callable[[Any], Any]


class Entry(NamedTuple):
    encoder: Encoder[Any]
    priority: int
    seq: int  # registration order: newer wins a tie
    builtin: bool


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


def _serializer(encoder: Encoder[Any], raw_json: bool) -> Serializer:
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


def _chain(conditional: Sequence[Encoder[Any]], fallback: Serializer, raw_json: bool) -> Serializer:
    """Ask value predicates in order, then fall back to the best type encoder."""
    steps = [(encoder.is_type, _serializer(encoder, raw_json)) for encoder in conditional]

    def serialize(value: Any) -> Any:
        for is_type, step in steps:
            if is_type(value):
                return step(value)
        return fallback(value)

    return serialize


def _could_claim(target: type, native: type | tuple[type, ...]) -> bool:
    natives = native if isinstance(native, tuple) else (native,)
    return (
        target is object
        or (isinstance(target, abc.ABCMeta) and not issubclass(target, NATIVE_TYPES))
        or any(issubclass(target, n) or issubclass(n, target) for n in natives)
    )


def _is_dataclass_family(target: type) -> bool:
    if dataclasses.is_dataclass(target) or target is object:
        return True
    pending: list[type] = list(target.__subclasses__())
    while pending:
        sub = pending.pop()
        if dataclasses.is_dataclass(sub):
            return True
        pending.extend(sub.__subclasses__())
    return False


class Plan:
    """Dispatch for one state of a registry."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: (-e.priority, -e.seq))
        self.table = _TypeTable(self, raw_json=False)
        self.walk_table = _TypeTable(self, raw_json=True)
        self._candidates: dict[type, list[Encoder[Any]]] = {}
        self.option, self.prewalk = self._orjson_settings()
        self.subclass_passthrough = bool(self.option & orjson.OPT_PASSTHROUGH_SUBCLASS)
        table = self.table

        def default(value: Any) -> Any:
            return table[value.__class__](value)

        self.default = default

    def candidates(self, cls: type) -> list[Encoder[Any]]:
        """Encoders that may take instances of `cls`, best first (design.md ordering)."""
        found = self._candidates.get(cls)
        if found is None:
            found = self._candidates[cls] = self._rank(cls)
        return found

    def _rank(self, cls: type) -> list[Encoder[Any]]:
        ranked = []
        for entry in self.entries:
            encoder = entry.encoder
            if encoder.target_types() or not encoder.checks_values:
                distance = encoder.matches_class(cls)
                if distance is None:
                    continue
            else:
                distance = 1 << 30  # a pure predicate ranks after every type match
            ranked.append((-entry.priority, distance, -entry.seq, encoder))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked]

    def serializer_for(self, cls: type, *, raw_json: bool = False) -> Serializer:
        conditional = []
        fallback = _raiser(cls)
        for encoder in self.candidates(cls):
            if not encoder.checks_values:
                fallback = _serializer(encoder, raw_json)
                break
            conditional.append(encoder)
        return _chain(conditional, fallback, raw_json) if conditional else fallback

    def encoder_for(self, value: Any) -> Encoder[Any] | None:
        for encoder in self.candidates(type(value)):
            if not encoder.checks_values or encoder.is_type(value):
                return encoder
        return None

    def _orjson_settings(self) -> tuple[int, bool]:
        """Which of orjson's native handlings a registered encoder takes over.

        orjson can hand dataclasses, datetimes and str/int/dict/list subclasses to
        `default` (its PASSTHROUGH options), but always writes Enum and UUID itself:
        taking those over needs a Python pre-walk. Built-ins write what orjson does,
        so only user encoders (and removed built-ins) count.
        """
        option = orjson.OPT_PASSTHROUGH_DATETIME  # see _builtins: isoformat is the form
        prewalk = False
        builtins = {e.encoder.name for e in self.entries if e.builtin}
        for name, flag in (
            ("dataclass", orjson.OPT_PASSTHROUGH_DATACLASS),
            ("datetime", orjson.OPT_PASSTHROUGH_DATETIME),
            ("date", orjson.OPT_PASSTHROUGH_DATETIME),
            ("time", orjson.OPT_PASSTHROUGH_DATETIME),
            ("str_subclass", orjson.OPT_PASSTHROUGH_SUBCLASS),
            ("int_subclass", orjson.OPT_PASSTHROUGH_SUBCLASS),
            ("collection", orjson.OPT_PASSTHROUGH_SUBCLASS),
            ("mapping", orjson.OPT_PASSTHROUGH_SUBCLASS),
        ):
            if name not in builtins:
                option |= flag
        if "enum" not in builtins or "uuid" not in builtins:
            prewalk = True
        for entry in self.entries:
            if entry.builtin:
                continue
            targets = entry.encoder.target_types()
            if not targets:  # a value predicate could claim anything
                return option | _ALL_PASSTHROUGH, True
            for target in targets:
                if _could_claim(target, (enum.Enum, UUID)):
                    prewalk = True
                if _is_dataclass_family(target):
                    option |= orjson.OPT_PASSTHROUGH_DATACLASS
                if _could_claim(target, (str, int, dict, list)):
                    option |= orjson.OPT_PASSTHROUGH_SUBCLASS
        return option, prewalk


_ALL_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
