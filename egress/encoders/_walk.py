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

import orjson

from egress.encoders._errors import EncodeError, join_path
from egress.encoders._plan import RawJSON

if TYPE_CHECKING:
    from egress.encoders._plan import Plan

__all__ = ["MAX_DEPTH", "Explained", "Walker"]

MAX_DEPTH = 254  # orjson's recursion limit, so every backend fails at the same depth
INT_MIN, INT_MAX = -(2**63), 2**64 - 1  # the integers orjson (and so every backend) writes


class Explained(NamedTuple):
    """One value an encoder handled: where, what it was, which encoder."""

    path: str
    type: str
    encoder: str


class Walker:
    """Turns a value into plain JSON data (dict/list/str/int/float/bool/None).

    `parse_fragments`: what to do with JSON an encoder wrote itself (pydantic,
    msgspec): keep it as `RawJSON` for a backend to insert, or parse it back.
    `float_hook`: rewrites floats for a backend whose number text differs.
    `record`: collects `Explained` rows for `explain`.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        parse_fragments: bool = False,
        float_hook: Callable[[float], Any] | None = None,
        record: list[Explained] | None = None,
        strict_strings: bool = False,
    ) -> None:
        self._plan = plan
        self._parse_fragments = parse_fragments
        self._float_hook = float_hook
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
                if self._strict_strings:
                    try:
                        value.encode("utf-8")
                    except UnicodeEncodeError:
                        raise EncodeError(
                            "the str contains a lone surrogate, which UTF-8 cannot carry",
                            type_name="str",
                        ) from None
                return value
            if cls is int:
                if not INT_MIN <= value <= INT_MAX:
                    raise EncodeError(
                        "the integer is outside the 64-bit range JSON consumers can read",
                        type_name="int",
                        hint="Send it as a str instead",
                    )
                return value
            if cls is float:
                if not math.isfinite(value):
                    return None  # NaN and Infinity have no JSON form; orjson writes null
                return value if self._float_hook is None else self._float_hook(value)
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

    def _walk_dict(self, value: dict[Any, Any], depth: int) -> dict[str, Any]:
        keys, ids = self._keys, self._ids
        ids.append(id(value))
        out = {}
        for key, item in value.items():
            keys.append(key)
            name = key if key.__class__ is str else self._key(key)  # before the value, as orjson
            out[name] = self._walk(item, depth)
            keys.pop()
        ids.pop()
        return out

    def _key(self, key: object) -> str:
        """A key that is not an exact str: a str subclass (StrEnum...) is its str value."""
        if isinstance(key, str):
            return str.__str__(key)
        raise EncodeError(
            f"dict key {key!r} is a {type(key).__qualname__}, and JSON object keys are strings",
            type_name="dict",
            hint="Convert the keys first, e.g. {str(k): v for k, v in mapping.items()}",
        )

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
