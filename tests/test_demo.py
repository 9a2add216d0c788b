"""The served demo (examples/app.py) under uvicorn: every route answers as the README says."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from tests._servers import serve
from tests._sse_parser import EventStreamParser


@pytest.fixture(scope="module")
def demo() -> Iterator[httpx.Client]:
    with serve("examples.app:app") as base_url, httpx.Client(base_url=base_url, timeout=10) as c:
        yield c


def test_raw_dict(demo: httpx.Client) -> None:
    response = demo.get("/")
    assert response.json() == {"message": "Welcome home", "id": 7}
    assert response.headers["content-type"] == "application/json"


def test_methods(demo: httpx.Client) -> None:
    refused = demo.delete("/")
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
    head = demo.head("/")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == demo.get("/").headers["content-length"]
    get_on_post = demo.get("/pens")
    assert (get_on_post.status_code, get_on_post.headers["allow"]) == (405, "POST")


def test_dataclass_and_path_parameter(demo: httpx.Client) -> None:
    assert demo.get("/pens/1").json() == {"name": "fountain", "price": "12.50", "color": "blue"}
    bad = demo.get("/pens/x")
    assert (bad.status_code, bad.json()["parameter"], bad.json()["expected"]) == (
        400,
        "pen_id",
        "int",
    )


def test_http_error(demo: httpx.Client) -> None:
    missing = demo.get("/pens/9")
    assert (missing.status_code, missing.json()) == (404, {"detail": "no pen 9"})
    teapot = demo.get("/teapot")
    assert (teapot.status_code, teapot.json()) == (418, {"detail": "I'm a Teapot"})


def test_tuple_with_status_and_headers(demo: httpx.Client) -> None:
    response = demo.post("/pens?name=quill")
    assert (response.status_code, response.text) == (201, "created quill")
    assert response.headers["location"] == "/pens/quill"


def test_result_protocol(demo: httpx.Client) -> None:
    response = demo.get("/greet?name=Ada")
    assert response.text == "Hello, Ada!"
    assert response.headers["x-greeted"] == "Ada"


def test_streaming(demo: httpx.Client) -> None:
    response = demo.get("/stream?n=3")
    assert response.text == "1\n2\n3\n"
    assert "content-length" not in response.headers


def test_file_with_ranges(demo: httpx.Client) -> None:
    whole = demo.get("/source")
    assert whole.text.startswith('"""The egress demo')
    part = demo.get("/source", headers={"range": "bytes=0-8"})
    assert (part.status_code, part.text) == (206, '"""The eg')
    assert part.headers["content-range"] == f"bytes 0-8/{len(whole.content)}"


def test_middleware(demo: httpx.Client) -> None:
    response = demo.get("/timed")
    assert response.json() == {"status": "measured"}
    assert response.headers["x-time-elapsed"].endswith("ms")


def test_cache_rate(demo: httpx.Client) -> None:
    runs = [demo.get("/cached").json()["runs"] for _ in range(7)]
    assert runs == [1, 1, 1, 2, 2, 2, 3]


def test_etag_and_304(demo: httpx.Client) -> None:
    etag = demo.get("/pens/1").headers["etag"]
    assert demo.get("/pens/2").headers["etag"] != etag
    again = demo.get("/pens/1", headers={"if-none-match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)


def _read_events(demo: httpx.Client, headers: dict[str, str]) -> tuple[EventStreamParser, float]:
    """The events of /events?n=3 and the seconds from the first one to the last."""
    parser = EventStreamParser()
    with demo.stream("GET", "/events?n=3", headers=headers) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        first = None
        for chunk in response.iter_raw():
            if parser.feed(chunk) and first is None:
                first = time.monotonic()
        assert first is not None
    return parser, time.monotonic() - first


def test_server_sent_events(demo: httpx.Client) -> None:
    parser, spread = _read_events(demo, {})
    ticks = [(e.type, e.last_event_id, json.loads(e.data)) for e in parser.events]
    assert ticks == [
        ("tick", "1", {"tick": 1, "of": 3}),
        ("tick", "2", {"tick": 2, "of": 3}),
        ("tick", "3", {"tick": 3, "of": 3}),
        ("done", "3", {"ticks": 3}),
    ]
    assert spread >= 1.0  # one tick every 0.5 s, each sent as it happens: not all at once


def test_server_sent_events_resume_after_the_last_event_id(demo: httpx.Client) -> None:
    parser, _ = _read_events(demo, {"last-event-id": "2"})
    assert [(e.type, e.data) for e in parser.events] == [
        ("tick", '{"tick":3,"of":3}'),
        ("done", '{"ticks":3}'),
    ]


def test_live_page_listens_to_the_events(demo: httpx.Client) -> None:
    page = demo.get("/live")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'new EventSource("/events?n=10")' in page.text
    assert 'addEventListener("tick"' in page.text
    assert 'addEventListener("done"' in page.text


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("application/vnd.msgpack", "application/vnd.msgpack"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("text/event-stream", "text/event-stream; charset=utf-8"),
    ],
)
def test_one_handler_four_representations(
    demo: httpx.Client, accept: str | None, media_type: str
) -> None:
    response = demo.get("/readings", headers={"accept": accept} if accept else {})
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "accept"
    if accept is None:
        readings = response.json()
    elif accept == "application/vnd.msgpack":
        readings = msgspec.msgpack.decode(response.content)
    elif accept == "application/x-ndjson":
        readings = [json.loads(line) for line in response.text.splitlines()]
    else:
        parser = EventStreamParser()
        parser.feed(response.content)
        readings = [json.loads(event.data) for event in parser.events]
    assert readings == [
        {"sensor": "a", "at": f"2024-05-01T12:0{i}:00Z", "celsius": 20 + i / 2} for i in range(3)
    ]
    refused = demo.get("/readings", headers={"accept": "text/html"})
    assert (refused.status_code, refused.json()["detail"]) == (406, "Not Acceptable")


def test_broadcast(demo: httpx.Client) -> None:
    page = demo.get("/broadcast")
    assert 'new EventSource("/broadcast/events")' in page.text
    first = demo.post("/broadcast/say", params={"text": "first"}).json()["id"]
    tabs = [demo.stream("GET", "/broadcast/events", headers={"last-event-id": first})]
    tabs.append(demo.stream("GET", "/broadcast/events", headers={"last-event-id": first}))
    with tabs[0] as one, tabs[1] as two:
        said = demo.post("/broadcast/say", params={"text": "to every tab"}).json()["id"]
        for tab in (one, two):
            parser = EventStreamParser()
            for chunk in tab.iter_raw():
                if parser.feed(chunk):
                    break
            assert [(e.data, e.last_event_id) for e in parser.events] == [("to every tab", said)]
