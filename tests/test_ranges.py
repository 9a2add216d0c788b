"""Range and If-Range parsing: RFC 9110 cases, properties that bound what a client can
make the server send, and the checks on what a range hook returns."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lilya.ranges import parse_range_value

from egress.responses._ranges import (
    ByteRange,
    RangeNotSatisfiable,
    checked_plan,
    if_range_matches,
    parse_range_header,
)

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-499", [(0, 499)]),
        ("bytes=500-999", [(500, 999)]),
        ("bytes=500-", [(500, 999)]),
        ("bytes=-200", [(800, 999)]),
        ("bytes=-5000", [(0, 999)]),
        ("bytes=990-5000", [(990, 999)]),
        ("bytes=0-0", [(0, 0)]),
        ("bytes=0-0,-1", [(0, 0), (999, 999)]),
        ("BYTES = 1-2", [(1, 2)]),
        ("bytes=0-9, 20-29 ,40-49", [(0, 9), (20, 29), (40, 49)]),
        ("bytes=0-9,,20-29", [(0, 9), (20, 29)]),
        ("bytes=0000000000000000000000000001-2", [(1, 2)]),
        ("bytes=5-99999999999999999999999999999999", [(5, 999)]),
    ],
)
def test_satisfiable_ranges(header: str, expected: list[tuple[int, int]]) -> None:
    assert parse_range_header(header, SIZE) == [ByteRange(*pair) for pair in expected]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-10,5-20", [(0, 20)]),  # overlapping
        ("bytes=0-9,10-19", [(0, 19)]),  # adjacent
        ("bytes=50-59,0-9", [(0, 9), (50, 59)]),  # descending: sorted
        ("bytes=0-999,0-999,0-999", [(0, 999)]),  # repeated: sent once
        ("bytes=-100,800-", [(800, 999)]),
        ("bytes=2000-,0-1", [(0, 1)]),  # the unsatisfiable spec is dropped
    ],
)
def test_ranges_are_sorted_and_coalesced(header: str, expected: list[tuple[int, int]]) -> None:
    assert parse_range_header(header, SIZE) == [ByteRange(*pair) for pair in expected]


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=,",
        "items=0-5",
        "bytes=abc",
        "bytes=5",
        "bytes=10-5",
        "bytes=-",
        "bytes=1-2-3",
        "bytes=+1-2",
        "bytes=1 -2",
        "bytes=١-٢",  # non-ASCII digits
        "bytes=0-1;x",
        "bytes=0-1,garbage",
    ],
)
def test_malformed_headers_are_ignored(header: str) -> None:
    assert parse_range_header(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=1000-,-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range_header(header, SIZE)
    assert caught.value.content_range == "bytes */1000"


def test_nothing_is_satisfiable_in_an_empty_file() -> None:
    for header in ("bytes=0-", "bytes=-1", "bytes=0-0"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range_header(header, 0)


def test_more_than_max_ranges_sends_the_whole() -> None:
    five = "bytes=0-1,10-11,20-21,30-31,40-41"
    assert parse_range_header(five, SIZE) is not None
    assert parse_range_header(five + ",50-51", SIZE) is None
    assert parse_range_header("bytes=0-1,10-11", SIZE, max_ranges=1) is None
    assert parse_range_header("bytes=" + ",".join(["0-0"] * 100_000), SIZE) is None


def test_max_ranges_none_considers_every_range_spec() -> None:
    three_hundred = "bytes=" + ",".join(f"{2 * n}-{2 * n}" for n in range(300))
    assert parse_range_header(three_hundred, SIZE) is None  # more than the default 5
    plan = parse_range_header(three_hundred, SIZE, max_ranges=None)
    assert plan == [ByteRange(2 * n, 2 * n) for n in range(300)]
    repeated = "bytes=" + ",".join(["0-0"] * 100_000)
    assert parse_range_header(repeated, SIZE, max_ranges=None) == [ByteRange(0, 0)]


@pytest.mark.parametrize("max_ranges", [0, -1, True, 2.5, "5"])
def test_max_ranges_must_be_a_positive_int_or_none(max_ranges: object) -> None:
    expected = (
        "max_ranges must be a positive int, or None for no limit (to refuse every range, "
        f"use allow_range_requests=False); got {max_ranges!r}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        parse_range_header("bytes=0-1", SIZE, max_ranges=max_ranges)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["ranges", "size", "max_value", "unit"])
def test_lilyas_content_ranges_attributes_say_how_to_write_it_for_egress(name: str) -> None:
    plan = parse_range_header("bytes=0-9,20-29", SIZE)
    assert plan == [ByteRange(0, 9), ByteRange(20, 29)]  # a list of ByteRange
    with pytest.raises(AttributeError) as raised:
        getattr(plan, name)
    message = str(raised.value)
    assert message.startswith(f"'ByteRanges' object has no attribute {name!r}: egress's ")
    assert "iterate it and return it as it is" in message
    assert "Lilya's `stop - start + 1`" in message
    assert (raised.value.name, raised.value.obj) == (name, plan)


def test_other_missing_attributes_are_plain_attribute_errors() -> None:
    plan = parse_range_header("bytes=0-9", SIZE)
    with pytest.raises(AttributeError, match=r"^'ByteRanges' object has no attribute 'frist'$"):
        plan.frist  # type: ignore[union-attr]  # noqa: B018


HOOK = "Custom.get_content_ranges_and_multipart"


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ((None, False), (None, False)),
        (([], True), ([], True)),
        (([ByteRange(0, 0), ByteRange(5, 999)], 1), ([ByteRange(0, 0), ByteRange(5, 999)], True)),
    ],
)
def test_a_plan_from_a_hook_is_kept_when_it_is_well_formed(plan: object, expected: object) -> None:
    assert checked_plan(plan, SIZE, HOOK) == expected


@pytest.mark.parametrize(
    ("plan", "error", "message"),
    [
        (
            [ByteRange(0, 1)],
            TypeError,
            f"{HOOK} must return (a list of ByteRange or None, multipart: bool); got "
            "[ByteRange(first=0, last=1)]",
        ),
        (
            ([(0, 1)], False),
            TypeError,
            f"{HOOK} must return (a list of ByteRange or None, multipart: bool); got "
            "[(0, 1)] as the ranges",
        ),
        (
            ([ByteRange(5, 4)], False),
            ValueError,
            f"{HOOK} returned ByteRange(first=5, last=4), which is not within the 1000-byte "
            "file: 0 <= first <= last <= 999 is required",
        ),
        (
            ([ByteRange(0, 1000)], False),
            ValueError,
            f"{HOOK} returned ByteRange(first=0, last=1000), which is not within",
        ),
    ],
)
def test_a_plan_from_a_hook_that_is_not_well_formed_is_refused(
    plan: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        checked_plan(plan, SIZE, HOOK)


def test_a_content_ranges_from_a_hook_is_refused_with_the_egress_spelling() -> None:
    content_ranges = parse_range_value("bytes=0-9", SIZE - 1)
    with pytest.raises(TypeError) as raised:
        checked_plan((content_ranges, False), SIZE, HOOK)
    assert str(raised.value) == (
        f"{HOOK} returned a ContentRanges (Lilya's ContentRanges?) as the ranges: in egress "
        "the hook returns (a list of ByteRange or None, multipart: bool), the list where "
        "Lilya had `content_ranges.ranges`, with ByteRange(first, last) for Lilya's "
        "Range(start, stop)"
    )


def test_enforce_asc_refuses_overlapping_or_descending() -> None:
    assert parse_range_header("bytes=50-59,0-9", SIZE, enforce_asc=True) is None
    assert parse_range_header("bytes=0-10,5-20", SIZE, enforce_asc=True) is None
    assert parse_range_header("bytes=0-9,20-29", SIZE, enforce_asc=True) == [
        ByteRange(0, 9),
        ByteRange(20, 29),
    ]
    assert parse_range_header("bytes=0-9,10-19", SIZE, enforce_asc=True) == [ByteRange(0, 19)]


def test_content_range() -> None:
    assert ByteRange(0, 9).content_range(100) == "bytes 0-9/100"
    assert ByteRange(0, 9).length == 10


range_specs = st.one_of(
    st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 3000), st.integers(0, 3000)),
    st.builds(lambda a: f"{a}-", st.integers(0, 3000)),
    st.builds(lambda n: f"-{n}", st.integers(0, 3000)),
)


@given(
    st.lists(range_specs, min_size=1, max_size=8),
    st.integers(0, 2500),
    st.one_of(st.none(), st.integers(1, 6)),
    st.booleans(),
)
def test_a_plan_never_exceeds_the_size_or_max_ranges(
    specs: list[str], size: int, max_ranges: int | None, enforce_asc: bool
) -> None:
    header = "bytes=" + ",".join(specs)
    try:
        plan = parse_range_header(header, size, max_ranges=max_ranges, enforce_asc=enforce_asc)
    except RangeNotSatisfiable:
        return
    if plan is None:
        return
    assert 1 <= len(plan) <= (len(specs) if max_ranges is None else max_ranges)
    assert sum(part.length for part in plan) <= size
    for part in plan:
        assert 0 <= part.first <= part.last < size
    for earlier, later in pairwise(plan):
        assert later.first > earlier.last + 1  # sorted, disjoint, not adjacent


@given(st.text(max_size=60), st.integers(0, 5000))
def test_any_header_text_is_parsed_or_ignored(header: str, size: int) -> None:
    try:
        plan = parse_range_header(header, size)
    except RangeNotSatisfiable:
        return
    assert plan is None or sum(part.length for part in plan) <= size


ETAG = '"5f1a-3e8"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.mark.parametrize(
    ("if_range", "expected"),
    [
        (ETAG, True),
        ('"other"', False),
        ("W/" + ETAG, False),  # weak validators never match If-Range
        (LAST_MODIFIED, True),
        ("Wed, 21 Oct 2015 07:28:01 GMT", False),
        ("not a date", False),
        ("", False),
    ],
)
def test_if_range(if_range: str, expected: bool) -> None:
    assert if_range_matches(if_range, ETAG, LAST_MODIFIED) is expected


def test_if_range_without_validators_never_matches() -> None:
    assert not if_range_matches(ETAG, None, None)
    assert not if_range_matches(LAST_MODIFIED, None, None)
