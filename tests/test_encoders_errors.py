"""Invariant 5: every value gives valid JSON, a defined value, or a clear EncodeError."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from egress import EncodeError, EncoderRegistry, dumps
from tests.encoder_types import Money

BACKENDS = ["orjson", "msgspec", "json"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_type_names_path_type_and_fix(backend: str) -> None:
    value = {"orders": [{}, {}, {"customer": Money(1)}]}
    with pytest.raises(EncodeError) as caught:
        EncoderRegistry().dumps(value, backend=backend)
    error = caught.value
    assert error.path == "$.orders[2].customer"
    assert error.type_name == "Money"
    assert "egress.register_encoder(Money, lambda value: ...)" in str(error)
    assert isinstance(error, TypeError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cycle_is_an_error_naming_where_it_closes(backend: str) -> None:
    loop: dict[str, Any] = {"name": "a"}
    loop["self"] = loop
    with pytest.raises(EncodeError, match=r"at \$\.self: the value contains itself"):
        EncoderRegistry().dumps(loop, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nesting_beyond_the_engines_limit_is_an_error_not_a_crash(backend: str) -> None:
    def nested(depth: int) -> list[Any]:
        value: list[Any] = []
        for _ in range(depth - 1):
            value = [value]
        return value

    registry = EncoderRegistry()
    assert registry.dumps(nested(254), backend=backend).startswith(b"[[[")
    # msgspec writes deeper documents than orjson and the Python walk (254 levels)
    if backend == "json":
        with pytest.raises(EncodeError, match="nesting deeper than 254 levels"):
            registry.dumps(nested(255), backend=backend)
    else:
        assert registry.dumps(nested(255), backend=backend) == b"[" * 254 + b"[]" + b"]" * 254
    with pytest.raises(EncodeError, match="nesting deeper than 254 levels"):
        registry.dumps(nested(100_000), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**30])
def test_integers_beyond_64_bits_are_written(backend: str, number: int) -> None:
    assert EncoderRegistry().dumps({"n": number}, backend=backend) == b'{"n":%d}' % number


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_integer_python_cannot_write_as_text_is_an_error(backend: str) -> None:
    with pytest.raises(EncodeError, match=r"at \$\.n \(int\).*4300 digits.*as a str"):
        EncoderRegistry().dumps({"n": 10**5000}, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("key", "named"),
    [
        (True, "dict key True is a bool"),
        (None, "dict key None is a NoneType"),
        ((1, 2), r"dict key \(1, 2\) is a tuple"),
    ],
)
def test_a_refused_dict_key_is_an_error_at_the_dicts_path(
    backend: str, key: object, named: str
) -> None:
    with pytest.raises(
        EncodeError, match=r"value at \$\.counts \(dict\): " + named + r".*\{str\(k\): v"
    ):
        EncoderRegistry().dumps({"counts": {key: "one"}}, backend=backend)
    with pytest.raises(EncodeError, match=r"value at \$ \(dict\): "):
        EncoderRegistry().dumps({key: "one"}, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_and_infinity_become_null(backend: str) -> None:
    out = EncoderRegistry().dumps([float("nan"), float("inf"), -float("inf")], backend=backend)
    assert out == b"[null,null,null]"


@pytest.mark.parametrize("backend", BACKENDS)
def test_endless_generator_is_an_error_not_a_hang(backend: str) -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            n += 1
            yield n

    registry = EncoderRegistry(max_items=10_000)
    with pytest.raises(EncodeError, match=r"at \$\.feed \(generator\).*max_items=10000"):
        registry.dumps({"feed": endless()}, backend=backend)


def test_default_max_items_is_one_million() -> None:
    assert EncoderRegistry().max_items == 1_000_000
    assert dumps(iter(range(1_000_000))).endswith(b"999999]")


@pytest.mark.parametrize("backend", BACKENDS)
def test_lone_surrogate_is_an_error(backend: str) -> None:
    with pytest.raises(EncodeError, match=r"at \$\[1\] \(str\).*surrogate"):
        EncoderRegistry().dumps(["ok", "\ud800"], backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_encoder_that_raises_is_named_with_its_path(backend: str) -> None:
    registry = EncoderRegistry()

    def broken(value: Money) -> Any:
        raise ValueError("no currency")

    registry.register(Money, broken, name="money")
    with pytest.raises(EncodeError, match=r"at \$\.price \(Money\).*'money' raised") as caught:
        registry.dumps({"price": Money(1)}, backend=backend)
    assert isinstance(caught.value.__cause__, ValueError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_depth_counts_containers_an_encoder_returns_like_orjson(backend: str) -> None:
    @dataclasses.dataclass
    class Node:
        child: Any

    def chain(depth: int) -> Any:
        value: Any = None
        for _ in range(depth):
            value = Node(value)
        return value

    registry = EncoderRegistry()
    assert registry.dumps(chain(254), backend=backend).count(b"child") == 254
    if backend == "json":  # the walk's limit; msgspec's is deeper
        with pytest.raises(EncodeError, match="nesting deeper than 254 levels"):
            registry.dumps(chain(255), backend=backend)
    with pytest.raises(EncodeError, match="nesting deeper than 254 levels"):
        registry.dumps(chain(100_000), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_encoder_returning_its_own_value_is_an_error_not_a_hang(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m)
    with pytest.raises(EncodeError, match=r"at \$\.m \(Money\): encoders returned values"):
        registry.dumps({"m": Money(1)}, backend=backend)
