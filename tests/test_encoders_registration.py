"""Registration forms, ordering (invariant 2), the type cache (invariant 3), copy, unregister."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from egress import EncodeError, Encoder, EncoderRegistry
from tests.encoder_types import Color, Money, Point


class Base:
    pass


class Child(Base):
    pass


class MoneyEncoder(Encoder[Money]):
    __type__ = Money

    def serialize(self, value: Money) -> Any:
        return f"${value.cents / 100:.2f}"


def test_class_form_registers_an_instance_named_after_the_class() -> None:
    registry = EncoderRegistry()
    encoder = registry.register(MoneyEncoder)
    assert encoder.name == "MoneyEncoder"
    assert registry.dumps({"price": Money(250)}) == b'{"price":"$2.50"}'


def test_instance_form() -> None:
    registry = EncoderRegistry()
    registry.register(MoneyEncoder(), name="money")
    assert registry.dumps(Money(5)) == b'"$0.05"'
    assert registry.explain([Money(1)])[0].encoder == "money"


def test_function_form_and_decorator_form() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents)
    assert registry.dumps(Money(7)) == b"7"

    @registry.register(Base)
    def encode_base(value: Base) -> str:
        return "base"

    assert encode_base(Base()) == "base"  # the decorator returns the function unchanged
    assert registry.dumps([Child()]) == b'["base"]'


def test_predicate_form() -> None:
    class HasJson:
        def __json__(self) -> dict[str, int]:
            return {"ok": 1}

    registry = EncoderRegistry()
    registry.register(predicate=lambda v: hasattr(v, "__json__"), serialize=lambda v: v.__json__())
    assert registry.dumps(HasJson()) == b'{"ok":1}'


def test_encoder_subclass_with_is_type_is_a_predicate() -> None:
    class Negative(Encoder[Money]):
        __type__ = Money
        priority = 5

        def is_type(self, value: object) -> bool:
            return isinstance(value, Money) and value.cents < 0

        def serialize(self, value: Money) -> Any:
            return "debt"

    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents)
    registry.register(Negative)
    assert registry.dumps([Money(-1), Money(3)]) == b'["debt",3]'


def test_register_rejects_bad_input_with_a_clear_message() -> None:
    registry = EncoderRegistry()
    with pytest.raises(ValueError, match="str is written natively"):
        registry.register(str, lambda s: s.upper())
    with pytest.raises(TypeError, match="needs serialize="):
        registry.register(predicate=lambda v: True)
    with pytest.raises(TypeError, match="expects a type"):
        registry.register("Money", str)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="needs a type"):
        registry.register()  # type: ignore[call-overload]


def test_higher_priority_runs_first() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: "high", priority=10)
    registry.register(Money, lambda m: "low", priority=1)
    assert registry.dumps(Money(1)) == b'"high"'


def test_equal_priority_newest_registration_wins() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: "first")
    registry.register(Money, lambda m: "second")
    assert registry.dumps(Money(1)) == b'"second"'


def test_equal_priority_more_specific_class_beats_newer_base_class_encoder() -> None:
    registry = EncoderRegistry()
    registry.register(Child, lambda v: "child")
    registry.register(Base, lambda v: "base")  # newer, but for a base class
    assert registry.dumps([Child(), Base()]) == b'["child","base"]'


def test_equal_priority_type_encoder_beats_predicate() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: "type")
    registry.register(predicate=lambda v: isinstance(v, Money), serialize=lambda v: "predicate")
    assert registry.dumps(Money(1)) == b'"type"'


def test_higher_priority_predicate_beats_type_encoder() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: "type")
    registry.register(
        predicate=lambda v: isinstance(v, Money), serialize=lambda v: "predicate", priority=1
    )
    assert registry.dumps(Money(1)) == b'"predicate"'


def test_user_registration_beats_every_builtin() -> None:
    registry = EncoderRegistry()
    assert all(e.priority < 0 for e in registry.encoders())
    registry.register(Point, lambda p: [p.x, p.y])
    assert registry.dumps(Point(1, 2)) == b"[1,2]"


def test_type_cache_is_invalidated_by_register_and_unregister() -> None:
    registry = EncoderRegistry()
    assert (
        registry.dumps(Point(1, 2)) == b'{"x":1,"y":2,"_secret":"hidden"}'
    )  # caches the dataclass path
    encoder = registry.register(Point, lambda p: "custom")
    assert registry.dumps(Point(1, 2)) == b'"custom"'
    registry.unregister(encoder)
    assert registry.dumps(Point(1, 2)) == b'{"x":1,"y":2,"_secret":"hidden"}'


def test_dispatch_is_cached_per_type() -> None:
    calls: list[type] = []
    registry = EncoderRegistry()

    class Counting(Encoder[Money]):
        __type__ = Money

        def matches_class(self, cls: type) -> int | None:
            calls.append(cls)
            return super().matches_class(cls)

        def serialize(self, value: Money) -> Any:
            return value.cents

    registry.register(Counting)
    assert registry.dumps([Money(i) for i in range(100)]) == orjson.dumps(list(range(100)))
    assert calls.count(Money) == 1  # resolved once, then O(1) lookups


def test_predicates_are_not_consulted_for_types_a_higher_encoder_owns() -> None:
    asked: list[object] = []
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents, priority=5)
    registry.register(predicate=lambda v: asked.append(v) or False, serialize=str)
    assert registry.dumps([Money(1), Money(2)]) == b"[1,2]"
    assert asked == []


def test_unregister_by_name_type_and_class() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: 1, name="money")
    registry.unregister("money")
    with pytest.raises(EncodeError):
        registry.dumps(Money(1))
    registry.register(Money, lambda m: 1)
    registry.unregister(Money)
    registry.register(MoneyEncoder)
    registry.unregister(MoneyEncoder)
    with pytest.raises(KeyError, match="no encoder registered as 'nothing'"):
        registry.unregister("nothing")


def test_unregistering_a_builtin_is_honoured_on_the_fast_path() -> None:
    registry = EncoderRegistry()
    registry.unregister("dataclass")
    with pytest.raises(EncodeError, match="no encoder is registered"):
        registry.dumps(Point(1, 2))
    registry.unregister("enum")
    with pytest.raises(EncodeError, match="Color"):
        registry.dumps(Color.RED)


def test_copy_is_an_independent_snapshot() -> None:
    original = EncoderRegistry()
    original.register(Money, lambda m: "original")
    clone = original.copy()
    clone.register(Money, lambda m: "clone")
    original.register(Base, lambda b: "base")
    assert original.dumps(Money(1)) == b'"original"'
    assert clone.dumps(Money(1)) == b'"clone"'
    with pytest.raises(EncodeError):
        clone.dumps(Base())


def test_empty_registry_has_no_builtins() -> None:
    registry = EncoderRegistry(builtins=False)
    assert registry.encoders() == []
    assert registry.dumps({"a": [1, "b", None]}) == b'{"a":[1,"b",null]}'
    with pytest.raises(EncodeError):
        registry.dumps({1, 2})


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown JSON backend 'yaml'"):
        EncoderRegistry(backend="yaml")
    with pytest.raises(ValueError, match="choose one of 'orjson', 'msgspec', 'json'"):
        EncoderRegistry().dumps(1, backend="yaml")


def test_per_registry_backend() -> None:
    registry = EncoderRegistry(backend="json")
    assert registry.dumps({"f": 1e-5}) == b'{"f":0.00001}'


def test_module_level_functions_act_on_the_default_registry() -> None:
    import egress

    @dataclasses.dataclass
    class Local:
        v: int

    encoder = egress.register_encoder(Local, lambda v: v.v * 2)
    try:
        assert egress.dumps(Local(2)) == b"4"
        assert egress.to_jsonable([Local(3)]) == [6]
        assert egress.registry.explain(Local(1))[0].encoder == encoder.name
    finally:
        egress.registry.unregister(encoder)
    assert egress.dumps(Local(2)) == b'{"v":2}'


# -- registration state lives in the registry ------------------------------------------


def test_name_and_priority_belong_to_the_registration_not_the_encoder() -> None:
    encoder = MoneyEncoder()
    first, second = EncoderRegistry(), EncoderRegistry()
    assert first.register(encoder, priority=5, name="money") is encoder
    assert (encoder.name, encoder.priority) == ("MoneyEncoder", 0)  # unchanged
    second.register(encoder)  # a second registry does not inherit the first one's
    second.register(Money, lambda m: "newer, same priority")
    assert first.encoders()[0] == ("money", 5, encoder)
    assert first.explain([Money(1)])[0].encoder == "money"
    assert second.dumps(Money(1)) == b'"newer, same priority"'
    assert first.dumps(Money(1)) == b'"$0.01"'


def test_one_encoder_twice_in_one_registry_under_two_names() -> None:
    registry = EncoderRegistry()
    encoder = MoneyEncoder()
    registry.register(encoder, name="low", priority=1)
    registry.register(encoder, name="high", priority=2)
    assert [row.name for row in registry.encoders()[:2]] == ["high", "low"]
    registry.unregister("high")
    assert registry.explain(Money(1))[0].encoder == "low"
    registry.unregister(encoder)  # by the object: every registration of it
    with pytest.raises(EncodeError):
        registry.dumps(Money(1))


def test_encoders_lists_name_priority_and_encoder_in_dispatch_order() -> None:
    registry = EncoderRegistry()
    encoder = registry.register(Money, str, name="money", priority=-1)
    rows = registry.encoders()
    assert rows[0] == ("money", -1, encoder)
    assert {r.name for r in rows[1:5]} == {"pydantic", "msgspec", "pre_encoded", "attrs"}  # -10
    assert [r.priority for r in rows] == sorted((r.priority for r in rows), reverse=True)


def test_an_encoder_that_matches_nothing_is_refused() -> None:
    class Nothing(Encoder[Any]):
        def serialize(self, value: Any) -> Any:
            return value

    with pytest.raises(TypeError, match="Nothing has neither __type__ nor an is_type"):
        EncoderRegistry().register(Nothing)


# -- encoders layered over a registry (what encoders= means) -----------------------------


def test_layered_copies_are_cached_per_encoder_objects() -> None:
    registry = EncoderRegistry()
    layered = registry.layered([MoneyEncoder])
    assert layered.dumps(Money(5)) == b'"$0.05"'
    assert registry.layered([MoneyEncoder]) is layered
    assert registry.layered([MoneyEncoder()]) is not layered  # another object
    with pytest.raises(EncodeError):
        registry.dumps(Money(5))  # the base registry is untouched


def test_layered_copies_follow_changes_to_their_registry() -> None:
    registry = EncoderRegistry()
    before = registry.layered([MoneyEncoder])
    registry.register(Base, lambda b: "base")
    after = registry.layered([MoneyEncoder])
    assert after is not before
    assert after.dumps([Base(), Money(1)]) == b'["base","$0.01"]'
    with pytest.raises(EncodeError):
        before.dumps(Base())  # a snapshot of the old state


def test_layered_caches_are_per_registry_and_bounded() -> None:
    one, two = EncoderRegistry(), EncoderRegistry()
    assert one.layered([MoneyEncoder]) is not two.layered([MoneyEncoder])
    encoders = [MoneyEncoder() for _ in range(200)]
    copies = [one.layered([e]) for e in encoders]
    assert one.layered([encoders[-1]]) is copies[-1]  # the newest are kept
    assert one.layered([encoders[0]]) is not copies[0]  # the oldest were let go
