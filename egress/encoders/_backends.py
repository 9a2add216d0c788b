"""The writers of the plain data the Python walk produces, made to agree byte for byte.

Their only difference is the exponent of floats from 1e16 up, which design allows
(`1e16` from msgspec, `1e+16` from orjson and the stdlib writer); Python's repr writes
`1e-05` where both engines write `0.00001`, so the stdlib writer writes the engines' text.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from egress.encoders._plan import RawJSON

__all__ = ["BACKENDS", "canonical_float", "encode_msgspec", "encode_orjson", "encode_stdlib"]

BACKENDS = ("orjson", "msgspec", "json")
_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # C-accelerated


def canonical_float(value: float) -> str:
    """A finite float as orjson writes it: repr's digits, exponent only below 1e-5
    or from 1e16 up, written `1e-7` and `1e+16`."""
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if power >= 16:
        return f"{mantissa}e+{power}"
    if power == -5:  # orjson keeps 1e-05 .. 9.99e-05 in decimal notation
        sign = "-" if mantissa[0] == "-" else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.0000{digits}"
    return f"{mantissa}e{power}"


def encode_orjson(plain: Any) -> bytes:
    return orjson.dumps(plain, default=_orjson_fragment)


def _orjson_fragment(raw: RawJSON) -> Any:
    return orjson.Fragment(raw.data)


def _msgspec_raw(fragment: RawJSON) -> Any:
    return msgspec.Raw(fragment.data)


def encode_msgspec(plain: Any) -> bytes:
    return msgspec.json.encode(plain, enc_hook=_msgspec_raw)


def _write(value: Any, out: list[str]) -> None:
    cls = type(value)
    if cls is str:
        out.append(_encode_str(value))
    elif cls is dict:
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_str(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif cls is list:
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif cls is int:
        out.append(int.__repr__(value))
    elif cls is float:
        out.append(canonical_float(value))
    else:  # RawJSON: JSON already
        out.append(value.data.decode("utf-8"))


def encode_stdlib(plain: Any) -> bytes:
    """Writes the walk's plain data with the stdlib's string escaping (the same as
    orjson's) and orjson's number text, which json.dumps cannot be told to use."""
    out: list[str] = []
    _write(plain, out)
    return "".join(out).encode("utf-8")
