"""The engines (docs/encoders.md, "Engines"): each call site goes to the engine its
documents needed last time, and whichever engine writes a document, the bytes are the
same; a user encoder always wins, and no generator item is lost when an engine stops."""

from __future__ import annotations

import datetime
import gc
import weakref
from collections.abc import Iterator
from typing import Any

from egress import EncoderRegistry, JSONResponse, to_response
from egress.encoders._engine import DEFAULTS, MSGSPEC, PLAIN, PROBE_EVERY, Site
from tests.encoder_types import Money

UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2024, 1, 1, tzinfo=UTC)
ROWS = [{"id": i, "at": MOMENT} for i in range(20)]
ROWS_TEXT = b"[" + b",".join(b'{"id":%d,"at":"2024-01-01T00:00:00Z"}' % i for i in range(20)) + b"]"


def _count(n: int) -> Iterator[int]:
    yield from range(n)


def test_a_site_goes_where_its_documents_need_and_finds_its_way_back() -> None:
    registry, site = EncoderRegistry(), Site()
    assert site.dumps(registry, {"a": 1}) == b'{"a":1}'
    assert site.mode == PLAIN
    assert site.dumps(registry, [MOMENT]) == b'["2024-01-01T00:00:00Z"]'
    assert site.mode == DEFAULTS  # orjson asked the registry, too few values to switch
    assert site.dumps(registry, ROWS) == ROWS_TEXT
    assert site.mode == MSGSPEC  # the 16th datetime handed the document to msgspec
    outputs = {site.dumps(registry, {"a": 1}) for _ in range(PROBE_EVERY)}
    assert outputs == {b'{"a":1}'}
    assert site.mode == PLAIN  # the probe found orjson alone enough


def test_generators_used_up_before_the_switch_are_written_whole() -> None:
    value = {"feed": _count(3), "rows": ROWS, "after": _count(2)}
    expected = b'{"feed":[0,1,2],"rows":' + ROWS_TEXT + b',"after":[0,1]}'
    site = Site()
    site.mode = DEFAULTS
    assert site.dumps(EncoderRegistry(), value) == expected
    assert site.mode == MSGSPEC


def test_a_user_encoder_keeps_msgspec_from_writing_documents() -> None:
    registry = EncoderRegistry()
    site = Site()
    site.dumps(registry, ROWS)
    assert site.mode == MSGSPEC
    registry.register(datetime.datetime, lambda moment: moment.year)
    expected = b"[" + b",".join(b'{"id":%d,"at":2024}' % i for i in range(20)) + b"]"
    assert site.dumps(registry, ROWS) == expected
    assert registry.dumps(ROWS, backend="msgspec") == expected


def test_an_encoder_may_encode_while_msgspec_writes() -> None:
    registry = EncoderRegistry()
    registry.register(Money, lambda money: {"inner": registry.dumps([_count(2), *ROWS]).decode()})
    value: list[Any] = [*ROWS, Money(1), _count(2)]
    inner = ("[[0,1]," + ROWS_TEXT[1:].decode()).replace('"', '\\"')
    expected = ROWS_TEXT[:-1] + b',{"inner":"' + inner.encode() + b'"},[0,1]]'
    for _ in range(3):
        value[-1] = _count(2)
        assert registry.dumps(value) == expected


def test_responses_and_pipelines_write_the_same_bytes_whichever_engine() -> None:
    for _ in range(3):  # the sites move from orjson to msgspec meanwhile
        assert JSONResponse(ROWS).body == ROWS_TEXT
        assert to_response(ROWS).body == ROWS_TEXT
        assert to_response({"a": 1}).body == b'{"a":1}'


def test_a_registry_state_replaced_is_not_kept_alive_by_the_engines() -> None:
    registry, site = EncoderRegistry(), Site()
    site.dumps(registry, ROWS)
    registry.dumps(ROWS)
    registry.dumps(ROWS, backend="msgspec")
    old = weakref.ref(registry.engine_plan)  # type: ignore[arg-type]
    registry.register(Money, lambda money: money.cents)
    site.dumps(registry, ROWS)
    registry.dumps(ROWS)
    gc.collect()
    assert old() is None
