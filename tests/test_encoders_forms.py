"""The JSON form of every built-in type, identical on every backend (docs/encoders.md)."""

from __future__ import annotations

import collections
import datetime
import decimal
import ipaddress
import pathlib
import re
import subprocess
import sys
import uuid
from typing import Any

import attrs
import msgspec
import orjson
import pydantic
import pytest

from egress import EncoderRegistry, JSONResponse, dumps, to_jsonable, to_response
from tests.encoder_types import (
    Account,
    Color,
    Level,
    Pair,
    Perm,
    Point,
    Slotted,
    Tag,
    exponent_free,
)

UTC = datetime.timezone.utc


class Model(pydantic.BaseModel):
    name: str
    at: datetime.datetime


class Record(msgspec.Struct):
    id: int
    tags: list[str]


@attrs.define
class Item:
    sku: str
    _internal: int = 0


def gen() -> Any:
    yield from ("a", "b")


def _account() -> Account:
    account = Account("ada")
    assert account.risk_score == 97  # the cached_property is now in the instance's __dict__
    return account


FORMS: list[tuple[str, Any, bytes]] = [
    ("dataclass", Point(1, 2), b'{"x":1,"y":2,"_secret":"hidden"}'),
    ("slots dataclass", Slotted(1, 2), b'{"a":1,"_b":2}'),
    ("dataclass, attributes that are not fields", _account(), b'{"name":"ada","_plan":"free"}'),
    ("enum", Color.RED, b'"red"'),
    ("int enum", Level.HIGH, b"2"),
    ("flag", Perm.R | Perm.W, b"6"),
    ("namedtuple", Pair(1, "r"), b'[1,"r"]'),
    ("tuple", (1, "a"), b'[1,"a"]'),
    ("deque", collections.deque([1, 2]), b"[1,2]"),
    ("set", {3}, b"[3]"),
    ("frozenset", frozenset(["x"]), b'["x"]'),
    ("dict keys", {"k": 1}.keys(), b'["k"]'),
    ("path", pathlib.PurePosixPath("/srv/a b.txt"), b'"/srv/a b.txt"'),
    (
        "aware datetime",
        datetime.datetime(2024, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
        b'"2024-02-03T04:05:06.000007Z"',
    ),
    (
        "offset datetime",
        datetime.datetime(2024, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        b'"2024-02-03T00:00:00-05:00"',
    ),
    ("naive datetime", datetime.datetime(2024, 2, 3, 4, 5), b'"2024-02-03T04:05:00"'),
    ("date", datetime.date(2024, 2, 3), b'"2024-02-03"'),
    ("time", datetime.time(4, 5, 6, 500), b'"04:05:06.000500"'),
    ("time with 5-digit microseconds", datetime.time(0, 0, 0, 12000), b'"00:00:00.012000"'),
    ("aware time", datetime.time(1, tzinfo=UTC), b'"01:00:00Z"'),
    (
        "sub-minute offset",  # msgspec's rule: the wall time kept, the offset rounded
        datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(seconds=561))),
        b'"1900-01-01T00:00:00+00:09"',
    ),
    (
        "sub-minute offset, negative",  # floor(-89.5 s) = -90 s: -00:01
        datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(-datetime.timedelta(seconds=89.5))),
        b'"2024-01-01T00:00:00-00:01"',
    ),
    (
        "aware time at a sub-minute offset",
        datetime.time(12, tzinfo=datetime.timezone(datetime.timedelta(seconds=30))),
        b'"12:00:00Z"',
    ),
    ("timedelta", datetime.timedelta(days=1, seconds=3661, microseconds=500000), b'"P1DT3661.5S"'),
    ("negative timedelta", datetime.timedelta(seconds=-90), b'"-PT90S"'),
    ("zero timedelta", datetime.timedelta(0), b'"P0D"'),
    ("uuid", uuid.UUID(int=1), b'"00000000-0000-0000-0000-000000000001"'),
    ("decimal", decimal.Decimal("1.10"), b'"1.10"'),
    ("bytes", b"\x00\xff", b'"AP8="'),
    ("bytearray", bytearray(b"hi"), b'"aGk="'),
    ("memoryview", memoryview(b"hi"), b'"aGk="'),
    ("ipv4", ipaddress.IPv4Address("10.0.0.1"), b'"10.0.0.1"'),
    ("ipv6 network", ipaddress.IPv6Network("2001:db8::/32"), b'"2001:db8::/32"'),
    ("pattern", re.compile(r"^a+$"), b'"^a+$"'),
    ("str subclass", Tag("t"), b'"t"'),
    (
        "pydantic",
        Model(name="n", at=datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        b'{"name":"n","at":"2024-01-01T00:00:00Z"}',
    ),
    ("msgspec", Record(1, ["a"]), b'{"id":1,"tags":["a"]}'),
    ("attrs", Item("s", 3), b'{"sku":"s"}'),
    ("nan", float("nan"), b"null"),
    ("infinity", [float("inf"), float("-inf")], b"[null,null]"),
    ("large float", 1e16, b"1e+16"),
    ("small float", 1.5e-5, b"0.000015"),
    ("tiny float", 1e-7, b"1e-7"),
    ("64-bit bounds", [-(2**63), 2**64 - 1], b"[-9223372036854775808,18446744073709551615]"),
    (
        "big integers",
        [2**64, -(2**63) - 1, 10**30],
        b"[18446744073709551616,-9223372036854775809,1" + b"0" * 30 + b"]",
    ),
    (
        "non-str keys",
        {1: "a", 1.5: "b", Color.RED: "c", uuid.UUID(int=1): "d", datetime.date(2024, 1, 2): "e"},
        b'{"1":"a","1.5":"b","red":"c","00000000-0000-0000-0000-000000000001":"d",'
        b'"2024-01-02":"e"}',
    ),
    (
        "more non-str keys",
        {datetime.datetime(2024, 1, 2, tzinfo=UTC): 1, decimal.Decimal("1.50"): 2, Level.LOW: 3},
        b'{"2024-01-02T00:00:00Z":1,"1.50":2,"1":3}',
    ),
    ("orjson fragment", {"c": orjson.Fragment(b'{"a":1}')}, b'{"c":{"a":1}}'),
    ("msgspec raw", {"c": msgspec.Raw(b'{"a":1}')}, b'{"c":{"a":1}}'),
    ("unicode", "é\u2028😀\x00", '"é\u2028😀\\u0000"'.encode()),
]


@pytest.mark.parametrize("backend", ["orjson", "msgspec", "json"])
@pytest.mark.parametrize(("value", "expected"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_json_form(value: Any, expected: bytes, backend: str) -> None:
    assert exponent_free(EncoderRegistry().dumps(value, backend=backend)) == exponent_free(expected)


@pytest.mark.parametrize("backend", ["orjson", "msgspec", "json"])
def test_iterators_on_every_backend(backend: str) -> None:
    # one-shot values, so built here rather than in FORMS
    registry = EncoderRegistry()
    value = {"g": gen(), "m": map(str, [1]), "i": iter([1, 2])}
    assert registry.dumps(value, backend=backend) == b'{"g":["a","b"],"m":["1"],"i":[1,2]}'


def test_to_jsonable_is_plain_data() -> None:
    value = {"m": Model(name="n", at=datetime.datetime(2024, 1, 1, tzinfo=UTC)), "r": Record(1, [])}
    assert to_jsonable(value) == {
        "m": {"name": "n", "at": "2024-01-01T00:00:00Z"},
        "r": {"id": 1, "tags": []},
    }


def test_struct_with_a_type_msgspec_cannot_encode_goes_through_the_registry() -> None:
    class Holder(msgspec.Struct):
        where: Any

    assert dumps(Holder(pathlib.PurePosixPath("/x"))) == b'{"where":"/x"}'


def test_importing_egress_imports_no_optional_library() -> None:
    code = (
        "import sys, egress\n"
        "egress.dumps({'a': [1, 2]})\n"
        "print(sorted(m for m in ('pydantic', 'attr', 'attrs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_explain_names_path_type_and_encoder() -> None:
    value = {"items": [{"created": datetime.datetime(2024, 1, 1)}], "color": Color.RED}
    rows = EncoderRegistry().explain(value)
    assert ("$.items[0].created", "datetime", "datetime") in rows
    assert ("$.color", "Color", "enum") in rows
    assert EncoderRegistry().explain({"a": [1, "x"]}) == []


def test_attributes_that_are_not_fields_never_reach_a_response_body() -> None:
    # __post_init__'s password_hash and the cached risk_score are attributes, not fields
    expected = b'{"name":"ada","_plan":"free"}'
    assert JSONResponse(_account()).body == expected
    assert to_response(_account()).body == expected
    assert to_response([_account()] * 20).body == b"[" + b",".join([expected] * 20) + b"]"
