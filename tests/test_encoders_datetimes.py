"""datetime, date and time: one RFC 3339 form on every backend and every route
(docs/encoders.md, "Dates and times").

Each case runs twice: with a registry msgspec may write whole documents for, and with
one whose user encoder keeps msgspec to single values (orjson and the Python walk write
the documents). The expected text comes from isoformat where the form is isoformat's,
and otherwise from what the form promises (RFC 3339 syntax, the wall time kept, the
offset rounded by msgspec's rule; the exact instant with `datetime_exact`), never from
egress's own code.
"""

from __future__ import annotations

import json
import math
import re
import threading
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egress import EncodeError, EncoderRegistry
from egress.encoders import datetime_exact

BACKENDS = ["orjson", "msgspec", "json"]
UTC = timezone.utc
MICROSECOND = timedelta(microseconds=1)
RFC3339_DATETIME = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?"
)
RFC3339_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d{6})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?")


class Unrelated:
    """A class a dataclass could derive from: an encoder for it keeps msgspec from
    writing whole documents (it could claim such a dataclass)."""


@pytest.fixture(params=["msgspec documents", "orjson documents"])
def registry(request: pytest.FixtureRequest) -> EncoderRegistry:
    """A registry msgspec may write whole documents for, or one it may not."""
    registry = EncoderRegistry()
    if request.param == "orjson documents":
        registry.register(Unrelated, repr)
    return registry


def backends_for(request: pytest.FixtureRequest) -> list[str]:
    return BACKENDS


def array(texts: list[str]) -> bytes:
    return json.dumps(texts, separators=(",", ":")).encode()


def utc_form(value: datetime | time) -> str:
    return value.isoformat().removesuffix("+00:00") + "Z"


def instant_us(text: str) -> int:
    """Microseconds since 0001-01-01T00:00Z of an RFC 3339 datetime with an offset."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))  # Python 3.10 wants +00:00
    offset = parsed.utcoffset()
    assert offset is not None
    return (parsed.replace(tzinfo=None) - datetime.min) // MICROSECOND - offset // MICROSECOND


def offset_text(offset: timedelta) -> str:
    """msgspec's offset rule, as the design states it: s = floor(seconds), minutes =
    sign(s) * min((|s| + 29) // 60, 1439), 0 written Z."""
    s = math.floor(offset.total_seconds())
    minutes = int(math.copysign(min((abs(s) + 29) // 60, 1439), s))
    if not minutes:
        return "Z"
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_datetime(value: datetime, text: str) -> None:
    """`text` is the form of `value`: RFC 3339, the wall time as isoformat writes it, the
    offset by msgspec's rule."""
    assert RFC3339_DATETIME.fullmatch(text), text
    offset = value.utcoffset()
    wall = value.replace(tzinfo=None).isoformat()
    assert text == (wall if offset is None else wall + offset_text(offset))


def check_time(value: time, text: str) -> None:
    assert RFC3339_TIME.fullmatch(text), text
    offset = value.utcoffset()
    wall = value.replace(tzinfo=None).isoformat()
    assert text == (wall if offset is None else wall + offset_text(offset))


def check_exact_datetime(value: datetime, text: str) -> None:
    """`text` is `datetime_exact`'s form of `value`: RFC 3339, isoformat's text where that
    is RFC 3339, else the same instant at the closest whole-minute offset."""
    assert RFC3339_DATETIME.fullmatch(text), text
    offset = value.utcoffset()
    if offset is None:
        assert text == value.replace(tzinfo=None).isoformat()
        return
    if not offset % timedelta(minutes=1):
        assert text == (utc_form(value) if not offset else value.isoformat())
        return
    local_us = (value.replace(tzinfo=None) - datetime.min) // MICROSECOND
    assert instant_us(text) == local_us - offset // MICROSECOND  # the same instant
    written = datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset()
    assert written is not None
    distance = abs(written - offset)
    # the closest; one minute further only at +-23:59 or at the calendar's ends
    assert distance <= timedelta(seconds=30) or (
        distance < timedelta(minutes=1)
        and (abs(written) == timedelta(hours=23, minutes=59) or value.year in (1, 9999))
    )


def check_exact_time(value: time, text: str) -> None:
    assert RFC3339_TIME.fullmatch(text), text
    offset = value.utcoffset()
    if offset is None:
        assert text == value.isoformat()
        return
    if not offset % timedelta(minutes=1):
        assert text == (utc_form(value) if not offset else value.isoformat())
        return
    written_time = time.fromisoformat(text.replace("Z", "+00:00"))
    written = written_time.utcoffset()
    assert written is not None

    def utc_of_day(moment: time, shift: timedelta) -> int:
        clock = timedelta(
            hours=moment.hour,
            minutes=moment.minute,
            seconds=moment.second,
            microseconds=moment.microsecond,
        )
        return ((clock - shift) // MICROSECOND) % (86_400 * 10**6)

    assert utc_of_day(written_time, written) == utc_of_day(value, offset)
    assert abs(written - offset) <= timedelta(seconds=30) or abs(written) == timedelta(
        hours=23, minutes=59
    )


def each_text(registry: EncoderRegistry, values: list[Any], request: Any) -> list[str]:
    """Every value's text, from one encode of the whole list, the same on every backend."""
    outputs = {registry.dumps(values, backend=backend) for backend in backends_for(request)}
    assert len(outputs) == 1
    texts: list[str] = json.loads(outputs.pop())
    return texts


# -- every microsecond, vectorised: one big list per backend -------------------------------


def test_every_microsecond_of_a_time(registry: EncoderRegistry, request: Any) -> None:
    # orjson 3.11-3.13 write 10,000-99,999 us without the leading zero (01:02:03.99995)
    times = [time(23, 59, 59, us) for us in range(1_000_000)]
    expected = array([moment.isoformat() for moment in times])
    for backend in backends_for(request):
        assert registry.dumps(times, backend=backend) == expected, backend


@pytest.mark.parametrize("tz", [None, UTC], ids=["naive", "utc"])
def test_every_microsecond_of_a_datetime(
    registry: EncoderRegistry, request: Any, tz: tzinfo | None
) -> None:
    moments = [datetime(2024, 2, 29, 23, 59, 59, us, tzinfo=tz) for us in range(0, 10**6, 3)]
    expected = array([m.isoformat() if tz is None else utc_form(m) for m in moments])
    for backend in backends_for(request):
        assert registry.dumps(moments, backend=backend) == expected, backend


def test_dates_across_the_calendar(registry: EncoderRegistry, request: Any) -> None:
    days = [date.fromordinal(n) for n in range(1, date.max.toordinal() + 1, 13)]
    days.append(date.max)
    expected = array([day.isoformat() for day in days])
    for backend in backends_for(request):
        assert registry.dumps(days, backend=backend) == expected, backend


# -- offsets -----------------------------------------------------------------------------


def test_every_whole_minute_offset(registry: EncoderRegistry, request: Any) -> None:
    zones = [timezone(timedelta(minutes=m)) for m in range(-23 * 60 - 59, 24 * 60)]
    moments = [datetime(2024, 7, 1, 12, 30, 5, 1, tzinfo=tz) for tz in zones]
    times = [time(12, 30, 5, 1, tzinfo=tz) for tz in zones]
    for moment, text in zip(moments, each_text(registry, moments, request), strict=True):
        check_datetime(moment, text)
    for clock, text in zip(times, each_text(registry, times, request), strict=True):
        check_time(clock, text)
    assert registry.dumps(moments[0]) == b'"2024-07-01T12:30:05.000001-23:59"'
    assert registry.dumps(time(1, tzinfo=timezone(timedelta(hours=-8)))) == b'"01:00:00-08:00"'


def test_every_sub_minute_offset(registry: EncoderRegistry, request: Any) -> None:
    seconds = [s for s in range(-86_399, 86_400) if s % 60]
    moments = [datetime(2024, 1, 1, tzinfo=timezone(timedelta(seconds=s))) for s in seconds]
    times = [time(0, 0, 10, tzinfo=timezone(timedelta(seconds=s))) for s in seconds]
    for moment, text in zip(moments, each_text(registry, moments, request), strict=True):
        check_datetime(moment, text)
    for clock, text in zip(times, each_text(registry, times, request), strict=True):
        check_time(clock, text)
    # orjson writes "+23:60" for the first one
    for seconds_east, text in [
        (86_385, "2024-01-01T00:00:00+23:59"),
        (-86_385, "2024-01-01T00:00:00-23:59"),
        (30, "2024-01-01T00:00:00Z"),  # (30 + 29) // 60 = 0
        (31, "2024-01-01T00:00:00+00:01"),
        (-29, "2024-01-01T00:00:00Z"),
        (-31, "2024-01-01T00:00:00-00:01"),
    ]:
        moment = datetime(2024, 1, 1, tzinfo=timezone(timedelta(seconds=seconds_east)))
        assert registry.dumps(moment) == f'"{text}"'.encode()


def test_offsets_with_microseconds(registry: EncoderRegistry, request: Any) -> None:
    shifts = [timedelta(hours=1, microseconds=1), timedelta(seconds=-59, microseconds=-500_000)]
    moments = [datetime(2024, 5, 5, 5, 5, 5, tzinfo=timezone(shift)) for shift in shifts]
    for moment, text in zip(moments, each_text(registry, moments, request), strict=True):
        check_datetime(moment, text)
    assert registry.dumps(moments[0]) == b'"2024-05-05T05:05:05+01:00"'


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # local mean time: +00:19:32 until 1937; RFC 3339 section 5.8's own example zone
        (datetime(1900, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")), "1900-01-01T00:00:00+00:20"),
        (
            datetime(1850, 6, 1, 12, tzinfo=ZoneInfo("America/New_York")),
            "1850-06-01T12:00:00-04:56",
        ),
        (
            datetime(2024, 3, 31, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam")),
            "2024-03-31T03:30:00+02:00",
        ),
        (datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("Europe/London")), "2024-01-15T09:00:00Z"),
        (datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("Asia/Kolkata")), "2024-01-15T09:00:00+05:30"),
        (datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("Pacific/Chatham")), "2024-01-15T09:00:00+13:45"),
        (
            datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("America/St_Johns")),
            "2024-01-15T09:00:00-03:30",
        ),
        (
            datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=ZoneInfo("America/Chicago")),
            "2024-11-03T01:30:00-06:00",
        ),
        (time(8, tzinfo=ZoneInfo("Europe/Amsterdam")), "08:00:00"),  # no date: no offset
    ],
)
def test_zoneinfo_zones(
    registry: EncoderRegistry, request: Any, moment: datetime | time, expected: str
) -> None:
    for backend in backends_for(request):
        assert registry.dumps(moment, backend=backend) == f'"{expected}"'.encode(), backend
    if isinstance(moment, datetime):
        check_datetime(moment, expected)


class NoOffset(tzinfo):
    """A tzinfo that does not know its offset: isoformat writes no offset (orjson writes Z)."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> None:
        return None


def test_a_tzinfo_without_an_offset_is_written_naive(
    registry: EncoderRegistry, request: Any
) -> None:
    value = [datetime(2024, 1, 1, 1, tzinfo=NoOffset()), time(1, tzinfo=NoOffset())]
    for backend in backends_for(request):
        assert registry.dumps(value, backend=backend) == b'["2024-01-01T01:00:00","01:00:00"]'


def test_the_calendars_ends_at_sub_minute_offsets(registry: EncoderRegistry) -> None:
    # the wall time is kept, so every datetime has its text
    moment = datetime(
        1, 1, 1, 0, 0, 10, tzinfo=timezone(timedelta(hours=23, minutes=59, seconds=45))
    )
    assert registry.dumps(moment) == b'"0001-01-01T00:00:10+23:59"'
    late = datetime.max.replace(tzinfo=timezone(timedelta(seconds=30)))
    assert registry.dumps(late) == b'"9999-12-31T23:59:59.999999Z"'


def exact_registry() -> EncoderRegistry:
    registry = EncoderRegistry()
    registry.register(datetime, datetime_exact)
    registry.register(time, datetime_exact)
    return registry


def test_datetime_exact_names_the_same_instant() -> None:
    registry = exact_registry()
    for backend in BACKENDS:
        out = registry.dumps(
            [
                datetime(1900, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),
                datetime(2024, 1, 1, tzinfo=timezone(timedelta(seconds=30))),
                time(0, 0, 10, tzinfo=timezone(timedelta(seconds=-31))),
                datetime(2024, 1, 1, 12, tzinfo=UTC),
            ],
            backend=backend,
        )
        assert out == (
            b'["1900-01-01T00:00:28+00:20","2024-01-01T00:00:30+00:01","23:59:41-00:01",'
            b'"2024-01-01T12:00:00Z"]'
        ), backend


def test_datetime_exact_refuses_an_instant_outside_the_calendar() -> None:
    # 0001-01-01T00:00:10 at +23:59:45 is 0000-12-31T00:00:25Z: no year-1 text names it
    moment = datetime(
        1, 1, 1, 0, 0, 10, tzinfo=timezone(timedelta(hours=23, minutes=59, seconds=45))
    )
    registry = exact_registry()
    for backend in BACKENDS:
        with pytest.raises(EncodeError, match="falls outside the years 1-9999") as caught:
            registry.dumps({"at": [moment]}, backend=backend)
        assert caught.value.path == "$.at[0]"
    late = datetime.max.replace(tzinfo=timezone(timedelta(seconds=30)))
    assert registry.dumps(late) == b'"9999-12-31T23:59:29.999999Z"'
    with pytest.raises(TypeError, match="takes a datetime or a time"):
        datetime_exact(date(2024, 1, 1))


# -- subclasses, and user encoders winning --------------------------------------------------


class Stamp(datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "not asked"


class Day(date):
    def isoformat(self) -> str:
        return "not asked"


class Clock(time):
    def isoformat(self, timespec: str = "auto") -> str:
        return "not asked"


def test_subclasses_are_written_from_their_fields(registry: EncoderRegistry, request: Any) -> None:
    value = [
        Stamp(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        Stamp(1900, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),
        Day(2024, 1, 2),
        Clock(1, 2, 3, 99_995),
    ]
    expected = (
        b'["2024-01-02T03:04:05.000006Z","1900-01-01T00:00:00+00:20","2024-01-02",'
        b'"01:02:03.099995"]'
    )
    for backend in backends_for(request):
        assert registry.dumps(value, backend=backend) == expected, backend


def test_user_encoders_win(registry: EncoderRegistry, request: Any) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    value = [moment, moment.replace(tzinfo=None), moment.date(), time(1), Stamp(2024, 1, 1)]
    registry.dumps(value)  # compiled and cached before the registrations below
    registry.register(datetime, lambda d: d.year)
    registry.register(time, lambda t: t.hour)
    for backend in backends_for(request):
        assert registry.dumps(value, backend=backend) == b'[2024,2024,"2024-01-01",1,2024]'
    registry.register(date, lambda d: "a date")  # the more specific datetime encoder stays
    for backend in backends_for(request):
        assert registry.dumps(value[:3], backend=backend) == b'[2024,2024,"a date"]'
    only_dates = EncoderRegistry()
    only_dates.register(date, lambda d: "a date")  # a datetime is a date
    for backend in backends_for(request):
        assert only_dates.dumps(value[:3], backend=backend) == b'["a date","a date","a date"]'


def test_a_value_predicate_sees_every_datetime(registry: EncoderRegistry, request: Any) -> None:
    registry.register(
        predicate=lambda v: isinstance(v, datetime) and v.tzinfo is None,
        serialize=lambda v: "naive",
    )
    value = [datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC)]
    for backend in backends_for(request):
        assert registry.dumps(value, backend=backend) == b'["naive","2024-01-01T00:00:00Z"]'


def test_layered_and_copied_registries_keep_their_own_datetime_encoders(
    registry: EncoderRegistry,
) -> None:
    moment = datetime(2024, 1, 1, 12, tzinfo=UTC)

    class Epoch:
        __type__ = datetime

        def serialize(self, value: datetime) -> float:
            return value.timestamp()

    layered = registry.layered([Epoch()])
    assert layered.dumps([moment]) == b"[1704110400.0]"
    assert registry.dumps([moment]) == b'["2024-01-01T12:00:00Z"]'
    assert registry.copy().dumps([moment]) == b'["2024-01-01T12:00:00Z"]'


def test_explain_names_the_built_in_datetime_encoders() -> None:
    rows = EncoderRegistry().explain([datetime(2024, 1, 1), date(2024, 1, 1), time(1)])
    assert [(row.type, row.encoder) for row in rows] == [
        ("datetime", "datetime"),
        ("date", "date"),
        ("time", "time"),
    ]


def test_a_change_to_the_datetime_encoder_is_seen_whole_by_concurrent_encoders() -> None:
    registry = EncoderRegistry()
    value = [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1)] * 50
    plain = registry.dumps(value)
    custom = b"[" + b",".join([b'"custom"'] * 100) + b"]"
    seen: set[bytes] = set()
    failures: list[BaseException] = []
    stop = threading.Event()

    def encode() -> None:
        try:
            while not stop.is_set():
                seen.add(registry.dumps(value))
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    workers = [threading.Thread(target=encode) for _ in range(3)]
    for worker in workers:
        worker.start()
    for _ in range(200):
        encoder = registry.register(datetime, lambda d: "custom")
        registry.unregister(encoder)
    registry.register(datetime, lambda d: "custom")
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    assert not failures
    assert all(not worker.is_alive() for worker in workers)
    assert seen <= {plain, custom}  # never half of one form, half of the other
    assert registry.dumps(value) == custom


# -- hypothesis ----------------------------------------------------------------------------

sub_minute_zones = st.builds(
    timezone,
    st.integers(-86_399_999_999, 86_399_999_999).map(lambda us: timedelta(microseconds=us)),
)
zones = st.none() | st.just(UTC) | st.timezones() | sub_minute_zones

# the registry fixture is the same for every example: built once, it meets the first
# datetime with msgspec imported or not, which is what each run is about
examples = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def agreed(registry: EncoderRegistry, value: Any, request: Any) -> str | None:
    """The text every backend writes for `value`, or None when every one refuses it."""
    outputs = set()
    for backend in backends_for(request):
        try:
            outputs.add(registry.dumps([value], backend=backend))
        except EncodeError:
            outputs.add(b"EncodeError")
    assert len(outputs) == 1, outputs  # every backend writes the same bytes
    (out,) = outputs
    return None if out == b"EncodeError" else str(json.loads(out)[0])


@settings(examples, max_examples=400)
@given(value=st.datetimes(timezones=zones))
def test_any_datetime(registry: EncoderRegistry, request: Any, value: datetime) -> None:
    text = agreed(registry, value, request)
    assert text is not None
    check_datetime(value, text)
    # the Python writer (a subclass: msgspec does not write it) writes msgspec's text
    stamp = Stamp(*value.timetuple()[:6], value.microsecond, value.tzinfo, fold=value.fold)
    assert agreed(registry, stamp, request) == text


@settings(examples, max_examples=300)
@given(value=st.times(timezones=zones))
def test_any_time(registry: EncoderRegistry, request: Any, value: time) -> None:
    text = agreed(registry, value, request)
    assert text is not None
    check_time(value, text)
    clock = Clock(value.hour, value.minute, value.second, value.microsecond, value.tzinfo)
    assert agreed(registry, clock, request) == text


@settings(deadline=None, max_examples=300)
@given(value=st.datetimes(timezones=zones))
def test_any_datetime_exact(value: datetime) -> None:
    try:
        text = datetime_exact(value)
    except EncodeError:  # only an instant that RFC 3339's years cannot hold
        assert value.year in (1, 9999)
    else:
        check_exact_datetime(value, text)


@settings(deadline=None, max_examples=300)
@given(value=st.times(timezones=zones))
def test_any_time_exact(value: time) -> None:
    check_exact_time(value, datetime_exact(value))


@settings(examples, max_examples=100)
@given(value=st.dates())
def test_any_date(registry: EncoderRegistry, request: Any, value: date) -> None:
    assert agreed(registry, value, request) == value.isoformat()
