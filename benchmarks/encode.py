"""Encoder benchmark: egress.dumps against hand-written code, the bare engines and the peers.

Four payloads (benchmarks/_payloads.py): mixed (every type egress handles), rows with
timestamps (what APIs send most), plain (JSON-native types only) and small. Limits:
hand-written orjson and msgspec code covering exactly the payload's types, and the bare
engines on the rows. Peers: Lilya's encoder path, FastAPI's jsonable_encoder +
json.dumps, Litestar's encode_json, pydantic_core.to_json and stdlib
json.dumps(default=...). A peer that cannot encode some of the mixed types is also
measured on the fields it supports, next to egress on the same fields. The last table
sets the issue's targets beside the measured ratios.

Run: make bench (or .venv/bin/python benchmarks/encode.py [ROUNDS])
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from importlib import metadata
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


BARE_ORJSON = "bare orjson.dumps"
BARE_MSGSPEC = "bare msgspec.json.Encoder().encode"
LITESTAR = "Litestar encode_json"
WITHOUT_MSGSPEC = "egress.dumps, msgspec not imported"


def _egress_without_msgspec() -> Encode:
    """What an application that does not import msgspec gets: a registry that met its
    first datetime while msgspec was out of sys.modules keeps orjson's datetime writer."""
    registry = egress.EncoderRegistry()
    imported = sys.modules.pop("msgspec")
    try:
        registry.dumps(payloads.rows()[:1])
    finally:
        sys.modules["msgspec"] = imported
    return registry.dumps


def _rows_contenders() -> dict[str, Encode]:
    """egress (with and without msgspec imported) beside the engines alone, each writing
    its own datetime text, and Litestar (msgspec with its hook)."""
    from litestar.serialization import encode_json

    return {
        "egress.dumps": egress.dumps,
        WITHOUT_MSGSPEC: _egress_without_msgspec(),
        BARE_ORJSON: orjson.dumps,
        BARE_MSGSPEC: msgspec.json.Encoder().encode,
        LITESTAR: encode_json,
    }


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


def targets(rows: dict[str, float], mixed: dict[str, float], plain: dict[str, float]) -> str:
    """The issue's targets, each with its measured ratio."""
    faster_bare = min(rows[BARE_ORJSON], rows[BARE_MSGSPEC])
    measured = [
        ("rows: egress / Litestar encode_json", rows["egress.dumps"] / rows[LITESTAR], "<= 1"),
        ("rows: egress / the faster bare engine", rows["egress.dumps"] / faster_bare, "<= 1.3"),
        (
            "rows: egress, msgspec not imported / the faster bare engine",
            rows[WITHOUT_MSGSPEC] / faster_bare,
            "<= 1.3",
        ),
        (
            "mixed: egress / hand-written orjson",
            mixed["egress.dumps"] / mixed["hand-written orjson"],
            "<= 1.2",
        ),
        ("plain: egress / bare orjson", plain["egress.dumps"] / plain[BARE_ORJSON], "<= 1.05"),
    ]
    lines = ["### Targets", "", "| ratio | measured | target |", "|---|---:|---:|"]
    lines += [f"| {label} | {value:.2f} | {target} |" for label, value, target in measured]
    return "\n".join(lines) + "\n"


PAYLOADS = (
    "Payloads: mixed, 1,000 records of every type egress handles; rows with timestamps, "
    "1,000 rows of id, name, flag, score, two UTC datetimes with microseconds, a naive "
    "datetime and a date, which the bare engines write in their own text (orjson `+00:00` "
    "for UTC, msgspec `Z` as egress does); plain, 1,000 records of JSON-native types; small."
)


def _preamble() -> str:
    """The Machine and Versions lines the charts show under each chart, and the payloads."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = f" ({names[0].split(':', 1)[1].strip()})" if names else ""
    machine = f"{platform.system()} {platform.release()} {platform.machine()}, "
    machine += f"{os.cpu_count()} CPUs{model}"
    packages = ("egress", "orjson", "msgspec", "litestar", "pydantic", "lilya", "fastapi")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    return f"Machine: {machine}\nVersions: {versions}\n\n{PAYLOADS}\n\n"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    everyone = {**CONTENDERS, **_peers()}
    sections = []
    full = {name: enc for name, enc in everyone.items() if _supported(enc) == list(payloads.FIELDS)}
    narrower = {name: _supported(enc) for name, enc in everyone.items() if name not in full}

    mixed = _harness.measure(_contenders(full, payloads.mixed()), rounds=rounds)
    sections.append(
        _harness.table("mixed (1,000 records, every type)", mixed, "hand-written orjson")
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

    rows = _harness.measure(_contenders(_rows_contenders(), payloads.rows()), rounds=rounds)
    faster_bare = min((BARE_ORJSON, BARE_MSGSPEC), key=rows.__getitem__)
    sections.append(_harness.table("rows with timestamps (1,000 rows)", rows, faster_bare))

    bare = {BARE_ORJSON: orjson.dumps}
    plain_group = {**bare, **{n: e for n, e in everyone.items() if n not in LIMITS[1:]}}
    plain = _harness.measure(_contenders(plain_group, payloads.plain()), rounds=rounds)
    sections.append(_harness.table("plain (1,000 records, JSON-native types)", plain, BARE_ORJSON))
    small = payloads.SMALL
    medians = _harness.measure(
        [_harness.Contender(n, partial(e, small)) for n, e in plain_group.items()], rounds=rounds
    )
    sections.append(
        _harness.table('small ({"message": "Welcome home", "id": 7})', medians, BARE_ORJSON)
    )
    sections.append(targets(rows, mixed, plain))
    _harness.write("encode", sections, _preamble())


if __name__ == "__main__":
    main()
