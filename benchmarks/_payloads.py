"""The encoder benchmark's payloads, shared with the other benchmarks.

`mixed(fields)` builds 1,000 records holding every type egress handles; a field
set can be narrowed for a contender that supports fewer types. Generators are
one-shot, so `refresh()` gives each record a new one before every encode (the
same small cost for every contender). `rows()` is what APIs send most: 1,000 rows
with timestamps; `zoned_rows()` the same with one UTC and one +02:00 datetime (zoneinfo);
`records(with_datetimes)` 100 dataclasses; `structs()` 100 msgspec Structs.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any, TypeVar

import attrs
import msgspec
import pydantic

SMALL = {"message": "Welcome home", "id": 7}
RECORDS = 1000


class Status(enum.Enum):
    ACTIVE = "active"
    BLOCKED = "blocked"


@dataclasses.dataclass
class Address:
    street: str
    city: str


@dataclasses.dataclass
class Customer:
    name: str
    address: Address


class Profile(pydantic.BaseModel):
    nickname: str
    score: float


class Settings(msgspec.Struct):
    theme: str
    volume: int


@attrs.define
class Device:
    model: str
    year: int


def _five() -> Iterator[int]:
    yield from range(5)


FIELDS: dict[str, Any] = {
    "customer": lambda i: Customer(f"user {i}", Address(f"{i} Main St", "Springfield")),
    "status": lambda i: Status.ACTIVE if i % 2 else Status.BLOCKED,
    "created": lambda i: datetime.datetime(2024, 1, 1, 12, i % 60, tzinfo=datetime.timezone.utc),
    "day": lambda i: datetime.date(2024, 1, 1 + i % 28),
    "id": lambda i: uuid.UUID(int=i),
    "price": lambda i: decimal.Decimal(f"{i}.99"),
    "path": lambda i: PurePosixPath(f"/srv/files/{i}.txt"),
    "recent": lambda i: deque([i, i + 1, i + 2]),
    "tags": lambda i: frozenset({"a", "b"}),
    "stream": lambda i: _five(),
    "profile": lambda i: Profile(nickname=f"n{i}", score=i / 3),
    "settings": lambda i: Settings(theme="dark", volume=i % 10),
    "device": lambda i: Device(model="x1", year=2020),
}
PLAIN_FIELDS: dict[str, Any] = {
    "customer": lambda i: {
        "name": f"user {i}",
        "address": {"street": f"{i} Main St", "city": "Springfield"},
    },
    "status": lambda i: "active",
    "created": lambda i: "2024-01-01T12:00:00+00:00",
    "price": lambda i: i + 0.99,
    "recent": lambda i: [i, i + 1, i + 2],
    "tags": lambda i: ["a", "b"],
}
SCALARS = {"n": 1, "ratio": 0.5, "flag": True, "none": None, "label": "plain text", "list": [1, 2]}


def mixed(fields: list[str] | None = None) -> list[dict[str, Any]]:
    chosen = list(FIELDS) if fields is None else fields
    return [{**{f: FIELDS[f](i) for f in chosen}, **SCALARS} for i in range(RECORDS)]


def rows() -> list[dict[str, Any]]:
    """id, name, flag, score, two UTC datetimes with microseconds, a naive datetime and a
    date: database rows as an API returns them."""
    utc = datetime.timezone.utc
    return [
        {
            "id": i,
            "name": f"user {i}",
            "flag": i % 2 == 0,
            "score": i / 7,
            "created": datetime.datetime(2024, 1, 1, 12, i % 60, i % 60, 37 * i, tzinfo=utc),
            "updated": datetime.datetime(2024, 2, 1, 8, i % 60, 5, 999_999 - 91 * i, tzinfo=utc),
            "local": datetime.datetime(2024, 3, 1, 9, 15, i % 60, 500 + i),
            "day": datetime.date(2024, 1 + i % 12, 1 + i % 28),
        }
        for i in range(RECORDS)
    ]


def plain() -> list[dict[str, Any]]:
    return [{**{f: make(i) for f, make in PLAIN_FIELDS.items()}, **SCALARS} for i in range(RECORDS)]


def refresh(records: list[Any]) -> list[Any]:
    """Give each record a fresh generator (they are consumed by every encode)."""
    if records and isinstance(records[0], dict) and "stream" in records[0]:
        for record in records:
            record["stream"] = _five()
    return records


def zoned_rows() -> list[dict[str, Any]]:
    """id, name, flag, score, one UTC datetime and one in Europe/Berlin in summer (+02:00)."""
    utc, berlin = datetime.timezone.utc, zoneinfo.ZoneInfo("Europe/Berlin")
    return [
        {
            "id": i,
            "name": f"user {i}",
            "flag": i % 2 == 0,
            "score": i / 7,
            "created": datetime.datetime(2024, 1, 1, 12, i % 60, i % 60, 37 * i, tzinfo=utc),
            "local": datetime.datetime(2024, 7, 1, 9, i % 60, 5, 500 + i, tzinfo=berlin),
        }
        for i in range(RECORDS)
    ]


@dataclasses.dataclass
class Record:
    id: int
    name: str
    flag: bool
    score: float
    tags: list[str]


@dataclasses.dataclass
class Event:
    id: int
    name: str
    score: float
    created: datetime.datetime
    day: datetime.date


class EventStruct(msgspec.Struct):
    id: int
    name: str
    score: float
    created: datetime.datetime
    day: datetime.date


DATACLASSES = 100


T = TypeVar("T")


def _events(make: Callable[..., T]) -> list[T]:
    """100 events, each with two date/time fields, made by `make` (a dataclass, a Struct)."""
    utc = datetime.timezone.utc
    return [
        make(
            i,
            f"event {i}",
            i / 3,
            datetime.datetime(2024, 1, 1, i % 24, tzinfo=utc),
            datetime.date(2024, 1, 1 + i % 28),
        )
        for i in range(DATACLASSES)
    ]


def records(with_datetimes: bool) -> list[Any]:
    """100 dataclasses, with two date/time fields each or none."""
    if with_datetimes:
        return _events(Event)
    return [Record(i, f"user {i}", i % 2 == 0, i / 7, ["a", "b"]) for i in range(DATACLASSES)]


def structs() -> list[EventStruct]:
    return _events(EventStruct)
