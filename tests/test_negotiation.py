"""Negotiation of Accept and Accept-Encoding: tables of (field, offers, choice), properties
over any text, and a work count proving the parse linear."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egress._negotiation import best_encoding, best_media_type, parse

MEDIA = (
    "application/json",
    ("application/vnd.msgpack", "application/msgpack", "application/x-msgpack"),
    "application/x-ndjson",
    "text/event-stream",
)
CODINGS = ("zstd", "br", ("gzip", "x-gzip"))


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, 0),  # absent: the server's first offer
        ("*/*", 0),
        ("application/*", 0),  # ties go to the server's order
        ("text/event-stream", 3),
        ("TEXT/Event-Stream", 3),  # names are case-insensitive
        ("application/x-ndjson, text/event-stream", 2),
        ("application/json;q=0.5, text/event-stream", 3),
        ("application/json;q=0.5, text/event-stream;q=0.501", 3),
        ("application/json;q=0.5, text/event-stream;q=0.500", 0),
        ("application/vnd.msgpack", 1),
        ("application/msgpack", 1),  # the older names answer the same offer
        ("application/x-msgpack;q=1.000", 1),
        ("application/*;q=0.5, text/*", 3),  # weight beats order
        ("*/*;q=0.1, application/x-ndjson", 2),
        ("application/json;q=0", None),  # q=0 excludes: 406
        ("application/*, application/json;q=0", 1),  # the most specific range decides
        ("*/*, application/json;q=0, application/vnd.msgpack;q=0", 2),
        ("text/*;q=0, */*", 0),
        ("text/html", None),
        ("application/json; charset=utf-8", 0),  # parameters other than q are not matched
        ('text/html;x="a,b", application/x-ndjson', 2),  # a comma inside quotes
        ("application/json;q=0.5, application/json;q=0.2, text/event-stream;q=0.4", 0),
        ("application/json ; q=0.3 , text/event-stream ;Q=0.4", 3),
        # elements that do not parse are ignored
        ("application/json;q=abc, text/event-stream", 3),
        ("application/json;q=2, text/event-stream;q=0.1", 3),
        ("application/json;q=0.1234, text/event-stream;q=0.1", 3),
        ("application/json;q=-0, text/event-stream;q=0.1", 3),
        ("application/json;q, text/event-stream;q=0.1", 3),
        ("application/json;=1, text/event-stream;q=0.1", 3),
        ("*/json, text/event-stream;q=0.1", 3),
        ("application/, text/event-stream;q=0.1", 3),
        ('application/json;x="unclosed, text/event-stream', 0),  # nothing valid left
        # a field with no valid element is disregarded: the first offer
        ("", 0),
        (" , ,, ", 0),
        ("garbage", 0),
        ("application/json;q=abc", 0),
    ],
)
def test_media_type_table(accept: str | None, expected: int | None) -> None:
    assert best_media_type(accept, MEDIA) == expected


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        (None, None),  # nothing asked for: the body as it is
        ("", None),
        ("gzip, deflate, br, zstd", 0),  # a browser's field: the server's order
        ("gzip, deflate, br", 1),
        ("gzip", 2),
        ("x-gzip", 2),  # RFC 9110 §8.4.1.3: x-gzip is gzip
        ("GZip", 2),
        ("gzip;q=0", None),  # Starlette's `"gzip" in` check compresses this one
        ("gzip;q=0.5, br;q=0.8", 1),
        ("gzip;q=0.5, br;q=0.5", 1),
        ("*", 0),
        ("*;q=0", None),
        ("*;q=0.5, gzip", 2),
        ("gzip, identity;q=1", 2),  # a tie: the coding the client names
        ("br;q=0.5, identity", None),  # identity weighed above every coding
        ("identity", None),
        ("deflate", None),
        ("gzip;q=abc", None),
        ("gzip;q=abc, br", 1),
        ("zstd;q=0, *", 1),
        ("br, gzip", 1),
    ],
)
def test_encoding_table(accept_encoding: str | None, expected: int | None) -> None:
    assert best_encoding(accept_encoding, CODINGS) == expected


def test_bytes_as_servers_hand_them() -> None:
    assert best_media_type(b"text/event-stream", MEDIA) == 3
    assert best_encoding(b"br", CODINGS) == 1


def test_parsed_once_and_reused() -> None:
    preferences = parse("application/x-ndjson;q=0.4, application/json;q=0.3")
    assert preferences is not None
    assert best_media_type(preferences, MEDIA) == 2
    assert best_media_type(preferences, MEDIA[:2]) == 0


def test_no_offers() -> None:
    assert best_media_type(None, ()) is None
    assert best_media_type("*/*", ()) is None


fields = st.one_of(
    st.text(),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["application/json", "*/*", "text/*", "application/msgpack", "a/b", "", "/", "x"]
            ),
            st.sampled_from(["", ";q=0", ";q=1", ";q=0.5", ";q=1.5", ";q=", ";q=abc", ';a="b,c"']),
        ).map("".join)
    ).map(", ".join),
)


@given(fields)
def test_any_field_gives_an_offer_or_none(field: str) -> None:
    chosen = best_media_type(field, MEDIA)
    assert chosen is None or 0 <= chosen < len(MEDIA)
    coding = best_encoding(field, CODINGS)
    assert coding is None or 0 <= coding < len(CODINGS)


@given(fields)
def test_a_chosen_offer_is_never_excluded(field: str) -> None:
    """Whatever is chosen has a positive weight (q=0 never wins), and no other offer has
    a higher one."""
    preferences = parse(field)
    assert preferences is not None
    chosen = best_media_type(preferences, MEDIA)
    if chosen is None or not preferences.valid:
        return
    weights = [preferences.weight((o,) if isinstance(o, str) else o) or 0 for o in MEDIA]
    assert weights[chosen] > 0
    assert weights[chosen] == max(weights)
    assert chosen == weights.index(max(weights))  # ties to the server's order


def test_ten_thousand_entries_and_a_megabyte() -> None:
    many = ", ".join(f"text/x-{i};q=0.{i % 1000:03d}" for i in range(10_000))
    assert best_media_type(many + ", application/x-ndjson;q=0.001", MEDIA) == 2
    megabyte = "a" * 1_000_000
    assert best_media_type(megabyte, MEDIA) == 0
    assert best_encoding(megabyte, CODINGS) is None
    assert best_media_type('"' * 1_000_000, MEDIA) == 0
    assert best_media_type("," * 1_000_000 + "text/event-stream", MEDIA) == 3
    assert best_encoding(";" * 1_000_000 + ",br", CODINGS) == 1


def _lines_run(field: str) -> int:
    """How many lines of Python the parse runs: the work, counted, not timed."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()  # coverage's tracer, when it runs: put back afterwards
    sys.settrace(trace)
    try:
        parse(field)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize(
    "element",
    ["text/html;q=0.5", 'a/b;x="1,2"', '"', "garbage;q=abc", ",", "*/*;level=1;q=0"],
)
def test_work_grows_linearly(element: str) -> None:
    """Doubling the field doubles the work (within a constant): no element is looked at
    more than a bounded number of times."""
    small = _lines_run(", ".join([element] * 2_000))
    large = _lines_run(", ".join([element] * 4_000))
    assert large <= 2 * small + 50
