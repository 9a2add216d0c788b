"""EventSourceResponse and ServerSentEvent over in-process ASGI: the wire format read by a
parser that follows the standard's rules, headers, validation, pings during silence,
and every way a stream ends (done, disconnect, timeout, error, an unencodable event)
closing the generator."""

from __future__ import annotations

import logging
import math
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egress import EventSourceResponse, ServerSentEvent
from egress.encoders import EncoderRegistry
from egress.endpoints import endpoint
from egress.responses import BackgroundTask
from tests._sse_parser import Event, parse
from tests.apps_sse import Peer, Unencodable
from tests.apps_streaming import edits_in_place

pytestmark = pytest.mark.anyio

PING = b": ping\n\n"


async def fetch(app: Any, method: str = "GET") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, "/events")


async def events_of(*items: Any, **options: Any) -> list[Event]:
    peer = Peer()
    await peer.run(EventSourceResponse(list(items), **options))
    assert peer.finished
    return parse(peer.body).events


def message(data: str, last_event_id: str = "") -> Event:
    return Event("message", data, last_event_id)


# -- the wire format -----------------------------------------------------------------------


async def test_plain_values_are_the_data_of_events_str_as_text_the_rest_as_json() -> None:
    events = await events_of("text", {"a": [1, 2]}, [1, "x"], 3, 2.5, True, None)
    assert events == [
        message("text"),
        message('{"a":[1,2]}'),
        message('[1,"x"]'),
        message("3"),
        message("2.5"),
        message("true"),
        message("null"),
    ]


async def test_text_data_takes_one_data_line_per_line_whatever_the_line_break() -> None:
    peer = Peer()
    await peer.run(EventSourceResponse(["a\r\nb\rc\nd", "", "ends with a break\n", " spaced"]))
    assert peer.body.startswith(b"data: a\ndata: b\ndata: c\ndata: d\n\n")
    assert parse(peer.body).events == [
        message("a\nb\nc\nd"),  # the parser joins data lines with LF
        message(""),  # empty data is still an event
        message("ends with a break\n"),
        message(" spaced"),  # only the one space after the colon is dropped
    ]


async def test_every_field_of_an_event() -> None:
    event = ServerSentEvent(
        data={"k": "v"}, event="update", id="42", retry=3000, comment="first\nsecond"
    )
    peer = Peer()
    await peer.run(EventSourceResponse([event, ServerSentEvent("next", id=43)]))
    parsed = parse(peer.body)
    assert parsed.events == [Event("update", '{"k":"v"}', "42"), message("next", "43")]
    assert parsed.retries == [3000]
    assert parsed.comments == ["first", "second"]
    assert event.encode() == (
        b': first\n: second\nevent: update\nid: 42\nretry: 3000\ndata: {"k":"v"}\n\n'
    )


async def test_an_event_without_data_dispatches_nothing_but_sets_the_id() -> None:
    parsed = parse(
        ServerSentEvent(id="7").encode()
        + ServerSentEvent(comment="only a comment").encode()
        + ServerSentEvent(retry=0).encode()
        + ServerSentEvent("after").encode()
    )
    assert parsed.events == [message("after", "7")]
    assert parsed.retries == [0]


TEXT = st.text()  # any code point but lone surrogates, line breaks and NUL included
ONE_LINE = st.text().filter(lambda text: not re.search(r"[\r\n\x00]", text))


@settings(max_examples=300, deadline=None)
@given(data=TEXT, event=st.none() | ONE_LINE, event_id=st.none() | ONE_LINE, comment=TEXT)
def test_any_text_round_trips_through_the_standards_parser(
    data: str, event: str | None, event_id: str | None, comment: str
) -> None:
    wire = ServerSentEvent(data, event=event, id=event_id, comment=comment).encode()
    parsed = parse(b"data: before\n\n" + wire)  # not first: a leading BOM would be skipped
    [_, got] = parsed.events
    assert got.data == re.sub(r"\r\n|\r", "\n", data)
    assert got.type == (event or "message")
    assert got.last_event_id == (event_id or "")
    assert parsed.comments == re.split(r"\r\n|\r|\n", comment)


@dataclass
class Point:
    x: int
    y: int


async def test_json_data_goes_through_the_responses_registry() -> None:
    registry = EncoderRegistry()
    registry.register(Point, lambda point: [point.x, point.y])
    items = [Point(1, 2), ServerSentEvent(Point(3, 4), event="point")]
    assert await events_of(*items) == [
        message('{"x":1,"y":2}'),  # the default registry: a dataclass is an object
        Event("point", '{"x":3,"y":4}', ""),
    ]
    assert await events_of(*items, encoders=registry) == [
        message("[1,2]"),
        Event("point", "[3,4]", ""),
    ]


# -- the head --------------------------------------------------------------------------------


async def test_headers_of_an_event_stream() -> None:
    response = await fetch(EventSourceResponse(["one"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-length" not in response.headers
    assert response.text == "data: one\n\n"


async def test_the_callers_cache_control_and_status_are_kept() -> None:
    response = await fetch(
        EventSourceResponse(["one"], status_code=201, headers={"Cache-Control": "no-store"})
    )
    assert response.status_code == 201
    assert response.headers.get_list("cache-control") == ["no-store"]


async def test_the_head_goes_out_before_the_first_event_is_produced() -> None:
    # A browser's EventSource opens on the head: it must not wait for the first event.
    peer = Peer()
    sent_before: list[list[str]] = []

    async def first() -> AsyncIterator[str]:
        sent_before.append([m["type"] for m in peer.messages])
        yield "first"

    await peer.run(EventSourceResponse(first()))
    assert sent_before == [["http.response.start"]]


async def test_head_sends_the_headers_without_producing_an_event() -> None:
    started: list[bool] = []
    ran = anyio.Event()

    async def endless() -> AsyncIterator[str]:
        started.append(True)
        while True:
            yield "tick"

    response = EventSourceResponse(endless(), background=BackgroundTask(ran.set))
    with anyio.fail_after(5):
        got = await fetch(response, "HEAD")
    assert (got.status_code, got.content) == (200, b"")
    assert got.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert not started
    assert ran.is_set()


async def test_an_endpoint_serves_get_and_head() -> None:
    @endpoint
    async def feed(n: int = 2) -> EventSourceResponse:
        return EventSourceResponse(f"event {i}" for i in range(n))

    assert parse((await fetch(feed)).content).events == [message("event 0"), message("event 1")]
    head = await fetch(feed, "HEAD")
    assert (head.status_code, head.content) == (200, b"")


async def test_each_send_gets_new_messages_that_middleware_may_edit() -> None:
    # A callable content makes a fresh generator each time the response is sent.
    response = EventSourceResponse(lambda: iter(["a", "b"]))
    app = edits_in_place(response)
    for _ in range(3):
        got = await fetch(app)
        assert got.headers.get_list("x-edited") == ["1"]
        assert got.text == "data: a\n\ndata: b\n\n"


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["event", "id"])
@pytest.mark.parametrize("bad", ["two\nlines", "carriage\rreturn", "crlf\r\n", "nul\x00"])
def test_event_and_id_refuse_line_breaks_and_nul(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=f"ServerSentEvent {field} must not contain CR, LF or NUL"):
        ServerSentEvent("data", **{field: bad})


@pytest.mark.parametrize(
    ("arguments", "error", "text"),
    [
        ({"event": 5}, TypeError, "event must be a str, got int"),
        ({"id": True}, TypeError, "id must be a str or an int, got bool"),
        ({"id": 1.5}, TypeError, "id must be a str or an int, got float"),
        ({"comment": b"x"}, TypeError, "comment must be a str, got bytes"),
        ({"event": "\ud800"}, ValueError, "event must be valid text"),
        ({"retry": -1}, ValueError, "retry must be an int of milliseconds >= 0, got -1"),
        ({"retry": 1.5}, ValueError, "retry must be an int"),
        ({"retry": True}, ValueError, "retry must be an int"),
        ({"id": 10**5000}, ValueError, "id is an int of 16610 bits, too long to write"),
        ({"retry": 10**5000}, ValueError, "retry is an int of 16610 bits, too long to write"),
        ({"data": "lone \ud800"}, ValueError, "data must be valid text (no lone surrogate)"),
    ],
)
def test_bad_fields_are_refused_where_the_event_is_made(
    arguments: dict[str, Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=re.escape(text)):
        ServerSentEvent(**{"data": "data", **arguments})


async def test_the_longest_int_id_and_retry_python_writes_are_sent() -> None:
    longest = 10 ** (sys.get_int_max_str_digits() - 1)
    [event] = await events_of(ServerSentEvent("x", id=longest, retry=longest))
    assert event.last_event_id == str(longest)


@pytest.mark.parametrize("ping", [-1, math.nan, math.inf, "15", True])
def test_ping_must_be_a_number_of_seconds(ping: Any) -> None:
    with pytest.raises(ValueError, match="ping must be a finite number of seconds >= 0"):
        EventSourceResponse(["x"], ping=ping)


@pytest.mark.parametrize("content", ["text", b"bytes", {"a": 1}, 5])
def test_content_must_be_an_iterable_of_values(content: Any) -> None:
    with pytest.raises(TypeError, match="EventSourceResponse content must be an iterable"):
        EventSourceResponse(content)


async def test_a_callable_returning_one_value_fails_before_anything_is_sent() -> None:
    peer = Peer()
    with pytest.raises(TypeError, match="got dict"):
        await peer.run(EventSourceResponse(lambda: {"a": 1}))
    assert peer.messages == []


# -- pings -------------------------------------------------------------------------------------


async def test_pings_go_out_while_the_generator_is_silent() -> None:
    # The second event waits until two pings reached the client: if pings came only
    # at the end (or never), fail_after would fire.
    two_pings = anyio.Event()
    produced: list[float] = []

    def on_body(peer: Peer, body: bytes) -> None:
        if peer.bodies.count(PING) == 2:
            two_pings.set()

    async def quiet() -> AsyncIterator[str]:
        produced.append(time.monotonic())
        yield "first"
        await two_pings.wait()
        yield "second"

    peer = Peer(on_body)
    with anyio.fail_after(5):
        await peer.run(EventSourceResponse(quiet(), ping=0.2))
    assert peer.bodies == [b"data: first\n\n", PING, PING, b"data: second\n\n", b""]
    parsed = parse(peer.body)
    assert parsed.events == [message("first"), message("second")]
    assert parsed.comments == ["ping", "ping"]
    sent = [t for t, m in zip(peer.times, peer.messages, strict=True) if m.get("body") == PING]
    first_event_sent = peer.times[1]
    assert sent[0] - first_event_sent >= 0.19  # after `ping` seconds of silence, not before
    assert sent[1] - sent[0] >= 0.19


async def test_no_ping_while_events_flow() -> None:
    async def steady() -> AsyncIterator[int]:
        for number in range(10):
            yield number
            await anyio.sleep(0.05)

    peer = Peer()
    await peer.run(EventSourceResponse(steady(), ping=1))
    assert PING not in peer.bodies
    assert len(parse(peer.body).events) == 10


@pytest.mark.parametrize("ping", [None, 0])
async def test_ping_none_or_zero_sends_none(ping: float | None) -> None:
    async def slow() -> AsyncIterator[str]:
        yield "first"
        await anyio.sleep(0.3)
        yield "second"

    peer = Peer()
    await peer.run(EventSourceResponse(slow(), ping=ping))
    assert peer.bodies == [b"data: first\n\n", b"data: second\n\n", b""]


async def test_the_response_ends_with_the_stream_whatever_the_ping() -> None:
    # The task that pings must not outlive the stream: with ping=15 the response
    # still returns as soon as the last event is sent.
    peer = Peer()
    with anyio.fail_after(2):
        await peer.run(EventSourceResponse(["only"], ping=15))
    assert peer.finished


# -- endings: the generator is closed every time ----------------------------------------------


def closing(closed: list[str], *, forever: bool = False) -> AsyncIterator[Any]:
    async def events() -> AsyncIterator[Any]:
        try:
            yield "first"
            if forever:
                await anyio.sleep_forever()
            yield {"bad": Unencodable()}
            yield "never"
        finally:
            closed.append("closed")

    return events()


def closing_sync(closed: list[str]) -> Iterator[Any]:
    try:
        for number in range(600):
            yield number
            time.sleep(0.05)
    finally:
        closed.append("closed")


@pytest.mark.parametrize("ping", [None, 0.1])
async def test_a_disconnect_during_silence_closes_the_generator(ping: float | None) -> None:
    closed: list[str] = []

    def leave_after_first_event(peer: Peer, body: bytes) -> None:
        if body.startswith(b"data:"):
            peer.leave()

    peer = Peer(leave_after_first_event)
    with anyio.fail_after(1):
        await peer.run(EventSourceResponse(closing(closed, forever=True), ping=ping))
    assert closed == ["closed"]
    assert not peer.finished


async def test_a_disconnect_closes_a_sync_generator() -> None:
    closed: list[str] = []

    def leave_after_three(peer: Peer, body: bytes) -> None:
        if len(parse(peer.body).events) == 3:
            peer.leave()

    peer = Peer(leave_after_three)
    with anyio.fail_after(1):
        await peer.run(EventSourceResponse(closing_sync(closed), ping=0.02))
    assert closed == ["closed"]


async def test_complete_timeout_cuts_an_endless_stream(caplog: pytest.LogCaptureFixture) -> None:
    closed: list[str] = []
    peer = Peer()
    with anyio.fail_after(2):
        await peer.run(
            EventSourceResponse(closing(closed, forever=True), ping=0.1, complete_timeout=0.5)
        )
    assert closed == ["closed"]
    assert not peer.finished
    assert PING in peer.bodies  # pings went on until the deadline
    assert "complete_timeout" in caplog.text


@pytest.mark.parametrize("ping", [None, 0.1])
async def test_an_unencodable_event_cuts_the_stream_and_is_logged(
    ping: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[str] = []
    peer = Peer()
    with caplog.at_level(logging.ERROR, "egress.responses"), anyio.fail_after(2):
        await peer.run(EventSourceResponse(closing(closed), ping=ping))
    assert closed == ["closed"]
    assert not peer.finished  # no clean end: the client sees the connection cut
    assert parse(peer.body).events == [message("first")]
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is None  # one line, no traceback
    assert "GET /: stream cut short: item 1 (counting from 0) could not be encoded" in (
        record.getMessage()
    )
    assert "at $.bad (Unencodable)" in record.getMessage()


async def test_text_that_is_not_utf8_is_an_unencodable_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    peer = Peer()
    await peer.run(EventSourceResponse(["fine", "lone \ud800 surrogate"]))
    assert parse(peer.body).events == [message("fine")]
    assert not peer.finished
    assert "item 1 (counting from 0) could not be encoded" in caplog.text
    assert "lone surrogate" in caplog.text


@pytest.mark.parametrize("ping", [None, 0.1])
async def test_a_failing_generator_is_raised_as_for_any_stream(ping: float | None) -> None:
    closed: list[str] = []

    async def failing() -> AsyncIterator[str]:
        try:
            yield "first"
            raise RuntimeError("the feed broke")
        finally:
            closed.append("closed")

    peer = Peer()
    with pytest.raises(RuntimeError, match="the feed broke"):
        await peer.run(EventSourceResponse(failing(), ping=ping))
    assert closed == ["closed"]
    assert not peer.finished


async def test_a_ping_that_cannot_be_sent_ends_the_stream_with_that_error() -> None:
    closed: list[str] = []

    class Gone(Peer):
        async def send(self, message: dict[str, Any]) -> None:
            if message.get("body") == PING:
                raise OSError("the connection is gone")
            await super().send(message)

    peer = Gone()
    with anyio.fail_after(2), pytest.raises(OSError, match="the connection is gone"):
        await peer.run(EventSourceResponse(closing(closed, forever=True), ping=0.05))
    assert closed == ["closed"]
    assert parse(peer.body).events == [message("first")]


async def test_a_ping_the_client_does_not_take_obeys_chunk_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed: list[str] = []

    class Stalled(Peer):
        async def send(self, message: dict[str, Any]) -> None:
            if message.get("body") == PING:
                await anyio.sleep_forever()  # a client that stopped reading
            await super().send(message)

    peer = Stalled()
    response = EventSourceResponse(closing(closed, forever=True), ping=0.05, chunk_timeout=0.2)
    with anyio.fail_after(5):
        await peer.run(response)
    assert closed == ["closed"]
    assert parse(peer.body).events == [message("first")]
    assert not peer.finished
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "GET /: stream cut short: the client did not take a ping within 0.2 s "
        "(chunk_timeout); the client is the slow side"
    )


async def test_pings_start_even_when_the_loop_was_held_past_the_first_ping() -> None:
    async def slow_first() -> AsyncIterator[str]:
        time.sleep(0.05)  # noqa: ASYNC251 (holds the event loop past the first ping's due time)
        await anyio.lowlevel.checkpoint()  # then lets the ping task take its first turn
        yield "first"

    peer = Peer()
    with anyio.fail_after(5):
        await peer.run(EventSourceResponse(slow_first(), ping=0.01))
    events = parse(peer.body).events
    assert events == [message("first")]
    assert peer.finished


async def test_background_runs_after_a_complete_stream_only() -> None:
    ran: list[str] = []
    complete = EventSourceResponse(["a"], background=BackgroundTask(ran.append, "complete"))
    await Peer().run(complete)
    closed: list[str] = []
    peer = Peer(lambda peer, body: peer.leave())
    cut = EventSourceResponse(
        closing(closed, forever=True), background=BackgroundTask(ran.append, "cut")
    )
    await peer.run(cut)
    assert ran == ["complete"]


async def test_sync_generators_and_generator_functions() -> None:
    def numbers() -> Iterator[int]:
        yield from range(3)

    assert await events_of(*numbers()) == [message("0"), message("1"), message("2")]
    peer = Peer()
    await peer.run(EventSourceResponse(numbers))
    assert parse(peer.body).events == [message("0"), message("1"), message("2")]
