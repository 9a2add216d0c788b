"""Range and If-Range request headers (RFC 9110 §14, §13.1.5), as pure functions.

The plan a Range header yields is bounded whatever the client sends: at most
`max_ranges` range-specs are considered (None: no limit), and the satisfiable ones
are sorted and coalesced (overlapping or adjacent ones merged), so the bytes selected
never exceed the representation's size and the parts never exceed `max_ranges`.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from itertools import pairwise
from typing import NamedTuple, NoReturn

__all__ = [
    "DEFAULT_MAX_RANGES",
    "ByteRange",
    "ByteRanges",
    "RangeNotSatisfiable",
    "checked_max_ranges",
    "checked_plan",
    "if_range_matches",
    "parse_range_header",
]

DEFAULT_MAX_RANGES = 5
# Longer digit strings are beyond any file size; they are read as "very large"
# rather than converted (int() of thousands of digits is slow, or refused).
_MAX_DIGITS = 18
_HUGE = 10**_MAX_DIGITS


class ByteRange(NamedTuple):
    """Bytes `first` to `last` of a representation, both included (as in Content-Range)."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


# What Lilya's `ContentRanges` has and a list of ranges does not.
_CONTENT_RANGES_ATTRIBUTES = frozenset({"ranges", "size", "max_value", "unit"})


class ByteRanges(list[ByteRange]):
    """The ranges a Range header asks for, sorted and coalesced: a list of `ByteRange`.

    Lilya's range hook returns a `ContentRanges` holding such a list in `.ranges`; an
    override written for it reads `.ranges` on what `super()` returned, and gets an
    AttributeError here that says how to write it for egress.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> NoReturn:
        message = f"{type(self).__name__!r} object has no attribute {name!r}"
        if name in _CONTENT_RANGES_ATTRIBUTES:
            message += (
                ": egress's range hook returns the list of ByteRange itself, not Lilya's "
                "ContentRanges; iterate it and return it as it is (`ranges, multipart = "
                "super().get_content_ranges_and_multipart(scope, **kwargs)`, then `for "
                "byte_range in ranges`). A ByteRange has `first` and `last`, both included "
                "(Lilya's `start` and `stop`), and `length` (Lilya's `stop - start + 1`); "
                "None stands for the whole file"
            )
        raise AttributeError(message, name=name, obj=self)


class RangeNotSatisfiable(Exception):
    """No requested range overlaps the representation: the answer is 416 with
    `Content-Range: bytes */<size>`, which tells the client the current size."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no requested range overlaps the {size}-byte representation")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


class _Malformed(Exception):
    """The header breaks the grammar; RFC 9110 says to ignore it (send the whole)."""


def _position(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise _Malformed(text)
    digits = text.lstrip("0") or "0"
    return _HUGE if len(digits) > _MAX_DIGITS else int(digits)


def _parse_spec(spec: str, size: int) -> ByteRange | None:
    """One range-spec as a range within `size` bytes, or None when it is unsatisfiable."""
    first_text, dash, last_text = spec.partition("-")
    if not dash:
        raise _Malformed(spec)
    if not first_text:  # suffix-range: the last N bytes
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            return None
        return ByteRange(max(0, size - suffix), size - 1)
    first = _position(first_text)
    last = _position(last_text) if last_text else _HUGE
    if last < first:
        raise _Malformed(spec)
    if first >= size:
        return None
    return ByteRange(first, min(last, size - 1))


def _coalesce(ranges: list[ByteRange]) -> ByteRanges:
    merged = ByteRanges()
    for current in sorted(ranges):
        if merged and current.first <= merged[-1].last + 1:
            previous = merged[-1]
            merged[-1] = ByteRange(previous.first, max(previous.last, current.last))
        else:
            merged.append(current)
    return merged


def _ascending(ranges: list[ByteRange]) -> bool:
    return all(later.first > earlier.last for earlier, later in pairwise(ranges))


def checked_max_ranges(max_ranges: object) -> int | None:
    """`max_ranges` as given when it is a positive int or None (no limit); anything
    else is a ValueError that says what is accepted."""
    if max_ranges is None or (
        isinstance(max_ranges, int) and not isinstance(max_ranges, bool) and max_ranges > 0
    ):
        return max_ranges
    raise ValueError(
        "max_ranges must be a positive int, or None for no limit (to refuse every range, "
        f"use allow_range_requests=False); got {max_ranges!r}"
    )


def parse_range_header(
    value: str,
    size: int,
    *,
    max_ranges: int | None = DEFAULT_MAX_RANGES,
    enforce_asc: bool = False,
) -> ByteRanges | None:
    """The byte ranges of a `size`-byte representation that a Range header asks for.

    Returns the ranges sorted and coalesced, or None when the whole representation
    should be sent instead: a malformed header or unknown unit (RFC 9110 says to
    ignore those), more than `max_ranges` range-specs (None: any number), or, with
    `enforce_asc`, ranges that overlap or are not in ascending order (refused rather
    than reordered). Raises `RangeNotSatisfiable` when no range overlaps the content.
    """
    max_ranges = checked_max_ranges(max_ranges)
    unit, equals, range_set = value.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs = [spec.strip() for spec in range_set.split(",") if spec.strip()]
    if not specs or (max_ranges is not None and len(specs) > max_ranges):
        return None
    try:
        parsed = [_parse_spec(spec, size) for spec in specs]
    except _Malformed:
        return None
    satisfiable = [byte_range for byte_range in parsed if byte_range is not None]
    if not satisfiable:
        raise RangeNotSatisfiable(size)
    if enforce_asc and not _ascending(satisfiable):
        return None
    return _coalesce(satisfiable)


def checked_plan(plan: object, size: int, hook: str) -> tuple[list[ByteRange] | None, bool]:
    """What a range hook returned, if it is `(ranges, multipart)` with ranges None or a
    list of ByteRange within a `size`-byte file; anything else is an error that names
    `hook` and says what it must return, raised before any byte is sent."""
    expected = "(a list of ByteRange or None, multipart: bool)"
    if not (isinstance(plan, tuple) and len(plan) == 2):
        raise TypeError(f"{hook} must return {expected}; got {plan!r}")
    ranges, multipart = plan
    if hasattr(ranges, "ranges") and not isinstance(ranges, list):
        raise TypeError(
            f"{hook} returned a {type(ranges).__name__} (Lilya's ContentRanges?) as the ranges: "
            f"in egress the hook returns {expected}, the list where Lilya had "
            "`content_ranges.ranges`, with ByteRange(first, last) for Lilya's Range(start, stop)"
        )
    if ranges is not None and not (
        isinstance(ranges, list) and all(isinstance(item, ByteRange) for item in ranges)
    ):
        raise TypeError(f"{hook} must return {expected}; got {ranges!r} as the ranges")
    for byte_range in ranges or ():
        if not 0 <= byte_range.first <= byte_range.last < size:
            raise ValueError(
                f"{hook} returned {byte_range!r}, which is not within the {size}-byte file: "
                f"0 <= first <= last <= {size - 1} is required"
            )
    return ranges, bool(multipart)


def _http_timestamp(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def if_range_matches(if_range: str, etag: str | None, last_modified: str | None) -> bool:
    """Whether an If-Range validator still names the current representation.

    An entity-tag matches only by strong comparison (a weak `W/` tag never does);
    a date matches only when it equals Last-Modified exactly. When it does not
    match, the Range header is ignored and the whole representation is sent.
    """
    validator = if_range.strip()
    if validator.startswith(('"', "W/")):
        return etag is not None and not validator.startswith("W/") and validator == etag
    if last_modified is None:
        return False
    requested = _http_timestamp(validator)
    return requested is not None and requested == _http_timestamp(last_modified)
