"""Dict keys: a str subclass (a StrEnum member, a `class Key(str)`) is written as its str
value on every backend, other keys by msgspec's rules (test_encoders_forms.py); bool, None
and the like are an EncodeError (test_encoders_errors.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from egress import EncodeError, EncoderRegistry, to_jsonable
from tests.encoder_types import Key, Letter, Money, Point

BACKENDS = ["orjson", "msgspec", "json"]


class Shouting(str):
    def __str__(self) -> str:
        return "LOUD"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({Key("k"): 1}, b'{"k":1}'),
        ({Letter.ALPHA: [Letter.BETA]}, b'{"alpha":["beta"]}'),
        (
            {"a": 1, Key("b"): Point(1, 2), "c": [3]},
            b'{"a":1,"b":{"x":1,"y":2,"_secret":"hidden"},"c":[3]}',
        ),
        (
            {"outer": [{"inner": {Letter.BETA: {Key("deep"): None}}}]},
            b'{"outer":[{"inner":{"beta":{"deep":null}}}]}',
        ),
        ({Shouting("quiet"): 1}, b'{"quiet":1}'),  # its str value, not str(key)
    ],
    ids=["str subclass", "StrEnum", "beside plain keys", "nested", "overridden __str__"],
)
def test_str_subclass_keys_are_their_str_value(
    value: dict[Any, Any], expected: bytes, backend: str
) -> None:
    assert EncoderRegistry().dumps(value, backend=backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_never_goes_to_an_encoder(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Key, lambda key: f"#{key}")
    assert registry.dumps({Key("k"): Key("v")}, backend=backend) == b'{"k":"#v"}'


def test_to_jsonable_keys_are_plain_str() -> None:
    plain = to_jsonable({Letter.ALPHA: {Key("k"): 1}})
    assert plain == {"alpha": {"k": 1}}
    assert [type(k) for k in (*plain, *plain["alpha"])] == [str, str]


@pytest.mark.parametrize("backend", BACKENDS)
def test_errors_beside_a_str_subclass_key_are_located(backend: str) -> None:
    registry = EncoderRegistry()
    with pytest.raises(EncodeError, match=r"at \$\.k\.price \(Money\): no encoder"):
        registry.dumps({Key("k"): {"price": Money(1)}}, backend=backend)
    with pytest.raises(EncodeError, match=r"at \$\.k \(dict\): dict key True is a bool"):
        registry.dumps({Key("k"): {True: "one"}}, backend=backend)


def _count(n: int) -> Iterator[int]:
    yield from range(n)


def test_iterators_under_or_after_a_str_subclass_key_are_written_whole() -> None:
    value = {Key("k"): _count(2), "after": _count(3)}
    assert EncoderRegistry().dumps(value) == b'{"k":[0,1],"after":[0,1,2]}'


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_iterator_used_up_before_a_refused_key_is_written_whole(backend: str) -> None:
    # orjson refuses the key after writing what came before it, generator included; the
    # value is written again from the start, with the items the generator gave the first time
    value = {"feed": _count(2), Key("k"): 1, 2: _count(1)}
    assert EncoderRegistry().dumps(value, backend=backend) == b'{"feed":[0,1],"k":1,"2":[0]}'


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_str_subclass_key_with_a_lone_surrogate_is_an_error(backend: str) -> None:
    with pytest.raises(EncodeError, match="surrogate"):
        EncoderRegistry().dumps({Key("\ud800"): 1}, backend=backend)
