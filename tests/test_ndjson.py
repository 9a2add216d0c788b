"""NDJSONResponse over in-process ASGI: one JSON document per line through the registry,
lines sent as they are produced, the head held until the first line so that an
unencodable first item is an EncodeError with nothing sent, a later one cutting the
stream, and the endings every stream shares."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest

from egress import NDJSONResponse
from egress.encoders import EncodeError, Encoder, dumps
from egress.endpoints import endpoint
from egress.responses import BackgroundTask
from tests.apps_sse import Peer, Unencodable

pytestmark = pytest.mark.anyio


@dataclass
class Order:
    id: int
    total: Decimal
    placed: datetime


ORDERS = [
    Order(1, Decimal("9.90"), datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
    Order(2, Decimal("0.10"), datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)),
]


async def fetch(app: Any, method: str = "GET") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, "/rows")


def lines(body: bytes) -> list[Any]:
    assert body.endswith(b"\n") or body == b""
    return [json.loads(line) for line in body.split(b"\n")[:-1]]


async def orders() -> AsyncIterator[Order]:
    for order in ORDERS:
        yield order


def orders_sync() -> Iterator[Order]:
    yield from ORDERS


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: ORDERS, id="list"),
        pytest.param(orders, id="async generator"),
        pytest.param(orders_sync, id="sync generator"),
        pytest.param(lambda: orders, id="generator function"),
    ],
)
async def test_one_line_of_json_per_item(content: Any) -> None:
    response = await fetch(NDJSONResponse(content()))
    assert response.headers["content-type"] == "application/x-ndjson"
    assert "content-length" not in response.headers
    assert response.content == b"".join(dumps(order) + b"\n" for order in ORDERS)
    assert lines(response.content)[0]["total"] == "9.90"


async def test_values_of_every_shape_one_per_line() -> None:
    values = ["text with\na line break", 3, None, [1, {"a": "b"}], {"nested": {"x": 1.5}}]
    response = await fetch(NDJSONResponse(values))
    assert response.content.count(b"\n") == len(values)
    assert lines(response.content) == values


async def test_an_empty_stream_is_an_empty_body() -> None:
    peer = Peer()
    await peer.run(NDJSONResponse([]))
    assert peer.messages[0]["status"] == 200
    assert (peer.body, peer.finished) == (b"", True)


class OrderAsList(Encoder[Order]):
    __type__ = Order

    def serialize(self, value: Order) -> Any:
        return [value.id, str(value.total)]


async def test_encoders_are_resolved_as_for_any_response() -> None:
    response = await fetch(NDJSONResponse(ORDERS, encoders=[OrderAsList()]))
    assert lines(response.content) == [[1, "9.90"], [2, "0.10"]]


async def test_each_line_is_sent_before_the_next_item_is_produced() -> None:
    # Item 1 waits until the client has line 0: a response that buffered the stream
    # would never get there.
    got_first_line = anyio.Event()

    def on_body(peer: Peer, body: bytes) -> None:
        if body == b'{"n":0}\n':
            got_first_line.set()

    async def paced() -> AsyncIterator[dict[str, int]]:
        yield {"n": 0}
        await got_first_line.wait()
        yield {"n": 1}

    peer = Peer(on_body)
    with anyio.fail_after(5):
        await peer.run(NDJSONResponse(paced()))
    assert peer.bodies == [b'{"n":0}\n', b'{"n":1}\n', b""]


async def test_the_head_waits_for_the_first_line() -> None:
    peer = Peer()
    sent_before: list[list[str]] = []

    async def watched() -> AsyncIterator[int]:
        sent_before.append([m["type"] for m in peer.messages])
        yield 1
        sent_before.append([m["type"] for m in peer.messages])
        yield 2

    await peer.run(NDJSONResponse(watched()))
    assert sent_before == [[], ["http.response.start", "http.response.body"]]


# -- items that cannot be encoded ----------------------------------------------------------


def with_unencodable(closed: list[str], position: int) -> AsyncIterator[Any]:
    async def items() -> AsyncIterator[Any]:
        try:
            for number in range(position):
                yield {"n": number}
            yield {"order": {"lines": [1, Unencodable()]}}
            yield {"never": True}
        finally:
            closed.append("closed")

    return items()


async def test_an_unencodable_first_item_is_an_encode_error_with_nothing_sent() -> None:
    closed: list[str] = []
    peer = Peer()
    with pytest.raises(EncodeError, match=r"at \$\.order\.lines\[1\] \(Unencodable\)"):
        await peer.run(NDJSONResponse(with_unencodable(closed, 0)))
    assert peer.messages == []
    assert closed == ["closed"]


async def test_an_unencodable_later_item_cuts_the_stream_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed: list[str] = []
    peer = Peer()
    with caplog.at_level(logging.ERROR, "egress.responses"), anyio.fail_after(2):
        await peer.run(NDJSONResponse(with_unencodable(closed, 2)))
    assert lines(peer.body) == [{"n": 0}, {"n": 1}]
    assert not peer.finished  # no clean end: the client sees the connection cut
    assert closed == ["closed"]
    [record] = caplog.records
    assert (record.levelno, record.exc_info) == (logging.ERROR, None)
    assert record.getMessage().startswith(
        "GET /: stream cut short: item 2 (counting from 0) could not be encoded: "
        "cannot encode the value at $.order.lines[1] (Unencodable)"
    )


async def test_an_endpoint_streams_lines_and_a_handler_error_is_still_a_500() -> None:
    @endpoint
    async def rows(n: int = 3) -> NDJSONResponse:
        if n < 0:
            raise ValueError("negative")
        return NDJSONResponse({"row": i} for i in range(n))

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=rows), base_url="http://test"
    ) as client:
        ok = await client.get("/?n=2")
        head = await client.head("/?n=2")
        failed = await client.get("/?n=-1")
    assert lines(ok.content) == [{"row": 0}, {"row": 1}]
    assert (head.status_code, head.content) == (200, b"")
    assert failed.status_code == 500


# -- content and the endings every stream shares ----------------------------------------------


@pytest.mark.parametrize("content", ["text", b"bytes", bytearray(b"x"), {"a": 1}, 5, None])
def test_content_must_be_an_iterable_of_values(content: Any) -> None:
    with pytest.raises(TypeError, match="NDJSONResponse content must be an iterable"):
        NDJSONResponse(content)


async def test_head_produces_no_item_and_closes_the_generator() -> None:
    closed: list[str] = []
    started: list[bool] = []

    def rows() -> Iterator[int]:
        started.append(True)
        try:
            yield 1
        finally:
            closed.append("closed")

    generator = rows()
    next(generator)  # started: closing it now runs its finally
    peer = Peer()
    await peer.run(NDJSONResponse(generator), method="HEAD")
    assert [m["type"] for m in peer.messages] == ["http.response.start", "http.response.body"]
    assert (peer.body, started, closed) == (b"", [True], ["closed"])


async def test_a_disconnect_closes_the_generator() -> None:
    closed: list[str] = []

    async def endless() -> AsyncIterator[int]:
        try:
            number = 0
            while True:
                yield number
                number += 1
                await anyio.sleep(0.01)
        finally:
            closed.append("closed")

    def leave_after_three(peer: Peer, body: bytes) -> None:
        if len(peer.bodies) == 3:
            peer.leave()

    peer = Peer(leave_after_three)
    with anyio.fail_after(1):
        await peer.run(NDJSONResponse(endless()))
    assert closed == ["closed"]
    assert not peer.finished


async def test_complete_timeout_and_background() -> None:
    ran: list[str] = []

    async def slow() -> AsyncIterator[int]:
        yield 1
        await anyio.sleep(10)
        yield 2

    peer = Peer()
    with anyio.fail_after(2):
        await peer.run(
            NDJSONResponse(
                slow(), complete_timeout=0.3, background=BackgroundTask(ran.append, "cut")
            )
        )
    assert lines(peer.body) == [1]
    assert not peer.finished
    await Peer().run(NDJSONResponse([1], background=BackgroundTask(ran.append, "complete")))
    assert ran == ["complete"]
