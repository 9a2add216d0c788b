"""The registry's decoding side: request text to typed values."""

from __future__ import annotations

import datetime
import decimal
import uuid

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egress import EncoderRegistry
from tests.encoder_types import Color, Level, Money


@pytest.mark.parametrize(
    ("raw", "target", "expected"),
    [
        ("42", int, 42),
        ("1.5", float, 1.5),
        ("yes", bool, True),
        ("0", bool, False),
        ("hi", str, "hi"),
        ("00000000-0000-0000-0000-000000000001", uuid.UUID, uuid.UUID(int=1)),
        ("2024-01-02", datetime.date, datetime.date(2024, 1, 2)),
        (
            "2024-01-02T03:04:05Z",
            datetime.datetime,
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        ),
        ("1.10", decimal.Decimal, decimal.Decimal("1.10")),
        ("red", Color, Color.RED),
        ("GREEN", Color, Color.GREEN),
        ("2", Level, Level.HIGH),
    ],
)
def test_decode(raw: str, target: type, expected: object) -> None:
    assert EncoderRegistry().decode(raw, target) == expected


@pytest.mark.parametrize(
    ("raw", "target", "message"),
    [
        ("x", int, "expected int, got 'x'"),
        ("maybe", bool, "expected bool, got 'maybe'"),
        ("nope", decimal.Decimal, "expected Decimal"),
        ("blue", Color, "expected Color, got 'blue': expected one of red, green"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_type(raw: str, target: type, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EncoderRegistry().decode(raw, target)


def test_register_decoder_teaches_a_type_and_copies_keep_it() -> None:
    registry = EncoderRegistry()
    with pytest.raises(TypeError, match="register_decoder"):
        registry.decode("5", Money)
    registry.register_decoder(Money, lambda raw: Money(int(raw)))
    assert registry.copy().decode("5", Money).cents == 5


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("\u0661", int),
        ("\uff11", int),
        ("1_000", int),
        (" 1", int),
        ("1\n", int),
        ("1.0", int),
        ("9" * 4300, int),
        (str(2**64), int),
        (str(-(2**63) - 1), int),
        ("nan", float),
        ("-inf", float),
        ("Infinity", float),
        ("1e400", float),
        ("1_0", float),
        ("\u0661.5", float),
        ("sNaN", decimal.Decimal),
        ("-Infinity", decimal.Decimal),
        ("1_000", decimal.Decimal),
        (" 1", decimal.Decimal),
        ("\u0661" * 32, uuid.UUID),
    ],
)
def test_numbers_are_ascii_finite_and_in_json_range(raw: str, target: type) -> None:
    with pytest.raises(ValueError, match=f"expected {target.__name__}, got "):
        EncoderRegistry().decode(raw, target)


def test_a_long_bad_value_is_not_echoed_whole() -> None:
    with pytest.raises(ValueError, match=r"\(4300 characters\)") as caught:
        EncoderRegistry().decode("9" * 4300, int)
    assert len(str(caught.value)) < 300


def test_the_json_integer_range_is_accepted_to_its_ends() -> None:
    registry = EncoderRegistry()
    assert registry.decode(str(2**64 - 1), int) == 2**64 - 1
    assert registry.decode(str(-(2**63)), int) == -(2**63)
    assert registry.decode("+00000000000000000007", int) == 7


@pytest.mark.parametrize("end", [2**64 - 1, -(2**63)])
def test_parameters_are_64_bit_integers_and_every_integer_is_written(end: int) -> None:
    """A parameter is read within the 64-bit range; the encoders write integers of any
    size (JSON has no limit)."""
    registry = EncoderRegistry()
    assert registry.decode(str(end), int) == end
    assert registry.dumps(end) == str(end).encode()
    beyond = end + 1 if end > 0 else end - 1
    with pytest.raises(ValueError, match="expected int"):
        registry.decode(str(beyond), int)
    assert registry.dumps(beyond) == str(beyond).encode()


@settings(max_examples=300)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"]))
    | st.from_regex(r"[+-]?[0-9\u0661]{0,25}([._][0-9]*)?([eE][+-]?[0-9]{0,30})?", fullmatch=True),
    target=st.sampled_from([int, float, decimal.Decimal, bool, uuid.UUID, datetime.date]),
)
def test_decoded_text_always_encodes_back(text: str, target: type) -> None:
    registry = EncoderRegistry()
    try:
        value = registry.decode(text, target)
    except ValueError:
        return
    assert type(value) is target
    written = orjson.loads(registry.dumps(value))
    if target is decimal.Decimal:
        assert decimal.Decimal(written) == value
    elif target in (int, float, bool):
        assert written == value
