"""Lilya-shaped encoders: any class or object with `serialize(value)` and `__type__`
and/or `is_type(value)` registers like an egress Encoder, by `register()` and `encoders=`."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from lilya.encoders import ENCODER_TYPES
from lilya.encoders import Encoder as LilyaEncoder

from egress import EncodeError, EncoderRegistry, JSONResponse, to_response
from tests.encoder_types import Money, Point

BACKENDS = ["orjson", "msgspec", "json"]


def lilya_builtin(name: str) -> Any:
    """One of the encoders Lilya itself ships (its own instances, unchanged)."""
    return next(encoder for encoder in ENCODER_TYPES if encoder.name == name)


class LilyaMoney(LilyaEncoder[Money]):  # written as Lilya's docs show
    __type__ = Money
    name = "LilyaMoney"

    def serialize(self, obj: Money) -> str:
        return f"{obj.cents} cents"


class Cents:  # duck-typed: __type__ only
    __type__ = Money

    def serialize(self, value: Money) -> int:
        return value.cents


class Debt:  # duck-typed: is_type only, a value predicate
    def is_type(self, value: Any) -> bool:
        return isinstance(value, Money) and value.cents < 0

    def serialize(self, value: Money) -> str:
        return "debt"


@pytest.mark.parametrize("backend", BACKENDS)
def test_lilyas_own_encoders_register_and_win_over_the_builtins(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(lilya_builtin("TimedeltaEncoder"))  # total_seconds(), not ISO 8601
    registry.register(lilya_builtin("DataclassEncoder"))  # is_type only; asdict keeps _secret
    value = {"wait": datetime.timedelta(seconds=90), "at": Point(1, 2)}
    assert registry.dumps(value, backend=backend) == (
        b'{"wait":90.0,"at":{"x":1,"y":2,"_secret":"hidden"}}'
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (LilyaMoney, b'["150 cents"]'),
        (LilyaMoney(), b'["150 cents"]'),
        (Cents, b"[150]"),
        (Cents(), b"[150]"),
    ],
    ids=["Lilya class", "Lilya instance", "duck-typed class", "duck-typed instance"],
)
def test_class_or_instance_with_type(form: Any, expected: bytes, backend: str) -> None:
    registry = EncoderRegistry()
    registered = registry.register(form)
    assert registered is form or type(registered) is form  # a class is instantiated
    assert registry.dumps([Money(150)], backend=backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_is_type_alone_is_a_value_predicate(backend: str) -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents)
    registry.register(Debt(), priority=1)
    assert registry.dumps([Money(-1), Money(3)], backend=backend) == b'["debt",3]'


def test_own_is_type_with_type_is_asked_only_for_instances_of_that_type() -> None:
    asked: list[object] = []

    class Odd:
        __type__ = Money

        def is_type(self, value: Any) -> bool:
            asked.append(value)
            return bool(value.cents % 2)

        def serialize(self, value: Money) -> str:
            return "odd"

    registry = EncoderRegistry()
    registry.register(Odd)
    assert (
        registry.dumps([Money(1), "s", Point(0, 0)])
        == b'["odd","s",{"x":0,"y":0,"_secret":"hidden"}]'
    )
    assert asked
    assert all(isinstance(value, Money) for value in asked)


def test_encoders_argument_takes_lilya_shaped_encoders() -> None:
    wait = {"wait": datetime.timedelta(seconds=1.5), "price": Money(7)}
    expected = b'{"wait":1.5,"price":"7 cents"}'
    timedelta_encoder = lilya_builtin("TimedeltaEncoder")
    assert JSONResponse(wait, encoders=[timedelta_encoder, LilyaMoney]).body == expected
    assert to_response(wait, encoders=[timedelta_encoder, LilyaMoney()]).body == expected


def test_ordering_is_unchanged_for_lilya_shaped_encoders() -> None:
    registry = EncoderRegistry()
    registry.register(LilyaMoney)
    registry.register(Money, lambda m: "newer")
    assert registry.dumps(Money(1)) == b'"newer"'  # equal priority: the newest wins
    registry.register(Cents(), priority=3)
    assert registry.dumps(Money(1)) == b"1"
    registry.register(lilya_builtin("TimedeltaEncoder"), priority=-100)  # below the built-in
    assert registry.dumps(datetime.timedelta(seconds=90)) == b'"PT90S"'


def test_lilya_encoders_keep_their_name_and_are_never_changed() -> None:
    registry = EncoderRegistry()
    money, cents = LilyaMoney(), Cents()
    registry.register(money, name="renamed", priority=2)
    registry.register(cents)
    assert (money.name, getattr(money, "priority", None)) == ("LilyaMoney", None)
    assert [row[:2] for row in registry.encoders()[:2]] == [("renamed", 2), ("Cents", 0)]
    registry.unregister(cents)
    registry.unregister("renamed")
    with pytest.raises(EncodeError):
        registry.dumps(Money(1))
    registry.register(LilyaMoney)
    registry.unregister(LilyaMoney)  # by class
    with pytest.raises(EncodeError):
        registry.dumps(Money(1))


class NoMatch(LilyaEncoder[Any]):  # Lilya's is_type answers False without __type__
    def serialize(self, obj: Any) -> Any:
        return obj


class NoSerialize:
    __type__ = Money


NOT_ENCODERS = [
    (NoMatch, "NoMatch has neither __type__ nor an is_type"),
    (NoMatch(), "NoMatch has neither __type__ nor an is_type"),
    (NoSerialize(), "NoSerialize has no serialize"),
]


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        *NOT_ENCODERS,
        (object(), "object has no serialize"),
        (Money, "Money is not an encoder"),
    ],
)
def test_encoders_argument_names_what_is_missing(candidate: Any, message: str) -> None:
    with pytest.raises(TypeError, match=f"encoders= takes an EncoderRegistry.*{message}"):
        to_response({"a": 1}, encoders=[candidate])


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        *NOT_ENCODERS,
        (object(), "expects a type.*an encoder object needs serialize"),
    ],
)
def test_register_names_what_is_missing(candidate: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        EncoderRegistry().register(candidate)


def test_an_encoder_takes_no_function_and_encoders_takes_a_sequence() -> None:
    with pytest.raises(TypeError, match="takes no serialize or predicate"):
        EncoderRegistry().register(Cents(), str)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="encoders= takes an EncoderRegistry or a sequence"):
        to_response({"a": 1}, encoders=Cents)  # type: ignore[arg-type]


def test_a_native_type_in_type_is_refused() -> None:
    class Listing:
        __type__ = (list, set)

        def serialize(self, value: Any) -> list[Any]:
            return list(value)

    with pytest.raises(ValueError, match="list is written natively"):
        EncoderRegistry().register(Listing)


class Shout:
    """Lilya-shaped, for str given as is_type: str values never reach an encoder."""

    def is_type(self, value: Any) -> bool:
        return isinstance(value, str)

    def serialize(self, value: str) -> str:
        return value.upper()


class Anything:
    """A catch-all: runs for every value the backends do not write themselves."""

    def is_type(self, value: Any) -> bool:
        return True

    def serialize(self, value: Any) -> str:
        return repr(value)


def test_an_is_type_for_a_native_type_is_refused_like_a_native_type() -> None:
    registry = EncoderRegistry()
    with pytest.raises(ValueError, match=r"Shout's is_type accepts str values.*never run"):
        registry.register(Shout())
    with pytest.raises(ValueError, match="Shout's is_type accepts str values"):
        to_response({"a": "b"}, encoders=[Shout])
    assert registry.dumps({"a": "b"}) == b'{"a":"b"}'  # nothing was registered


def test_a_catch_all_is_type_is_allowed() -> None:
    registry = EncoderRegistry()
    registry.register(Anything())
    money = Money(1)
    assert registry.dumps([money, "text"]) == b'["%s","text"]' % repr(money).encode()
