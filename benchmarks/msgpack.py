"""MessagePack benchmark: MessagePackResponse's body against bare msgspec.msgpack.encode.

Contenders, one interleaved run per payload (benchmarks/_payloads.py): egress's packing
as it chooses its route (`egress.encoders._packing`), each of its routes forced on every
document (the JSON route, egress's only one before: the registry's JSON decoded and
packed; and msgspec.to_builtins then packing, with and without the scans that keep it
exact), the route through the Python walk (`to_jsonable` then msgspec), egress's JSON for
reference, and bare `msgspec.msgpack.encode`, the limit. The limit does less: it skips
the registry and writes datetimes as MessagePack timestamps, not the RFC 3339 strings of
the JSON form.

Run: make bench (or .venv/bin/python benchmarks/msgpack.py [ROUNDS])
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import egress
from benchmarks import _harness
from benchmarks import _payloads as payloads
from egress.encoders import _packing

BARE = "bare msgspec.msgpack.encode"


def _contenders(data: Any) -> list[_harness.Contender]:
    registry = egress.registry
    registry.dumps(data)
    plan = registry.engine_plan
    assert plan is not None and plan.msgspec_route
    encode = msgspec.msgpack.Encoder().encode

    def builtins_unchecked() -> bytes:
        attempt = _packing._Attempt(registry, plan)
        return encode(msgspec.to_builtins(data, enc_hook=attempt._hook, str_keys=True))

    return [
        _harness.Contender(BARE, lambda: encode(data)),
        _harness.Contender("egress MessagePack", lambda: _packing.packb(registry, data)),
        _harness.Contender(
            "JSON route (JSON engine, decoded, packed)",
            lambda: _packing._from_json(registry.dumps(data)),
        ),
        _harness.Contender(
            "to_builtins route on every document",
            lambda: _packing._Attempt(registry, plan).pack(data),
        ),
        _harness.Contender("to_builtins, without the exactness scans", builtins_unchecked),
        _harness.Contender(
            "to_jsonable + msgspec.msgpack", lambda: encode(registry.to_jsonable(data))
        ),
        _harness.Contender("egress JSON (dumps)", lambda: registry.dumps(data)),
    ]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    sections = []
    for title, data in (
        (f"rows with timestamps ({payloads.RECORDS} rows)", payloads.rows()),
        (f"plain ({payloads.RECORDS} records, JSON-native types)", payloads.plain()),
        ("small message", payloads.SMALL),
        (f"{payloads.DATACLASSES} dataclasses with datetimes", payloads.records(True)),
    ):
        medians = _harness.measure(_contenders(data), rounds=rounds)
        sections.append(_harness.table(title, medians, BARE))
    _harness.write(
        "msgpack",
        sections,
        preamble=(
            "One MessagePack body per call. The bare encoder writes datetimes as timestamps "
            "and knows no registry; egress packs the JSON form's data. Before this route "
            "was chosen, egress packed by the JSON route on every document.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
