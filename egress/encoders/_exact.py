"""`datetime_exact`: the instant-preserving text of a datetime or time whose UTC offset
is not a whole number of minutes, for applications that need it.

RFC 3339 offsets have no seconds. The canonical form (`_datetimes`) keeps the wall time
and rounds the offset, as msgspec, Temporal, Jiff and Litestar do, so the text names an
instant up to 30 seconds away from the value's. This writer instead writes the closest
whole-minute offset and moves the wall time by the difference, as RFC 3339 section 5.8
does, so the text names the same instant: `register_encoder(datetime, datetime_exact)`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from egress.encoders._errors import EncodeError

__all__ = ["datetime_exact", "offset_text"]

_MICROSECOND = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_DAY_US = 86_400_000_000
_LAST_MINUTE = 23 * 60 + 59  # RFC 3339 offsets run from -23:59 to +23:59


def offset_text(minutes: int) -> str:
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


def _exact_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    wall = datetime.isoformat(value)[: 26 if value.microsecond else 19]
    if offset is None:
        return wall
    offset_us = offset // _MICROSECOND
    if not offset_us % _MINUTE_US:
        return wall + offset_text(offset_us // _MINUTE_US)
    local = datetime(*value.timetuple()[:6], value.microsecond)
    for minutes in _closest_minutes(offset_us):
        try:  # near year 1 or 9999, one of the two moves may leave the calendar
            moved = local + timedelta(microseconds=minutes * _MINUTE_US - offset_us)
        except OverflowError:
            continue
        return moved.isoformat() + offset_text(minutes)
    raise EncodeError(
        f"the instant {datetime.isoformat(value)} falls outside the years 1-9999 at every "
        "whole-minute UTC offset (RFC 3339 offsets have no seconds)",
        type_name=type(value).__qualname__,
        hint="Register an encoder for datetime to write such values another way",
    )


def _exact_time(value: time) -> str:
    """A sub-minute offset moves the time of day around the clock (a time has no date
    to leave)."""
    offset = value.utcoffset()
    clock = time.isoformat(value)[: 15 if value.microsecond else 8]
    if offset is None:
        return clock
    offset_us = offset // _MICROSECOND
    if not offset_us % _MINUTE_US:
        return clock + offset_text(offset_us // _MINUTE_US)
    minutes = _closest_minutes(offset_us)[0]
    of_day = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000
    moved = (of_day + value.microsecond + minutes * _MINUTE_US - offset_us) % _DAY_US
    seconds, micro = divmod(moved, 1_000_000)
    hour, rest = divmod(seconds, 3600)
    return time(hour, rest // 60, rest % 60, micro).isoformat() + offset_text(minutes)


def datetime_exact(value: Any) -> str:
    """RFC 3339 text naming the value's exact instant, for a datetime or a time: an offset
    that is not a whole number of minutes (local mean time before about 1900, such as
    Europe/Amsterdam's +00:19:32) becomes the closest whole-minute offset, and the wall
    time moves by the difference. Other values are written as the canonical form writes
    them. `register_encoder(datetime, datetime_exact)` (and `time`) makes it the form."""
    if isinstance(value, datetime):
        return _exact_datetime(value)
    if isinstance(value, time):
        return _exact_time(value)
    raise TypeError(f"datetime_exact takes a datetime or a time, got {type(value).__qualname__}")
