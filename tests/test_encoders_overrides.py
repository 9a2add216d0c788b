"""Invariant 1: a registered encoder always wins over a backend's native handling, for
the class it is registered for and every subclass, defined before or after."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid

import pytest

from egress import EncoderRegistry
from tests.encoder_types import Color, Level, Point, Slotted, Tag

BACKENDS = ["orjson", "msgspec", "json"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_dataclass_override(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Point, lambda p: f"{p.x},{p.y}")
    assert registry.dumps([Point(1, 2), Slotted(3)], backend=backend) == b'["1,2",{"a":3,"_b":0}]'


@pytest.mark.parametrize("backend", BACKENDS)
def test_datetime_override(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(datetime.datetime, lambda d: d.timestamp())
    moment = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    out = registry.dumps({"at": moment, "day": moment.date()}, backend=backend)
    assert out == b'{"at":1704067200.0,"day":"2024-01-01"}'


@pytest.mark.parametrize("backend", BACKENDS)
def test_str_subclass_override(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Tag, lambda t: f"#{t}")
    assert registry.dumps([Tag("a"), "b"], backend=backend) == b'["#a","b"]'


@pytest.mark.parametrize("backend", BACKENDS)
def test_enum_override(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Color, lambda c: c.name.lower())
    assert registry.dumps([Color.RED, Level.HIGH], backend=backend) == b'["red",2]'


@pytest.mark.parametrize("backend", BACKENDS)
def test_uuid_override(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(uuid.UUID, lambda u: u.int)
    assert registry.dumps({"id": uuid.UUID(int=42)}, backend=backend) == b'{"id":42}'


@pytest.mark.parametrize("backend", BACKENDS)
def test_base_class_encoder_beats_native_dataclass_handling(backend: str) -> None:
    class Model:
        pass

    @dataclasses.dataclass
    class User(Model):
        name: str

    registry = EncoderRegistry()
    registry.register(Model, lambda m: {"model": type(m).__name__})
    assert registry.dumps(User("ada"), backend=backend) == b'{"model":"User"}'


@pytest.mark.parametrize("backend", BACKENDS)
def test_predicate_sees_values_orjson_writes_natively(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(predicate=lambda v: isinstance(v, Color), serialize=lambda v: "colour")
    assert registry.dumps({"c": Color.GREEN, "p": Point(1, 2)}, backend=backend) == (
        b'{"c":"colour","p":{"x":1,"y":2,"_secret":"hidden"}}'
    )


def test_overrides_leave_other_values_of_the_same_family_alone() -> None:
    registry = EncoderRegistry()
    registry.register(Point, lambda p: "point")
    stamp = datetime.datetime(2020, 5, 17, 10, 30, tzinfo=datetime.timezone.utc)

    @dataclasses.dataclass
    class Other:
        when: datetime.datetime

    assert registry.dumps([Point(0, 0), Other(stamp)]) == (
        b'["point",{"when":"2020-05-17T10:30:00Z"}]'
    )


# -- a base-class encoder claims subclasses defined after it was registered -------------


class Base:
    """A plain class with an encoder; the subclasses below are defined after registering."""


def _base_registry() -> EncoderRegistry:
    registry = EncoderRegistry()
    registry.register(Base, lambda value: f"base:{type(value).__name__}")
    return registry


@pytest.mark.parametrize("backend", BACKENDS)
def test_dataclass_subclass_defined_after_registration(backend: str) -> None:
    registry = _base_registry()
    registry.dumps(Point(1, 2))  # the registry has compiled its options and cached types

    @dataclasses.dataclass
    class Child(Base):
        x: int = 1

    @dataclasses.dataclass(slots=True)
    class Slotted(Base):
        y: int = 2

    assert registry.dumps([Child(), Slotted(), Point(1, 2)], backend=backend) == (
        b'["base:Child","base:Slotted",{"x":1,"y":2,"_secret":"hidden"}]'
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_str_int_list_dict_subclasses_defined_after_registration(backend: str) -> None:
    registry = _base_registry()

    class Text(Base, str):
        pass

    class Number(Base, int):
        pass

    class Items(Base, list[int]):
        pass

    class Table(Base, dict[str, int]):
        pass

    value = [Text("t"), Number(1), Items([1]), Table(a=1), Tag("plain"), {"d": 1}]
    assert registry.dumps(value, backend=backend) == (
        b'["base:Text","base:Number","base:Items","base:Table","plain",{"d":1}]'
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_enum_members_go_to_encoders_for_enum_classes_only(backend: str) -> None:
    # orjson writes every Enum member itself: a class an Enum mixes in does not claim
    # its members (that would need a Python walk of every value), on every backend alike.
    registry = _base_registry()

    class Mixed(Base, enum.Enum):
        ONE = 1

    assert registry.dumps([Mixed.ONE, Base()], backend=backend) == b'[1,"base:Base"]'
    registry.register(Mixed, lambda member: member.name)
    assert registry.dumps([Mixed.ONE], backend=backend) == b'["ONE"]'
