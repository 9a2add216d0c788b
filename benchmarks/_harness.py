"""Shared benchmark harness: interleaved rounds, medians, ratios, markdown tables.

Each round runs every contender once (in a rotated order), so a noisy moment on
the machine hurts all of them alike; the table reports the median per-call time
of each and its ratio to a named baseline.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Contender:
    name: str
    run: Callable[[], object]


def measure(
    contenders: Sequence[Contender], *, rounds: int = 15, min_time: float = 0.05
) -> dict[str, float]:
    """Median seconds per call of each contender over interleaved rounds."""
    loops: dict[str, int] = {}
    for c in contenders:  # calibrate: enough calls per round to last min_time
        n, start = 1, time.perf_counter()
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                c.run()
            if time.perf_counter() - t0 >= min_time or time.perf_counter() - start > 2:
                break
            n *= 2
        loops[c.name] = n
    samples: dict[str, list[float]] = {c.name: [] for c in contenders}
    for r in range(rounds):
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for c in order:
            n = loops[c.name]
            t0 = time.perf_counter()
            for _ in range(n):
                c.run()
            samples[c.name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(values) for name, values in samples.items()}


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def table(title: str, medians: dict[str, float], baseline: str) -> str:
    """A markdown table of medians and ratios to `baseline` (lower is faster)."""
    base = medians[baseline]
    lines = [f"### {title}", "", f"| contender | median | ratio to {baseline} |", "|---|---:|---:|"]
    for name, value in sorted(medians.items(), key=lambda item: item[1]):
        lines.append(f"| {name} | {_fmt(value)} | {value / base:.2f}x |")
    return "\n".join(lines) + "\n"


def write(name: str, sections: Sequence[str], preamble: str = "") -> None:
    """Print the tables and write them to benchmarks/results/<name>.md."""
    header = (
        f"# {name}\n\nMedians of interleaved rounds; ratios are what to quote. "
        f"Python {sys.version.split()[0]}.\n\n{preamble}"
    )
    text = header + "\n".join(sections)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)
