"""The registry's decoding side: request text to typed values."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

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
