"""Pre-encoded JSON (an `orjson.Fragment`, what an encoder returns as one, pydantic's
JSON) keeps the line breaks it was written with; in a line format one item must still be
one line (NDJSON) and one event (SSE), with the same value read back."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egress import EventSourceResponse, NDJSONResponse, ServerSentEvent
from egress.encoders import EncoderRegistry
from tests._sse_parser import parse
from tests.apps_sse import Peer

pytestmark = pytest.mark.anyio

INDENTED = b'[\n {"admin": true}\n]'
BLANK_LINES = b'{\r\n\r\n  "a": [1,\n\n 2],\r  "b": "x\\ny"\n\n}'
VALUES = [[{"admin": True}], {"a": [1, 2], "b": "x\ny"}]


class Doc:
    """A type whose encoder hands back JSON written elsewhere, indented."""

    def __init__(self, text: bytes) -> None:
        self.text = text


def registry() -> EncoderRegistry:
    encoders = EncoderRegistry()
    encoders.register(Doc, lambda doc: orjson.Fragment(doc.text))
    return encoders


async def test_ndjson_sends_each_pre_encoded_item_as_one_line() -> None:
    items = [orjson.Fragment(INDENTED), {"doc": Doc(BLANK_LINES)}, Doc(INDENTED)]
    peer = Peer()
    await peer.run(NDJSONResponse(items, encoders=registry()))
    lines = peer.body.split(b"\n")
    assert lines[-1] == b""  # the last line ends in a line break too
    assert [json.loads(line) for line in lines[:-1]] == [
        VALUES[0],
        {"doc": VALUES[1]},
        VALUES[0],
    ]


async def test_sse_sends_each_pre_encoded_item_as_one_event() -> None:
    items = [
        orjson.Fragment(BLANK_LINES),
        ServerSentEvent({"doc": Doc(INDENTED)}, id="2"),
        Doc(BLANK_LINES),
    ]
    peer = Peer()
    await peer.run(EventSourceResponse(items, encoders=registry(), ping=None))
    events = parse(peer.body).events
    assert [json.loads(event.data) for event in events] == [
        VALUES[1],
        {"doc": VALUES[0]},
        VALUES[1],
    ]
    assert [event.last_event_id for event in events] == ["", "2", "2"]


def test_a_server_sent_event_encoded_alone_is_one_data_line() -> None:
    wire = ServerSentEvent(orjson.Fragment(BLANK_LINES)).encode()
    assert wire.count(b"\n") == 2  # its data line and the blank line that ends it
    assert json.loads(parse(wire).events[0].data) == VALUES[1]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([0, 1, 2, "\t", "\r\n"]))
def test_any_json_written_with_any_whitespace_reads_back_the_same(
    value: Any, indent: int | str
) -> None:
    written = json.dumps(value, indent=indent).encode()
    line = NDJSONResponse([]).encode_item(orjson.Fragment(written))
    assert line.count(b"\n") == 1
    assert b"\r" not in line
    assert json.loads(line) == value
    event = parse(ServerSentEvent(orjson.Fragment(written)).encode()).events
    assert [json.loads(e.data) for e in event] == [value]
