"""The built-in type handlers and the JSON form each type takes (docs/encoders.md).

Where orjson writes a type natively (dataclass, Enum, UUID, str/int subclasses),
the form here equals orjson's, so the fast path can leave that type to orjson and
the Python handler agrees with it whenever it does run. datetime, date and time
always come here (orjson's writer is wrong for some of them): `_datetimes` has their
form and writers.
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

import orjson

from egress.encoders._datetimes import DateEncoder, DatetimeEncoder, TimeEncoder
from egress.encoders._encoder import Encoder, FunctionEncoder
from egress.encoders._errors import EncodeError
from egress.encoders._native import (
    DATACLASS,
    DATE,
    DATETIME,
    DICT_SUBCLASS,
    ENUM,
    INT_SUBCLASS,
    LIST_SUBCLASS,
    STR_SUBCLASS,
    TIME,
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


class _PublicFields(dict[type, frozenset[str]]):
    """Per dataclass: its field names when none starts with an underscore (else none)."""

    def __missing__(self, cls: type) -> frozenset[str]:
        names = frozenset(f.name for f in dataclasses.fields(cls))
        found = frozenset() if any(name[0] == "_" for name in names) else names
        self[cls] = found
        return found


class _DataclassEncoder(Encoder[Any]):
    """orjson's form: the instance's __dict__ (its fields, for a slots class) without the
    names that start with an underscore.

    When orjson hands dataclasses over (a registered encoder could claim one), this runs
    for each of them: an instance whose __dict__ holds only public fields is passed on as
    it is, which keeps that cost near 3x orjson's own instead of 6x.
    """

    name = "dataclass"
    priority = _RECORDS

    def __init__(self) -> None:
        self._public = _PublicFields()

    def matches_class(self, cls: type) -> int | None:
        return len(cls.__mro__) if dataclasses.is_dataclass(cls) else None

    def is_type(self, value: object) -> bool:
        return self.matches_class(type(value)) is not None

    def serialize(self, value: Any) -> Any:
        try:
            attributes = value.__dict__
        except AttributeError:  # a slots dataclass
            fields = dataclasses.fields(value)
            return {f.name: getattr(value, f.name) for f in fields if f.name[0] != "_"}
        if self._public[value.__class__].issuperset(attributes):
            return attributes  # only read: orjson writes it, the walk copies out of it
        return {k: v for k, v in attributes.items() if k[0] != "_"}

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


class _MsgspecEncoder(_PluginEncoder):
    """A Struct encodes as msgspec's own JSON, inserted as-is; when it holds a type
    msgspec cannot encode, its fields go through the registry instead."""

    name = "msgspec"
    module = "msgspec"
    priority = _MODELS

    def base_class(self) -> type | None:
        return getattr(sys.modules["msgspec"], "Struct", None)

    def serialize(self, value: Any) -> Any:
        data = self.serialize_json(value)
        return _Fragment(data) if data.__class__ is bytes else data

    def serialize_json(self, value: Any) -> Any:
        msgspec = sys.modules["msgspec"]
        try:
            return msgspec.json.encode(value)
        except (TypeError, msgspec.EncodeError):
            return msgspec.structs.asdict(value)


class _AttrsEncoder(_PluginEncoder):
    """attrs instances: their public fields, like dataclasses."""

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
        return {name: getattr(value, name) for name in names}


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
    stands_in_for: Native | None  # the orjson handling whose form it writes (_native)


def builtin_encoders(max_items: int = DEFAULT_MAX_ITEMS) -> list[Builtin]:
    """A fresh table of the built-in encoders (the iterator one carries `max_items`), each
    with the orjson handling it stands in for: while it is registered, orjson may keep
    writing those values itself, as they come out the same."""
    return [
        Builtin(_PydanticEncoder(), None),
        Builtin(_MsgspecEncoder(), None),
        Builtin(_AttrsEncoder(), None),
        Builtin(_DataclassEncoder(), DATACLASS),
        Builtin(_fn(tuple, list, "tuple", _RECORDS), None),
        Builtin(_fn(enum.Enum, lambda value: value.value, "enum", _ENUMS), ENUM),
        Builtin(DatetimeEncoder(_SCALARS), DATETIME),
        Builtin(DateEncoder(_SCALARS), DATE),
        Builtin(TimeEncoder(_SCALARS), TIME),
        Builtin(_fn(timedelta, encode_timedelta, "timedelta", _SCALARS), None),
        Builtin(_fn(UUID, str, "uuid", _SCALARS), UUID_),
        Builtin(_fn(Decimal, str, "decimal", _SCALARS), None),
        Builtin(_fn(PurePath, str, "path", _SCALARS), None),
        Builtin(_fn(_IP_TYPES, str, "ip_address", _SCALARS), None),
        Builtin(_fn(re.Pattern, lambda value: value.pattern, "pattern", _SCALARS), None),
        Builtin(_fn((bytes, bytearray, memoryview), encode_bytes, "bytes", _SCALARS), None),
        Builtin(_fn(str, str.__str__, "str_subclass", _SCALARS), STR_SUBCLASS),
        Builtin(_fn(int, int.__int__, "int_subclass", _SCALARS), INT_SUBCLASS),
        Builtin(_fn(_ARRAYS, list, "collection", _COLLECTIONS), LIST_SUBCLASS),
        Builtin(_fn(Mapping, dict, "mapping", _COLLECTIONS), DICT_SUBCLASS),
        Builtin(_IteratorEncoder(max_items), None),
    ]
