"""The JSON text of datetime, date and time, and the quickest writer that gets it right.

The form, the same on every backend (docs/encoders.md, "Dates and times"), is msgspec's,
which is RFC 3339:

- a naive datetime or time: isoformat's text, no offset; a tzinfo whose utcoffset() is
  None counts as naive, as it does for isoformat;
- an aware one: `Z` for a zero UTC offset, else `+HH:MM`;
- an offset that is not a whole number of minutes (local mean time before about 1900,
  such as Europe/Amsterdam's +00:19:32, or a hand-made timezone): the wall time is kept
  and the offset rounded, s = floor(offset in seconds), minutes = sign(s) *
  min((|s| + 29) // 60, 1439), as msgspec, Temporal, Jiff and Litestar keep the wall
  time (`datetime_exact` writes the exact instant instead);
- microseconds as six digits, when not zero; a date as `YYYY-MM-DD`.

msgspec writes exact datetime and time instances in that form (`to_builtins`, one C call);
orjson does not (3.11-3.13 drop the leading zero of some microseconds and refuse aware
times), so orjson hands these values over. Subclasses are written here from their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from egress.encoders._encoder import Encoder
from egress.encoders._exact import offset_text

__all__ = ["DateEncoder", "DatetimeEncoder", "TimeEncoder", "offset_minutes"]

Writer = Callable[[Any], Any]

_SECOND = timedelta(seconds=1)
_LAST_MINUTE = 23 * 60 + 59  # RFC 3339 offsets run from -23:59 to +23:59
_to_builtins = msgspec.to_builtins


def offset_minutes(offset: timedelta) -> int:
    """msgspec's whole-minute offset for any UTC offset (the wall time is kept)."""
    seconds = offset // _SECOND  # floor
    minutes = min((abs(seconds) + 29) // 60, _LAST_MINUTE)
    return -minutes if seconds < 0 else minutes


def _datetime_text(value: datetime) -> str:
    """The form above, for any datetime (a subclass's own isoformat is not asked)."""
    wall = datetime.isoformat(value)[: 26 if value.microsecond else 19]
    offset = value.utcoffset()
    return wall if offset is None else wall + offset_text(offset_minutes(offset))


def _time_text(value: time) -> str:
    clock = time.isoformat(value)[: 15 if value.microsecond else 8]
    offset = value.utcoffset()
    return clock if offset is None else clock + offset_text(offset_minutes(offset))


class _TemporalEncoder(Encoder[Any]):
    """A built-in whose type table entry depends on the class: exact instances go to
    msgspec's writer, subclasses (which msgspec refuses) to the Python one."""

    def __init__(self, priority: int) -> None:
        self.priority = priority

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        return _to_builtins if cls is self.__type__ else self.serialize


class DatetimeEncoder(_TemporalEncoder):
    __type__ = datetime
    name = "datetime"

    def serialize(self, value: datetime) -> str:
        return _datetime_text(value)


class DateEncoder(_TemporalEncoder):
    __type__ = date
    name = "date"

    def serialize(self, value: date) -> str:
        return date.isoformat(value)

    def class_serializer(self, cls: type, raw_json: bool) -> Writer:
        return date.isoformat  # reads the fields of any date, at C speed


class TimeEncoder(_TemporalEncoder):
    __type__ = time
    name = "time"

    def serialize(self, value: time) -> str:
        return _time_text(value)
