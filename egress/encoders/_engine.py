"""Which engine writes a document: orjson, msgspec, or both in turn, chosen per call site.

orjson writes JSON-native data fastest (plain records, small values); msgspec writes
what APIs send most fastest (rows with datetimes, dataclasses, Structs), because it
writes those itself where orjson must call back into Python for each (a datetime,
a dataclass) to get the canonical text. Neither knows in advance what a document
holds, so each call site (a registry's `dumps`, a Pipeline, the JSON responses) keeps
a `Site`: its memory of what its documents needed last time.

- PLAIN: orjson alone, no `default`; the small and plain documents end here, at bare
  orjson's cost. A value orjson does not write itself makes it give up at once, before
  any Python code ran, and the document goes to the next mode.
- DEFAULTS: orjson with a `default` that asks the registry. At the 16th value msgspec
  would have written itself (datetimes, dataclasses...), it stops, and msgspec writes
  the whole document with the registry as its `enc_hook`.
- MSGSPEC: msgspec straight away; every 64th call tries orjson again, so a site whose
  documents changed finds its way back.

Chosen by measurement (benchmarks/encode.py): msgspec writing every document, the
simpler design, costs 1.3 to 1.4 times orjson on JSON-native data and 10 times on a
small value, while orjson with a `default` per datetime costs about twice msgspec on
rows with timestamps; starting with orjson and remembering per site costs neither.

A document orjson refuses (an integer beyond 64 bits, a non-str key, nesting beyond its
254 levels) goes to msgspec,
and one msgspec refuses too is walked in Python, which writes it or names where it
fails. An attempt that stopped may have used up generators: what the registry made of
each is kept and given again to the next attempt, so no item is lost.

msgspec may write whole documents only when no user encoder claims a type it writes
itself (the same rule that compiles orjson's options, `_native`): a user encoder always
wins.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

import msgspec
import orjson

from egress.encoders._native import NATIVE_TYPES
from egress.encoders._plan import Plan, RawJSON
from egress.encoders._refused import write_from_walk

__all__ = ["Site"]

PLAIN, DEFAULTS, MSGSPEC, OFF = 0, 1, 2, 3  # OFF: the registry's plan is not the engines'

SWITCH_AFTER = 16  # msgspec-native values orjson's `default` writes before msgspec takes over
PROBE_EVERY = 64  # a site on msgspec tries orjson again every so many calls

_dumps = orjson.dumps
_JSONEncodeError = orjson.JSONEncodeError
_Fragment = orjson.Fragment
_Raw = msgspec.Raw
_OTHER, _MSGSPEC_WRITES, _ONE_SHOT = 0, 1, 2
_NATIVE_TYPES = frozenset(NATIVE_TYPES)


class _Switch(Exception):
    """Raised in orjson's `default` to hand the document to msgspec."""


class _Kinds(dict[type, int]):
    """Per class reaching `default`: written by msgspec itself, a one-shot iterator, or
    another type. Only asked for the classes the registry's built-ins handle when msgspec
    may write documents, so those built-ins write msgspec's form."""

    def __init__(self, route: bool) -> None:
        super().__init__()
        self._route = route

    def __missing__(self, cls: type) -> int:
        kind = _OTHER
        if issubclass(cls, Iterator):
            kind = _ONE_SHOT
        elif self._route and _msgspec_writes(cls):
            kind = _MSGSPEC_WRITES
        self[cls] = kind
        return kind


_MSGSPEC_CLASSES = frozenset(
    {datetime, date, time, timedelta, Decimal, set, frozenset, bytes, bytearray, memoryview}
)


def _msgspec_writes(cls: type) -> bool:
    """Does msgspec write instances of `cls` itself (without its `enc_hook`)?"""
    if cls in _MSGSPEC_CLASSES or issubclass(cls, (msgspec.Struct, tuple, UUID)):
        return True
    attr = sys.modules.get("attr")
    return dataclasses.is_dataclass(cls) or (attr is not None and bool(attr.has(cls)))


class _EncoderRaised(Exception):
    """An encoder raised inside msgspec's `enc_hook` (its error is the cause)."""


class _Engines:
    """What the engines need of one plan, built once per plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.kinds = _Kinds(plan.msgspec_route)
        self.route = plan.msgspec_route
        # One msgspec Encoder per plan: `msgspec.json.encode(value, enc_hook=...)` sets up
        # an encoder per call, 1.3x the time on 100 small dataclasses. Its hook finds the
        # attempt under way in this thread (nested attempts restore the outer one).
        self.current = threading.local()
        self.encoder = msgspec.json.Encoder(enc_hook=self._hook)

    def _hook(self, value: Any) -> Any:
        """msgspec's `enc_hook`: the registry's JSON for a value msgspec does not write,
        as msgspec.Raw where it is JSON text already."""
        cls = value.__class__
        if cls in _NATIVE_TYPES:  # a dict key msgspec refuses (bool, None, a tuple...)
            raise TypeError(f"{cls.__qualname__} is not a dict key")
        serialize = self.plan.walk_table[cls]
        try:
            if self.kinds[cls] == _ONE_SHOT:
                out = self.current.attempt.remember(value, serialize)
            else:
                out = serialize(value)
        except Exception as error:
            raise _EncoderRaised from error
        if out.__class__ is RawJSON:
            return _Raw(out.data)
        return _Raw(_dumps(out)) if out.__class__ is _Fragment else out


class _Attempt:
    """One document's encode: counts what orjson's `default` writes, keeps what the
    registry made of one-shot iterators (id -> (iterator, result))."""

    __slots__ = ("calls", "count", "engines", "memo")

    def __init__(self, engines: _Engines) -> None:
        self.engines = engines
        self.calls = 0
        self.count = 0
        self.memo: dict[int, tuple[Any, Any]] = {}

    def default(self, value: Any) -> Any:
        """orjson's `default`."""
        cls = value.__class__
        kind = self.engines.kinds[cls]
        self.calls += 1
        if kind == _MSGSPEC_WRITES:
            self.count += 1
            if self.count >= SWITCH_AFTER:
                raise _Switch
        elif kind == _ONE_SHOT:
            return self.remember(value, self.engines.plan.table[cls])
        return self.engines.plan.table[cls](value)

    def remember(self, value: Any, serialize: Callable[[Any], Any]) -> Any:
        found = self.memo.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        out = serialize(value)
        self.memo[id(value)] = (value, out)
        return out

    def msgspec(self, value: Any) -> bytes:
        """msgspec writes the whole document; the Python walk if it refuses."""
        current = self.engines.current
        outer = getattr(current, "attempt", None)
        current.attempt = self
        try:
            return self.engines.encoder.encode(value)
        except _EncoderRaised as error:
            return write_from_walk(self.engines.plan, value, error.__cause__, self.memo)
        except (TypeError, ValueError, RecursionError, msgspec.EncodeError):  # its own refusals
            return write_from_walk(self.engines.plan, value, None, self.memo)
        finally:
            current.attempt = outer


class Registry(Protocol):
    """What a site reads of an `EncoderRegistry`."""

    @property
    def engine_plan(self) -> Plan | None: ...

    def dumps(self, value: Any) -> bytes: ...


class Site:
    """One call site's memory of the mode its documents needed last (see above)."""

    __slots__ = ("_engines", "calls", "mode", "option")

    def __init__(self) -> None:
        self.mode = PLAIN
        self.calls = 0
        self.option = 0  # orjson's options, for a registry's own site (`follow`)
        self._engines: _Engines | None = None

    def follow(self, plan: Plan | None) -> None:
        """A registry's own site: its new plan, or None when the engines do not write its
        documents (another backend, or a pre-walk), so its `dumps` reads one slot (`mode`
        is PLAIN, 0) to know whether orjson alone may try the document."""
        if plan is None:
            self.mode = OFF
            return
        self.option = plan.option
        if self.mode == OFF:
            self.mode = PLAIN

    def dumps(self, registry: Registry, value: Any) -> bytes:
        """`registry.dumps(value)`, remembering the engine here rather than in the
        registry, whose other callers send other documents."""
        plan = registry.engine_plan
        if plan is None:  # another backend, or a pre-walk: the registry decides
            return registry.dumps(value)
        if self.mode == PLAIN:
            try:
                return _dumps(value, None, plan.option)
            except _JSONEncodeError:
                pass
        return self.encode(plan, value)

    def msgspec_only(self, plan: Plan, value: Any) -> bytes:
        """msgspec writes the whole document (the "msgspec" backend), when it may."""
        return _Attempt(self._engines_for(plan)).msgspec(value)

    def _engines_for(self, plan: Plan) -> _Engines:
        """What the engines need of `plan`, kept for the site's latest plan only, so an
        old registry state is not kept alive."""
        engines = self._engines
        if engines is None or engines.plan is not plan:
            engines = self._engines = _Engines(plan)
        return engines

    def encode(self, plan: Plan, value: Any) -> bytes:
        """The document when orjson alone did not write it, or the mode is another."""
        engines = self._engines
        if engines is None or engines.plan is not plan:
            engines = self._engines_for(plan)
        attempt = _Attempt(engines)
        if self.mode == MSGSPEC and engines.route:
            self.calls += 1
            if self.calls % PROBE_EVERY:
                return attempt.msgspec(value)
        try:
            out = _dumps(value, attempt.default, plan.option)
        except _JSONEncodeError as error:
            cause = error.__cause__
            if cause.__class__ is _Switch or (cause is None and engines.route):
                self.mode = MSGSPEC  # orjson gave up, or refused what msgspec writes
                return attempt.msgspec(value)
            return write_from_walk(plan, value, cause, attempt.memo)
        self.mode = DEFAULTS if attempt.calls else PLAIN
        return out
