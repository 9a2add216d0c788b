"""Encoder benchmark: egress.dumps against hand-written code and the peers.

Three payloads (benchmarks/_payloads.py): mixed (every type egress handles),
plain (JSON-native types only) and small. Limits: hand-written orjson and msgspec
code covering exactly the payload's types. Peers: Lilya's encoder path, FastAPI's
jsonable_encoder + json.dumps, Litestar's encode_json, pydantic_core.to_json and
stdlib json.dumps(default=...). A peer that cannot encode some of the mixed types
is also measured on the fields it supports, next to egress on the same fields.

Run: make bench (or .venv/bin/python benchmarks/encode.py)
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path, PurePath
from types import GeneratorType
from typing import Any

import attrs
import msgspec
import orjson
import pydantic
import pydantic_core

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import egress
from benchmarks import _harness
from benchmarks import _payloads as payloads

Encode = Callable[[Any], Any]


# -- the hand-written limits ---------------------------------------------------------------


def _orjson_default(o: Any) -> Any:
    t = type(o)
    if t is Decimal:
        return str(o)
    if t is deque or t is frozenset or t is set or t is GeneratorType:
        return list(o)
    if isinstance(o, PurePath):
        return str(o)
    if isinstance(o, pydantic.BaseModel):
        return orjson.Fragment(o.__pydantic_serializer__.to_json(o))
    if isinstance(o, msgspec.Struct):
        return orjson.Fragment(msgspec.json.encode(o))
    if attrs.has(t):
        return attrs.asdict(o, recurse=False)
    raise TypeError(t)


def _msgspec_hook(o: Any) -> Any:
    t = type(o)
    if t is deque or t is GeneratorType:
        return list(o)
    if isinstance(o, PurePath):
        return str(o)
    if isinstance(o, pydantic.BaseModel):
        return msgspec.Raw(o.__pydantic_serializer__.to_json(o))
    raise TypeError(t)


_msgspec_encoder = msgspec.json.Encoder(enc_hook=_msgspec_hook)


def _stdlib_default(o: Any) -> Any:
    t = type(o)
    if t is Decimal or isinstance(o, PurePath) or t.__name__ == "UUID":
        return str(o)
    if t is deque or t is frozenset or t is set or t is GeneratorType:
        return list(o)
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "value") and hasattr(t, "__members__"):
        return o.value
    if dataclasses.is_dataclass(o):
        return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    if isinstance(o, pydantic.BaseModel):
        return o.model_dump(mode="json")
    if isinstance(o, msgspec.Struct):
        return msgspec.structs.asdict(o)
    if attrs.has(t):
        return attrs.asdict(o, recurse=False)
    raise TypeError(t)


# -- the peers ------------------------------------------------------------------------------


def _peers() -> dict[str, Encode]:
    from fastapi.encoders import jsonable_encoder
    from lilya.encoders import json_encode as lilya_json_encode
    from litestar.serialization import encode_json as litestar_encode_json

    fastapi_custom = {msgspec.Struct: msgspec.structs.asdict}

    def lilya(v: Any) -> Any:
        out = lilya_json_encode(v, post_transform_fn=None)
        return out.encode() if isinstance(out, str) else out

    def fastapi(v: Any) -> bytes:
        return json.dumps(
            jsonable_encoder(v, custom_encoder=fastapi_custom), separators=(",", ":")
        ).encode()

    def pydantic_to_json(v: Any) -> bytes:
        return pydantic_core.to_json(v, fallback=_orjson_default)

    return {
        "Lilya json_encode": lilya,
        "FastAPI jsonable_encoder + json.dumps": fastapi,
        "Litestar encode_json": litestar_encode_json,
        "pydantic_core.to_json": pydantic_to_json,
    }


CONTENDERS: dict[str, Encode] = {
    "egress.dumps": egress.dumps,
    "hand-written orjson": lambda v: orjson.dumps(v, default=_orjson_default),
    "hand-written msgspec": _msgspec_encoder.encode,
    "stdlib json.dumps(default=...)": lambda v: json.dumps(
        v, default=_stdlib_default, separators=(",", ":")
    ).encode(),
}
LIMITS = ("egress.dumps", "hand-written orjson", "hand-written msgspec")


def _supported(encode: Encode) -> list[str]:
    fields = []
    for field in payloads.FIELDS:
        try:
            encode(payloads.mixed([field])[:2])
        except Exception:
            continue
        fields.append(field)
    return fields


def _contenders(
    encoders: dict[str, Encode], records: list[dict[str, Any]]
) -> list[_harness.Contender]:
    def run(encode: Encode) -> Callable[[], object]:
        return lambda: encode(payloads.refresh(records))

    return [_harness.Contender(name, run(encode)) for name, encode in encoders.items()]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    everyone = {**CONTENDERS, **_peers()}
    sections = []
    full = {name: enc for name, enc in everyone.items() if _supported(enc) == list(payloads.FIELDS)}
    narrower = {name: _supported(enc) for name, enc in everyone.items() if name not in full}

    medians = _harness.measure(_contenders(full, payloads.mixed()), rounds=rounds)
    sections.append(
        _harness.table("mixed (1,000 records, every type)", medians, "hand-written orjson")
    )
    for name, fields in narrower.items():
        missing = sorted(set(payloads.FIELDS) - set(fields))
        group = {n: everyone[n] for n in (*LIMITS, name)}
        medians = _harness.measure(_contenders(group, payloads.mixed(fields)), rounds=rounds)
        sections.append(
            _harness.table(
                f"mixed, on the types {name} supports (without {', '.join(missing)})",
                medians,
                "hand-written orjson",
            )
        )

    bare = {"bare orjson.dumps": orjson.dumps}
    plain_group = {**bare, **{n: e for n, e in everyone.items() if n not in LIMITS[1:]}}
    medians = _harness.measure(_contenders(plain_group, payloads.plain()), rounds=rounds)
    sections.append(
        _harness.table("plain (1,000 records, JSON-native types)", medians, "bare orjson.dumps")
    )
    small = payloads.SMALL
    medians = _harness.measure(
        [_harness.Contender(n, partial(e, small)) for n, e in plain_group.items()], rounds=rounds
    )
    sections.append(
        _harness.table('small ({"message": "Welcome home", "id": 7})', medians, "bare orjson.dumps")
    )
    _harness.write("encode", sections)


if __name__ == "__main__":
    main()
