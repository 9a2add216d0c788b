"""Invariant 7: registration from one thread while others encode (or layer encoders)."""

from __future__ import annotations

import threading
from typing import Any

from egress import Encoder, EncoderRegistry
from tests.encoder_types import Money, Point


def test_register_while_other_threads_encode() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda m: m.cents)
    payload = {"price": Money(5), "where": Point(1, 2), "items": list(range(50))}
    expected = {registry.dumps(payload)}
    failures: list[BaseException] = []
    outputs: set[bytes] = set()
    stop = threading.Event()

    def encode() -> None:
        try:
            while not stop.is_set():
                outputs.add(registry.dumps(payload))
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    workers = [threading.Thread(target=encode) for _ in range(4)]
    for worker in workers:
        worker.start()
    added: list[Any] = []
    for i in range(300):  # churn: register and unregister encoders for unrelated types
        added.append(registry.register(type(f"T{i}", (), {}), str))
        if i % 2:
            registry.unregister(added.pop(0))
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    assert not failures
    assert outputs == expected
    assert all(not worker.is_alive() for worker in workers)


def test_a_change_is_seen_whole_by_concurrent_encoders() -> None:
    registry = EncoderRegistry()
    seen: set[bytes] = set()
    stop = threading.Event()

    def encode() -> None:
        while not stop.is_set():
            seen.add(registry.dumps([Money(1), Money(1)]))

    registry.register(Money, lambda m: "old")
    worker = threading.Thread(target=encode)
    worker.start()
    for _ in range(200):
        registry.register(Money, lambda m: "new")
        registry.register(Money, lambda m: "old")
    stop.set()
    worker.join(timeout=10)
    assert seen <= {b'["old","old"]', b'["new","new"]'}  # never half old, half new


def test_layered_copies_while_the_base_registry_changes() -> None:
    class Cents(Encoder[Money]):
        __type__ = Money

        def serialize(self, value: Money) -> Any:
            return value.cents

    registry = EncoderRegistry()
    layer = [Cents()]
    failures: list[BaseException] = []
    outputs: set[bytes] = set()
    stop = threading.Event()

    def encode() -> None:
        try:
            while not stop.is_set():
                outputs.add(registry.layered(layer).dumps([Money(5), Point(1, 2)]))
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    workers = [threading.Thread(target=encode) for _ in range(3)]
    for worker in workers:
        worker.start()
    for i in range(100):  # each change drops the cached copies
        registry.register(type(f"T{i}", (), {}), str)
    registry.register(Point, lambda p: "point")
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    assert not failures
    assert outputs <= {b'[5,{"x":1,"y":2,"_secret":"hidden"}]', b'[5,"point"]'}
    assert registry.layered(layer).dumps(Point(1, 2)) == b'"point"'  # the last change is seen
