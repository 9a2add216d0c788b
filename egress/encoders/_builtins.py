"""The built-in type handlers and the JSON form each type takes (docs/encoders.md).

Where msgspec writes a type natively (dataclass, attrs, Struct, datetime, Enum, UUID,
Decimal, bytes, sets, tuples), the form here is msgspec's, and where orjson does (Enum,
UUID, str/int subclasses), orjson's agrees with it: so an engine may write such values
itself, and the Python handler agrees with it whenever it does run (see `_native`).
`_datetimes` has the form and writers of datetime, date and time.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import ipaddress
import re
import sys
from collections import deque
from collections.abc import Callable, Iterator, KeysView, Mapping, ValuesView
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from pathlib import PurePath
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
import orjson

from egress.encoders._datetimes import DateEncoder, DatetimeEncoder, TimeEncoder
from egress.encoders._encoder import Encoder, FunctionEncoder
from egress.encoders._errors import EncodeError
from egress.encoders._native import (
    ATTRS,
    BYTES,
    DATACLASS,
    DATE,
    DATETIME,
    DECIMAL,
    DICT_SUBCLASS,
    ENUM,
    INT_SUBCLASS,
    LIST_SUBCLASS,
    SET,
    STR_SUBCLASS,
    STRUCT,
    TIME,
    TIMEDELTA,
    TUPLE_SUBCLASS,
    UUID_,
    Native,
)

__all__ = ["DEFAULT_MAX_ITEMS", "Builtin", "builtin_encoders"]

DEFAULT_MAX_ITEMS = 1_000_000
_Fragment = orjson.Fragment

# Priorities: every built-in is below 0, the default for user registrations.
_MODELS, _RECORDS, _ENUMS, _SCALARS, _COLLECTIONS, _ITERATORS = -10, -20, -30, -40, -50, -90


def encode_timedelta(value: timedelta) -> str:
    """ISO 8601 duration in days and seconds (`P1DT3661.5S`), as msgspec and pydantic do."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    text = f"P{value.days}D" if value.days else "P"
    if value.seconds or value.microseconds:
        fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        text += f"T{value.seconds}{fraction}S"
    return sign + (text if text != "P" else "P0D")


def encode_bytes(value: bytes | bytearray | memoryview) -> str:
    return base64.b64encode(value).decode("ascii")


class _FieldNames(dict[type, tuple[str, ...]]):
    """Per dataclass: the names of its fields, in order."""

    def __missing__(self, cls: type) -> tuple[str, ...]:
        names = self[cls] = tuple(f.name for f in dataclasses.fields(cls))
        return names


_UNSET = object()


class _DataclassEncoder(Encoder[Any]):
    """A dataclass is its `dataclasses.fields()`, `_private` ones included, as
    `dataclasses.asdict`, FastAPI and msgspec write it: attributes that are not fields
    (set in `__post_init__`, a `cached_property`) never reach the output. A field whose
    attribute was never set (`field(init=False)` without a default) is left out, as
    msgspec leaves it out."""

    name = "dataclass"
    priority = _RECORDS

    def __init__(self) -> None:
        self._names = _FieldNames()

    def matches_class(self, cls: type) -> int | None:
        return len(cls.__mro__) if dataclasses.is_dataclass(cls) else None

    def is_type(self, value: object) -> bool:
        return self.matches_class(type(value)) is not None

    def serialize(self, value: Any) -> dict[str, Any]:
        out = {}
        for name in self._names[value.__class__]:
            item = getattr(value, name, _UNSET)
            if item is not _UNSET:
                out[name] = item
        return out

    @property
    def checks_values(self) -> bool:
        return False


class _IteratorEncoder(Encoder[Iterator[Any]]):
    """Generators and other iterators become arrays, bounded so an endless one fails."""

    __type__ = Iterator
    name = "iterator"
    priority = _ITERATORS

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self.serialize = _bounded_list(max_items)  # type: ignore[method-assign,assignment]


def _bounded_list(limit: int) -> Callable[[Iterator[Any]], list[Any]]:
    # A closure rather than a method: this runs once per generator on the hot path.
    def serialize(value: Iterator[Any], _islice: Any = islice, _take: int = limit + 1) -> list[Any]:
        items = list(_islice(value, _take))
        if len(items) == _take:
            raise EncodeError(
                f"the iterator yielded more than max_items={limit} items",
                type_name=type(value).__qualname__,
                hint="Pass a finite iterator, or raise the bound: EncoderRegistry(max_items=...)",
            )
        return items

    return serialize


class _PluginEncoder(Encoder[Any]):
    """A handler for an optional library, active only once the user has imported it."""

    module: str = ""

    def base_class(self) -> type | None:
        raise NotImplementedError

    def matches_class(self, cls: type) -> int | None:
        if self.module not in sys.modules:
            return None
        base = self.base_class()
        return len(cls.__mro__) if base is not None and issubclass(cls, base) else None

    def is_type(self, value: object) -> bool:
        return self.matches_class(type(value)) is not None

    @property
    def checks_values(self) -> bool:
        return False


class _PydanticEncoder(_PluginEncoder):
    """A model encodes as its own JSON (pydantic's Rust serializer), inserted as-is."""

    name = "pydantic"
    module = "pydantic"
    priority = _MODELS

    def base_class(self) -> type | None:
        return getattr(sys.modules["pydantic"], "BaseModel", None)

    def serialize(self, value: Any) -> Any:
        return _Fragment(value.__pydantic_serializer__.to_json(value))

    def serialize_json(self, value: Any) -> bytes:
        return bytes(value.__pydantic_serializer__.to_json(value))


class _MsgspecEncoder(Encoder[Any]):
    """A Struct encodes as msgspec's own JSON, inserted as-is; when it holds a type
    msgspec cannot encode, its fields go through the registry instead."""

    __type__ = msgspec.Struct
    name = "msgspec"
    priority = _MODELS

    def serialize(self, value: Any) -> Any:
        data = self.serialize_json(value)
        return _Fragment(data) if data.__class__ is bytes else data

    def serialize_json(self, value: Any) -> Any:
        try:
            return msgspec.json.encode(value)
        except (TypeError, ValueError):
            return msgspec.structs.asdict(value)


class _PreEncodedEncoder(Encoder[Any]):
    """JSON text made elsewhere: `orjson.Fragment` (orjson writes it itself) and
    `msgspec.Raw` (msgspec does), inserted as they are by every backend."""

    __type__ = (_Fragment, msgspec.Raw)
    name = "pre_encoded"
    priority = _MODELS

    def serialize(self, value: Any) -> Any:
        return value if value.__class__ is _Fragment else _Fragment(bytes(value))

    def serialize_json(self, value: Any) -> bytes:
        return orjson.dumps(value) if value.__class__ is _Fragment else bytes(value)


class _AttrsEncoder(_PluginEncoder):
    """attrs instances: their fields whose names do not start with an underscore, as
    msgspec writes them."""

    name = "attrs"
    module = "attr"
    priority = _MODELS

    def __init__(self) -> None:
        self._names: dict[type, tuple[str, ...]] = {}

    def base_class(self) -> type | None:
        return None

    def matches_class(self, cls: type) -> int | None:
        attr = sys.modules.get("attr")
        if attr is None or not attr.has(cls):
            return None
        return len(cls.__mro__)

    def serialize(self, value: Any) -> dict[str, Any]:
        names = self._names.get(value.__class__)
        if names is None:
            fields = sys.modules["attr"].fields(value.__class__)
            names = self._names[value.__class__] = tuple(f.name for f in fields if f.name[0] != "_")
        out = {}
        for name in names:  # an attribute never set is left out, as msgspec does
            item = getattr(value, name, _UNSET)
            if item is not _UNSET:
                out[name] = item
        return out


def _fn(types: type | tuple[type, ...], serialize: Any, name: str, priority: int) -> Encoder[Any]:
    targets = types if isinstance(types, tuple) else (types,)
    return FunctionEncoder(serialize, types=targets, name=name, priority=priority)


_ARRAYS = (list, set, frozenset, deque, KeysView, ValuesView)
_IP_TYPES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)


class Builtin(NamedTuple):
    encoder: Encoder[Any]
    stands_in_for: tuple[Native, ...]  # the engines' handlings whose form it writes (_native)


def builtin_encoders(max_items: int = DEFAULT_MAX_ITEMS) -> list[Builtin]:
    """A fresh table of the built-in encoders (the iterator one carries `max_items`), each
    with the orjson handling it stands in for: while it is registered, orjson may keep
    writing those values itself, as they come out the same."""
    return [
        Builtin(_PydanticEncoder(), ()),
        Builtin(_MsgspecEncoder(), (STRUCT,)),
        Builtin(_PreEncodedEncoder(), ()),
        Builtin(_AttrsEncoder(), (ATTRS,)),
        Builtin(_DataclassEncoder(), (DATACLASS,)),
        Builtin(_fn(tuple, list, "tuple", _RECORDS), (TUPLE_SUBCLASS,)),
        Builtin(_fn(enum.Enum, lambda value: value.value, "enum", _ENUMS), (ENUM,)),
        Builtin(DatetimeEncoder(_SCALARS), (DATETIME,)),
        Builtin(DateEncoder(_SCALARS), (DATE,)),
        Builtin(TimeEncoder(_SCALARS), (TIME,)),
        Builtin(_fn(timedelta, encode_timedelta, "timedelta", _SCALARS), (TIMEDELTA,)),
        Builtin(_fn(UUID, str, "uuid", _SCALARS), (UUID_,)),
        Builtin(_fn(Decimal, str, "decimal", _SCALARS), (DECIMAL,)),
        Builtin(_fn(PurePath, str, "path", _SCALARS), ()),
        Builtin(_fn(_IP_TYPES, str, "ip_address", _SCALARS), ()),
        Builtin(_fn(re.Pattern, lambda value: value.pattern, "pattern", _SCALARS), ()),
        Builtin(_fn((bytes, bytearray, memoryview), encode_bytes, "bytes", _SCALARS), (BYTES,)),
        Builtin(_fn(str, str.__str__, "str_subclass", _SCALARS), (STR_SUBCLASS,)),
        Builtin(_fn(int, int.__int__, "int_subclass", _SCALARS), (INT_SUBCLASS,)),
        Builtin(_fn(_ARRAYS, list, "collection", _COLLECTIONS), (LIST_SUBCLASS, SET)),
        Builtin(_fn(Mapping, dict, "mapping", _COLLECTIONS), (DICT_SUBCLASS,)),
        Builtin(_IteratorEncoder(max_items), ()),
    ]
