"""MessagePack benchmark: MessagePackResponse's body against bare msgspec.msgpack.encode.

Contenders, on the rows with timestamps and on the JSON-native records
(benchmarks/_payloads.py): egress's route (the registry's JSON, decoded and packed by
msgspec), the route through the Python walk (`to_jsonable` then msgspec), egress's JSON
for reference, and bare `msgspec.msgpack.encode`, the limit. The limit does less: it
skips the registry and writes datetimes as MessagePack timestamps, not the RFC 3339
strings of the JSON form.

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
from egress.responses._msgpack import packb

BARE = "bare msgspec.msgpack.encode"


def _contenders(data: Any) -> list[_harness.Contender]:
    registry = egress.registry
    encode = msgspec.msgpack.Encoder().encode
    return [
        _harness.Contender(BARE, lambda: encode(data)),
        _harness.Contender(
            "egress MessagePack (JSON engine, decoded, packed)", lambda: packb(registry, data)
        ),
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
    ):
        medians = _harness.measure(_contenders(data), rounds=rounds)
        sections.append(_harness.table(title, medians, BARE))
    _harness.write(
        "msgpack",
        sections,
        preamble=(
            "One MessagePack body per call. The bare encoder writes datetimes as timestamps "
            "and knows no registry; egress packs the JSON form's data.\n\n"
        ),
    )


if __name__ == "__main__":
    main()
