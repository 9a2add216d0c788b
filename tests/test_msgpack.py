"""MessagePackResponse: the JSON form's data, packed; decoding either representation
gives equal data, through the same registry (overrides included)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import egress
from benchmarks import _payloads as payloads
from egress import EncodeError, EncoderRegistry, MessagePackResponse, endpoint
from egress.encoders import datetime_exact
from egress.responses import MessagePackResponse as FromResponses
from tests import test_encoders_properties as properties
from tests._asgi_client import fetch
from tests.encoder_types import Color

UTC = timezone.utc


def _both(value: Any, registry: EncoderRegistry = egress.registry) -> tuple[Any, Any]:
    packed = MessagePackResponse(value, encoders=registry).body
    return msgspec.msgpack.decode(packed), json.loads(registry.dumps(value))


def test_exported_from_egress_and_responses() -> None:
    assert FromResponses is MessagePackResponse
    assert "MessagePackResponse" in egress.__all__


def test_every_type_of_the_mixed_payload_gives_equal_data() -> None:
    records = payloads.mixed()
    packed = msgspec.msgpack.decode(MessagePackResponse(records).body)
    parsed = json.loads(egress.dumps(payloads.refresh(records)))  # generators run again
    assert packed == parsed
    assert packed[1]["created"] == "2024-01-01T12:01:00Z"  # a string, not a timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 5, 1, 12, 30, tzinfo=UTC), "2024-05-01T12:30:00Z"),
        (date(2024, 5, 1), "2024-05-01"),
        ([b"\x00\xff"], ["AP8="]),  # bytes nested in data are base64, as in JSON
        ({"x": math.nan}, {"x": None}),  # no JSON form: null in both
        ((1, "a"), [1, "a"]),
        # msgspec writes these documents' datetimes; NaN and a key's exponent are JSON's
        (
            {"at": datetime(2024, 5, 1, tzinfo=UTC), "x": math.inf},
            {"at": "2024-05-01T00:00:00Z", "x": None},
        ),
        ({1e16: date(2024, 5, 1), 1e-7: 1}, {"1e16": "2024-05-01", "1e-7": 1}),
        ("text", "text"),
    ],
)
def test_forms_of_the_json_representation(value: Any, expected: Any) -> None:
    packed, parsed = _both(value)
    assert packed == parsed == expected


def test_a_generator_is_read_once_when_the_document_needs_the_json_route() -> None:
    value = {"at": date(2024, 5, 1), "items": (n for n in range(3)), "x": math.nan}
    packed = msgspec.msgpack.decode(MessagePackResponse(value).body)
    assert packed == {"at": "2024-05-01", "items": [0, 1, 2], "x": None}


def test_a_generator_then_an_unencodable_value_fails_naming_where() -> None:
    value = {"at": date(2024, 5, 1), "items": (n for n in range(3)), "bad": object()}
    with pytest.raises(EncodeError, match=r"at \$\.bad .*no encoder is registered"):
        MessagePackResponse(value)


def test_a_registered_encoder_is_heard_for_a_type_msgspec_knows() -> None:
    registry = EncoderRegistry()
    registry.register(datetime, lambda value: value.strftime("%d/%m/%Y"))
    packed, parsed = _both([datetime(2024, 5, 1, tzinfo=UTC)], registry)
    assert packed == parsed == ["01/05/2024"]


def test_head_and_body() -> None:
    response = MessagePackResponse({"a": 1}, status_code=201, headers={"x-a": "b"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/vnd.msgpack"
    assert response.headers["content-length"] == str(len(response.body))
    assert response.headers["x-a"] == "b"
    assert msgspec.msgpack.decode(response.body) == {"a": 1}


def test_bytes_are_taken_as_packed_already() -> None:
    packed = msgspec.msgpack.encode([1, 2])
    assert MessagePackResponse(packed).body == packed


def test_an_integer_msgpack_cannot_carry_is_an_encode_error() -> None:
    with pytest.raises(EncodeError, match="64-bit range"):
        MessagePackResponse({"n": 2**64})


def test_an_unencodable_value_fails_before_any_byte() -> None:
    with pytest.raises(EncodeError, match="no encoder is registered"):
        MessagePackResponse({"x": object()})


@pytest.mark.anyio
async def test_sent_over_asgi() -> None:
    @endpoint
    async def app() -> MessagePackResponse[Any]:
        return MessagePackResponse({"when": datetime(2024, 5, 1, tzinfo=UTC)})

    response = await fetch(app)
    assert response.headers["content-type"] == "application/vnd.msgpack"
    assert msgspec.msgpack.decode(response.content) == {"when": "2024-05-01T00:00:00Z"}


json_data = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text()
    | st.datetimes(timezones=st.just(UTC))
    | st.dates()
    | st.binary(max_size=8).map(lambda raw: [raw]),  # returned whole, bytes are the body
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def _check_equal_data(registry: EncoderRegistry, value: Any) -> None:
    """Decoding the MessagePack gives the data decoding the JSON gives, or both fail (an
    integer beyond 64 bits is JSON, but no MessagePack)."""
    value = [value]  # bytes returned whole are the body: keep them data
    try:
        expected = json.loads(registry.dumps(value))
    except EncodeError:  # a lone surrogate, a bool key...: neither representation
        with pytest.raises(EncodeError):
            MessagePackResponse(value, encoders=registry)
        return
    if _has_wide_int(expected):
        with pytest.raises(EncodeError, match="64-bit range"):
            MessagePackResponse(value, encoders=registry)
        return
    assert msgspec.msgpack.decode(MessagePackResponse(value, encoders=registry).body) == expected


def _has_wide_int(data: Any) -> bool:
    if isinstance(data, dict):
        return any(_has_wide_int(item) for item in data.values())
    if isinstance(data, list):
        return any(_has_wide_int(item) for item in data)
    return type(data) is int and not -(2**63) <= data < 2**64


@given(json_data)
def test_decoding_either_representation_gives_equal_data(value: Any) -> None:
    _check_equal_data(egress.registry, value)


@settings(max_examples=300, deadline=None)
@given(properties.values)
def test_equal_data_for_every_class_of_the_canonical_forms(value: Any) -> None:
    _check_equal_data(properties.registry, value)


@settings(max_examples=300, deadline=None)
@given(properties.claimed_values)
def test_equal_data_when_a_user_encoder_claims_subclasses_defined_later(value: Any) -> None:
    _check_equal_data(properties.claiming, value)


overriding = EncoderRegistry()
overriding.register(datetime, datetime_exact)
overriding.register(Decimal, float)
overriding.register(Color, lambda member: member.name)


@settings(max_examples=300, deadline=None)
@given(properties.values)
def test_equal_data_when_user_encoders_claim_types_msgspec_writes(value: Any) -> None:
    _check_equal_data(overriding, value)
