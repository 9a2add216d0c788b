"""The Python walk over a value: the slow path that knows where it is.

It serves `to_jsonable`, the msgspec and stdlib backends, orjson's pre-walk mode,
`explain`, and the diagnosis of a failed fast-path encode (which only the walk can
locate: orjson does not say where it stopped).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

import msgspec
import orjson

from egress.encoders._errors import EncodeError, join_path
from egress.encoders._native import NATIVE_TYPES
from egress.encoders._plan import RawJSON

if TYPE_CHECKING:
    from egress.encoders._plan import Plan

__all__ = ["MAX_DEPTH", "Explained", "Walker", "key_text"]

MAX_DEPTH = 254  # orjson's recursion limit, so the Python walk fails where orjson does
INT_MIN, INT_MAX = -(2**63), 2**64 - 1  # the integers orjson writes itself
_encode_key = msgspec.json.encode
_decode = orjson.loads
_NATIVE_TYPES = frozenset(NATIVE_TYPES)


def key_text(key: object, hook: Callable[[Any], Any]) -> str:
    """A dict key as JSON writes it, by msgspec's rules: a str (subclass) is its str
    value; int, float, Enum, UUID, date, datetime, time, timedelta, Decimal and bytes keys
    are their JSON text in a string; a key of another type is its encoder's form
    (`hook`, as msgspec asks its `enc_hook`) when that is one of those; bool, None, a
    tuple and anything else are refused."""
    if isinstance(key, str):
        return str.__str__(key)
    try:
        written = _encode_key({key: None}, enc_hook=hook)
    except (TypeError, ValueError, RecursionError, EncodeError):
        raise EncodeError(
            f"dict key {key!r} is a {type(key).__qualname__}, which has no JSON key form "
            "(keys are str, int, float, Enum, UUID, date, datetime, time, timedelta, "
            "Decimal, bytes, or what an encoder writes as one of those)",
            type_name="dict",
            hint="Convert the keys first, e.g. {str(k): v for k, v in mapping.items()}",
        ) from None
    (name,) = _decode(written)
    return name  # type: ignore[no-any-return]


class Explained(NamedTuple):
    """One value an encoder handled: where, what it was, which encoder."""

    path: str
    type: str
    encoder: str


class Walker:
    """Turns a value into plain JSON data (dict/list/str/int/float/bool/None).

    `parse_fragments`: what to do with JSON an encoder wrote itself (pydantic,
    msgspec): keep it as `RawJSON` for a backend to insert, or parse it back.
    `wide_ints`: write integers beyond 64 bits as `RawJSON`, for orjson, which refuses
    them.
    `replay`: what encoders already made of one-shot iterators in an attempt that stopped
    (id -> (iterator, result)), so a second pass writes the same items.
    `record`: collects `Explained` rows for `explain`.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        parse_fragments: bool = False,
        wide_ints: bool = False,
        replay: dict[int, tuple[Any, Any]] | None = None,
        record: list[Explained] | None = None,
        strict_strings: bool = False,
    ) -> None:
        self._plan = plan
        self._parse_fragments = parse_fragments
        self._wide_ints = wide_ints
        self._replay = replay
        self._record = record
        self._strict_strings = strict_strings
        self._keys: list[object] = []
        self._ids: list[int] = []

    def walk(self, value: Any) -> Any:
        try:
            return self._walk(value, 0)
        except EncodeError as error:
            raise error.at(self._path()) from error.__cause__
        except RecursionError as error:
            raise self._too_deep() from error

    def _path(self) -> str:
        path = "$"
        for key in self._keys:
            path = join_path(path, key)
        return path

    def _too_deep(self) -> EncodeError:
        seen: set[int] = set()
        for depth, ident in enumerate(self._ids):
            if ident in seen:  # report the path down to where the cycle closes
                del self._keys[depth:]
                return EncodeError(
                    "the value contains itself (a cycle)", hint="Break the cycle before encoding"
                )
            seen.add(ident)
        return EncodeError(
            f"nesting deeper than {MAX_DEPTH} levels",
            hint="Flatten the data; JSON consumers rarely accept such depth",
        )

    def _walk(self, value: Any, depth: int) -> Any:
        # A loop, not recursion, through encoders: a value an encoder returns is walked in
        # this same frame, so Python's stack holds two frames per level of nesting.
        hops = 0
        while True:
            cls = type(value)
            if cls is str:
                return self._checked(value) if self._strict_strings else value
            if cls is int:
                return value if INT_MIN <= value <= INT_MAX else self._wide(value)
            if cls is float:
                return value if math.isfinite(value) else None  # NaN, Infinity: null
            if value is None or cls is bool:
                return value
            if depth >= MAX_DEPTH:
                raise self._too_deep()
            if hops > MAX_DEPTH:
                raise EncodeError(
                    f"encoders returned values needing encoding again {hops} times in a row",
                    type_name=cls.__qualname__,
                    hint="An encoder must return something closer to JSON than its input",
                )
            passthrough = self._plan.subclass_passthrough
            if cls is dict or (not passthrough and isinstance(value, dict)):
                return self._walk_dict(value, depth + 1)
            if cls is list or cls is tuple or (not passthrough and isinstance(value, list)):
                return self._walk_list(value, depth + 1)
            if cls is RawJSON:
                return orjson.loads(value.data) if self._parse_fragments else value
            # What an encoder returns sits at the same depth: only containers count, as
            # in orjson; `hops` stops an encoder that keeps returning its own value.
            value = self._encode(value, cls)
            hops += 1

    @staticmethod
    def _checked(text: str) -> str:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise EncodeError(
                "the str contains a lone surrogate, which UTF-8 cannot carry", type_name="str"
            ) from None
        return text

    def _wide(self, value: int) -> Any:
        """An integer beyond 64 bits: JSON has no limit, and every backend writes it."""
        try:
            text = int.__repr__(value)
        except ValueError as error:  # beyond sys.get_int_max_str_digits()
            raise EncodeError(
                str(error), type_name="int", hint="Send it as a str, or raise that limit"
            ) from None
        return RawJSON(text.encode()) if self._wide_ints else value

    def _walk_dict(self, value: dict[Any, Any], depth: int) -> dict[str, Any]:
        keys, ids = self._keys, self._ids
        ids.append(id(value))
        out = {}
        for key, item in value.items():
            name = key if key.__class__ is str else self._key(key)  # before the value, as orjson
            if self._strict_strings:
                self._checked(name)
            keys.append(key)
            out[name] = self._walk(item, depth)
            keys.pop()
        ids.pop()
        return out

    def _key(self, key: object) -> str:
        """A key that is not an exact str; refused at the dict's path."""
        return key_text(key, self._key_hook)

    def _key_hook(self, key: Any) -> Any:
        """msgspec's `enc_hook` for a key it does not take itself: the types it writes
        itself reach it only as such keys (bool, None, a tuple), refused."""
        cls = key.__class__
        if cls in _NATIVE_TYPES:
            raise TypeError(f"{cls.__qualname__} is not a dict key")
        out = self._plan.walk_table[cls](key)
        return msgspec.Raw(out.data) if out.__class__ is RawJSON else out

    def _walk_list(self, value: list[Any] | tuple[Any, ...], depth: int) -> list[Any]:
        keys, ids = self._keys, self._ids
        ids.append(id(value))
        out = []
        for index, item in enumerate(value):
            keys.append(index)
            out.append(self._walk(item, depth))
            keys.pop()
        ids.pop()
        return out

    def _encode(self, value: Any, cls: type) -> Any:
        """One encoder step: what the registry makes of a value that is not JSON data."""
        if self._record is not None:
            entry = self._plan.entry_for(value)
            name = entry.name if entry is not None else "(none)"
            self._record.append(Explained(self._path(), cls.__qualname__, name))
        if not self._plan.subclass_passthrough and not isinstance(value, (enum.Enum, UUID)):
            # orjson writes str and int subclasses natively unless told to pass them on.
            if isinstance(value, str):
                return str.__str__(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return int.__int__(value)
        replay = self._replay
        if replay is not None:
            found = replay.get(id(value))
            if found is not None and found[0] is value:
                return found[1]
        try:
            return self._plan.walk_table[cls](value)
        except EncodeError:
            raise
        except Exception as error:
            entry = self._plan.entry_for(value)
            name = entry.name if entry is not None else "?"
            raise EncodeError(
                f"the encoder {name!r} raised {error!r}", type_name=cls.__qualname__
            ) from error
