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
ALWAYS_MSGSPEC = "egress, msgspec writing every document"


def _always_msgspec() -> Encode:
    """The simpler design, measured beside the chosen one: msgspec writes every document
    with the registry as its enc_hook (what `backend="msgspec"` does)."""
    return partial(egress.registry.dumps, backend="msgspec")


def _engine_contenders(hand_written: bool = False) -> dict[str, Encode]:
    """egress (as chosen, and always-msgspec) beside the bare engines, each writing its own
    text, and Litestar (msgspec with its hook). orjson cannot write Structs by itself: for
    them, the hand-written orjson code stands in for it."""
    from litestar.serialization import encode_json

    orjson_writer: Encode = orjson.dumps
    if hand_written:
        orjson_writer = CONTENDERS["hand-written orjson"]
    return {
        "egress.dumps": egress.dumps,
        ALWAYS_MSGSPEC: _always_msgspec(),
        "hand-written orjson" if hand_written else BARE_ORJSON: orjson_writer,
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


def targets(results: dict[str, dict[str, float]]) -> str:
    """The targets, each with its measured ratio."""

    def ratio(workload: str, of: str, to: str) -> float:
        return results[workload][of] / results[workload][to]

    measured = [
        (
            "rows (UTC, naive): egress / bare msgspec",
            ratio("rows", "egress.dumps", BARE_MSGSPEC),
            1.1,
        ),
        ("rows (UTC, naive): egress / Litestar", ratio("rows", "egress.dumps", LITESTAR), 1.05),
        ("rows (+02:00): egress / bare msgspec", ratio("zoned", "egress.dumps", BARE_MSGSPEC), 1.1),
        ("rows (+02:00): egress / Litestar", ratio("zoned", "egress.dumps", LITESTAR), 1.05),
        ("plain: egress / bare orjson", ratio("plain", "egress.dumps", BARE_ORJSON), 1.05),
        ("small: egress / bare orjson", ratio("small", "egress.dumps", BARE_ORJSON), 1.3),
        (
            "mixed: egress / hand-written orjson",
            ratio("mixed", "egress.dumps", "hand-written orjson"),
            1.0,
        ),
        (
            "100 dataclasses without datetimes: egress / bare msgspec",
            ratio("records", "egress.dumps", BARE_MSGSPEC),
            1.05,
        ),
    ]
    lines = ["### Targets", "", "| ratio | measured | target |", "|---|---:|---:|"]
    lines += [f"| {label} | {value:.2f} | <= {target} |" for label, value, target in measured]
    return "\n".join(lines) + "\n"


PAYLOADS = (
    "Payloads: mixed, 1,000 records of every type egress handles; rows with timestamps, "
    "1,000 rows of id, name, flag, score, two UTC datetimes with microseconds, a naive "
    "datetime and a date, which the bare engines write in their own text (orjson `+00:00` "
    "for UTC, msgspec `Z` as egress does); the same rows with one UTC and one +02:00 "
    "datetime (zoneinfo Europe/Berlin); 100 dataclasses without datetimes (id, name, flag, "
    "score, tags: bare orjson writes them in its own form, which writes attributes that "
    "are not fields too) and with two date/time fields; 100 msgspec Structs with two "
    "date/time fields; plain, 1,000 records of JSON-native types; small."
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

    results = {"mixed": mixed}
    engine_workloads = [
        ("rows", "rows with timestamps, UTC and naive (1,000 rows)", payloads.rows(), False),
        (
            "zoned",
            "rows with timestamps, UTC and +02:00 (1,000 rows)",
            payloads.zoned_rows(),
            False,
        ),
        ("records", "100 dataclasses without datetimes", payloads.records(False), False),
        ("events", "100 dataclasses with datetimes", payloads.records(True), False),
        ("structs", "100 msgspec Structs with datetimes", payloads.structs(), True),
    ]
    for key, title, value, hand_written in engine_workloads:
        medians = _harness.measure(
            _contenders(_engine_contenders(hand_written), value), rounds=rounds
        )
        results[key] = medians
        sections.append(_harness.table(title, medians, BARE_MSGSPEC))

    bare = {BARE_ORJSON: orjson.dumps, ALWAYS_MSGSPEC: _always_msgspec()}
    plain_group = {**bare, **{n: e for n, e in everyone.items() if n not in LIMITS[1:]}}
    plain = _harness.measure(_contenders(plain_group, payloads.plain()), rounds=rounds)
    results["plain"] = plain
    sections.append(_harness.table("plain (1,000 records, JSON-native types)", plain, BARE_ORJSON))
    small = payloads.SMALL
    medians = _harness.measure(
        [_harness.Contender(n, partial(e, small)) for n, e in plain_group.items()], rounds=rounds
    )
    results["small"] = medians
    sections.append(
        _harness.table('small ({"message": "Welcome home", "id": 7})', medians, BARE_ORJSON)
    )
    sections.append(targets(results))
    _harness.write("encode", sections, _preamble())


if __name__ == "__main__":
    main()
