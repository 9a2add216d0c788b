"""Property checks (hypothesis): invariants 4 and 5 over generated nested values, with
str-subclass and StrEnum dict keys, and instances of classes defined after an encoder
for their base was registered."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import json
import pathlib
import uuid
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from egress import EncoderRegistry
from tests.encoder_types import Color, Key, Letter, Level, Pair, Point

registry = EncoderRegistry()


class Base:
    pass


claiming = EncoderRegistry()
claiming.register(Base, lambda value: f"claimed:{type(value).__name__}")
claiming.dumps([Point(1, 2), "plain"])  # compiled and cached before the subclasses exist


@dataclasses.dataclass
class LateRecord(Base):
    label: str


class LateText(Base, str):
    pass


class LateTable(Base, dict[str, int]):
    pass


class LateChoice(Base, enum.Enum):  # an Enum mixing Base in: written as its value
    ONE = 1


offsets = st.integers(-86399, 86399).map(lambda s: datetime.timezone(datetime.timedelta(seconds=s)))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    # away from the calendar's first and last day, where an offset with seconds can put
    # the instant out of reach (test_encoders_datetimes covers that edge)
    st.datetimes(
        min_value=datetime.datetime(1, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.none() | st.just(datetime.timezone.utc) | offsets,
    ),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(list(Color) + list(Level)),
    st.binary(max_size=20),
    st.builds(Point, st.integers(-5, 5), st.integers(-5, 5)),
    st.builds(pathlib.PurePosixPath, st.text(alphabet="abc/", max_size=8)),
)
late = st.one_of(
    st.builds(LateRecord, st.text(max_size=3)),
    st.builds(LateText, st.text(max_size=3)),
    st.builds(LateTable, st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=2)),
    st.just(LateChoice.ONE),
)
keys = st.one_of(st.text(max_size=6), st.builds(Key, st.text(max_size=4)), st.sampled_from(Letter))
hashables = st.one_of(st.integers(-100, 100), st.text(max_size=5), st.uuids())


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.tuples(children, children),
        st.lists(children, max_size=3).map(collections.deque),
        st.frozensets(hashables, max_size=3),
        st.builds(Pair, st.integers(-100, 100), st.text(max_size=3)),
    )


values = st.recursive(scalars, containers, max_leaves=12)
claimed_values = st.recursive(scalars | late, containers, max_leaves=12)


def _agree(registry: EncoderRegistry, value: Any) -> bytes:
    out = registry.dumps(value)
    assert registry.dumps(value, backend="msgspec") == out
    assert registry.dumps(value, backend="json") == out
    json.loads(out)  # the stdlib parser accepts it: valid JSON, no NaN literals
    return out


@settings(max_examples=300, deadline=None)
@given(values)
def test_backends_agree_and_output_is_valid_json(value: Any) -> None:
    _agree(registry, value)


@settings(max_examples=300, deadline=None)
@given(claimed_values)
def test_backends_agree_on_subclasses_defined_after_registration(value: Any) -> None:
    out = _agree(claiming, value)
    assert json.loads(out) == claiming.to_jsonable(value)


@settings(max_examples=300, deadline=None)
@given(values)
def test_to_jsonable_matches_what_dumps_writes(value: Any) -> None:
    assert json.loads(registry.dumps(value)) == registry.to_jsonable(value)


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_backend_writes_floats_as_orjson_does(number: float) -> None:
    expected = orjson.dumps(number)
    for backend in ("msgspec", "json"):
        assert registry.dumps(number, backend=backend) == expected


@settings(max_examples=100, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False), st.uuids())
def test_precision_keeping_forms(number: decimal.Decimal, ident: uuid.UUID) -> None:
    assert registry.to_jsonable([number, ident]) == [str(number), str(ident)]
