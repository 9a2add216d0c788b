"""The JSON text of datetime, date and time, and the quickest writer that gets it right.

The form, the same on every backend (docs/encoders.md, "Dates and times"), is RFC 3339:

- a naive datetime or time: isoformat's text, no offset; a tzinfo whose utcoffset() is
  None counts as naive, as it does for isoformat;
- an aware one: `Z` for a zero UTC offset, else `+HH:MM`;
- an offset that is not a whole number of minutes (local mean time before about 1900,
  such as Europe/Amsterdam's +00:19:32, or a hand-made timezone): RFC 3339 offsets have
  no seconds, so, as its section 5.8 does, the closest whole-minute offset is written and
  the local time moved by the difference, which names the same instant;
- microseconds as six digits, when not zero; a date as `YYYY-MM-DD`.

No engine writes that for every value. orjson 3.11-3.13 drop the leading zero of a time's
microseconds from 10,000 to 99,999 (`01:02:03.99995` for 099995), round a sub-minute offset
without moving the time (+23:59:45 becomes the invalid `+23:60`) and write `Z` for a tzinfo
whose utcoffset() is None; msgspec rounds sub-minute offsets without moving the time too
(and 0.18 to 0.21 write `Z` for +23:59:31 and above). So orjson hands every value of these
types to the registry (OPT_PASSTHROUGH_DATETIME), and the registry asks an engine for the
text only where both engines write the form above: naive and UTC datetimes, whole-minute
offsets, dates. Those are nearly all values. msgspec's writer is the quicker one (about a
third of orjson's time per value), used once the application has imported msgspec; egress
never imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import orjson

from egress.encoders._encoder import Encoder
from egress.encoders._errors import EncodeError

__all__ = ["DateEncoder", "DatetimeEncoder", "TimeEncoder", "default_writing_datetimes"]

Writer = Callable[[Any], Any]

UTC = timezone.utc
_MICROSECOND = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)
_MINUTE_US = 60_000_000
_DAY_US = 86_400_000_000
_LAST_MINUTE = 23 * 60 + 59  # RFC 3339 offsets run from -23:59 to +23:59
_Fragment = orjson.Fragment
_dumps = orjson.dumps
_UTC_Z = orjson.OPT_UTC_Z


def _offset_text(minutes: int) -> str:
    """A whole-minute UTC offset as RFC 3339 writes it: `Z`, `+05:30`, `-08:00`."""
    if not minutes:
        return "Z"
    hours, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def _closest_minutes(offset_us: int) -> list[int]:
    """The whole-minute offsets for an offset of `offset_us` microseconds that has seconds:
    the closest (half a minute rounds away from zero), then the one on its other side,
    each within +-23:59."""
    magnitude = abs(offset_us)
    below = magnitude // _MINUTE_US
    closest = below + 1 if magnitude - below * _MINUTE_US >= _MINUTE_US // 2 else below
    other = below if closest > below else below + 1
    sign = -1 if offset_us < 0 else 1
    return [sign * m for m in (closest, other) if m <= _LAST_MINUTE]


def _wall_clock(value: datetime) -> str:
    """Date and time of day without an offset, from the fields (a subclass's own
    isoformat is not asked)."""
    return datetime.isoformat(value)[: 26 if value.microsecond else 19]


def _datetime_text(value: datetime) -> str:
    """The form above, for any datetime: the reference every writer agrees with."""
    offset = value.utcoffset()
    if offset is None:
        return _wall_clock(value)
    offset_us = offset // _MICROSECOND
    if not offset_us % _MINUTE_US:
        return _wall_clock(value) + _offset_text(offset_us // _MINUTE_US)
    local = datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )
    for minutes in _closest_minutes(offset_us):
        try:  # near year 1 or 9999, one of the two moves may leave the calendar
            moved = local + timedelta(microseconds=minutes * _MINUTE_US - offset_us)
        except OverflowError:
            continue
        return moved.isoformat() + _offset_text(minutes)
    raise EncodeError(
        f"the instant {datetime.isoformat(value)} falls outside the years 1-9999 at every "
        "whole-minute UTC offset (RFC 3339 offsets have no seconds)",
        type_name=type(value).__qualname__,
        hint="Register an encoder for datetime to write such values another way",
    )


def _time_text(value: time) -> str:
    """The form above, for any time; a sub-minute offset moves the time of day around the
    clock (a time has no date to leave)."""
    offset = value.utcoffset()
    clock = time.isoformat(value)[: 15 if value.microsecond else 8]
    if offset is None:
        return clock
    offset_us = offset // _MICROSECOND
    if not offset_us % _MINUTE_US:
        return clock + _offset_text(offset_us // _MINUTE_US)
    minutes = _closest_minutes(offset_us)[0]
    of_day = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000
    moved = (of_day + value.microsecond + minutes * _MINUTE_US - offset_us) % _DAY_US
    seconds, micro = divmod(moved, 1_000_000)
    hour, rest = divmod(seconds, 3600)
    return time(hour, rest // 60, rest % 60, micro).isoformat() + _offset_text(minutes)


# -- the engines' writers, for the values where their text is the form --------------------


def _orjson_fragment(value: datetime | date) -> Any:
    return _Fragment(_dumps(value, None, _UTC_Z))


def _orjson_text(value: datetime | date) -> str:
    return _dumps(value, None, _UTC_Z)[1:-1].decode("ascii")


def _msgspec_writer() -> Writer | None:
    """msgspec's writer (a str), if the application has imported msgspec: egress never
    imports it itself."""
    return getattr(sys.modules.get("msgspec"), "to_builtins", None)


def _engine_writer(raw_json: bool) -> Writer:
    """msgspec's writer, else orjson's: a Fragment for the orjson fast path, a str for
    the Python walk."""
    return _msgspec_writer() or (_orjson_text if raw_json else _orjson_fragment)


def _exact_datetimes(write: Writer) -> Writer:
    """Exact datetimes: `write` where its text is the form (no offset, or a whole-minute
    one), the reference otherwise."""

    def serialize(value: datetime, _utc: timezone = UTC) -> Any:
        tz = value.tzinfo
        if tz is not None and tz is not _utc:
            offset = value.utcoffset()
            if offset is None or offset % _MINUTE:
                return _datetime_text(value)
        return write(value)

    return serialize


def default_writing_datetimes(table: Mapping[type, Writer]) -> Writer:
    """orjson's `default` for a registry whose built-in writes exact datetimes: the type
    table's serializer for the value's class, except that a naive or UTC datetime is
    written right here, in the same Python call.

    Every datetime comes to `default`, and they are the values an API sends most: this
    spares them the second Python call the table's serializer would be. The writer is
    msgspec's when the application has imported msgspec by the first such value (not
    when the plan was built: an application may import msgspec after egress), else
    orjson's, written out here for the same reason.
    """

    to_text: Writer | None

    def choose(value: datetime) -> Any:  # the first naive or UTC datetime
        nonlocal to_text
        to_text = _msgspec_writer()
        return default(value)

    to_text = choose

    def default(value: Any, _utc: timezone = UTC) -> Any:
        if value.__class__ is datetime:
            tz = value.tzinfo
            if tz is None or tz is _utc:
                if to_text is not None:
                    return to_text(value)
                return _Fragment(_dumps(value, None, _UTC_Z))
        return table[value.__class__](value)

    return default


class _TemporalEncoder(Encoder[Any]):
    """A built-in whose type table entry depends on the class (exact instances may go to
    an engine's writer, subclasses never do) and on the writers available when the table
    meets the class."""

    def __init__(self, priority: int) -> None:
        self.priority = priority

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        raise NotImplementedError


class DatetimeEncoder(_TemporalEncoder):
    __type__ = datetime
    name = "datetime"

    def serialize(self, value: datetime) -> str:
        return _datetime_text(value)

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        return _exact_datetimes(_engine_writer(raw_json)) if cls is datetime else _datetime_text


class DateEncoder(_TemporalEncoder):
    __type__ = date
    name = "date"

    def serialize(self, value: date) -> str:
        return date.isoformat(value)

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        # the engines refuse subclasses; date.isoformat reads the fields of any date
        return _engine_writer(raw_json) if cls is date else date.isoformat


class TimeEncoder(_TemporalEncoder):
    """Rare enough that one Python writer serves every path; never orjson's."""

    __type__ = time
    name = "time"

    def serialize(self, value: time) -> str:
        return _time_text(value)

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        return _time_text
