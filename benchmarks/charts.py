"""Charts of the benchmark tables: one PNG per table, next to the results file it came from.

Each results file (benchmarks/results/<name>.md, written by a benchmark script) holds
tables of contenders with their median time and ratio to a baseline. For every such table
this writes benchmarks/results/<name>-<table title>.png: one bar per contender, its ratio
on a log scale (the ratios span 0.03x to 200x), egress, the hand-written limits and the
peers in three colours, the baseline marked at 1.00x. Under each chart, what the results
file says about where the numbers come from: the Python version, the machine and the
library versions when it records them, and that they are missing when it does not.

Tables of another shape (the targets of responses.md, the memory table of serve.md) and
missing files are reported and skipped, so a new or changed benchmark never stops the
others' charts. Charts of a results file that it no longer has tables for are removed.

Run: `make bench` (after the benchmarks), or `python benchmarks/charts.py [RESULTS.md ...]`.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullLocator

RESULTS = Path(__file__).resolve().parent / "results"

COLOURS = {"egress": "#1f6fb4", "limit": "#8c8c8c", "peer": "#e08a2c"}
LEGEND = {"egress": "egress", "limit": "hand-written limit", "peer": "peers"}
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1}  # hides the 1x line
TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

_HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)
_SECTION = re.compile(r"^###\s+(.+)$", re.MULTILINE)
_PYTHON = re.compile(r"\bPython (\d+\.\d+\.\d+\S*?)\.?(?=\s|$)")
_RECORDED = re.compile(r"^(Machine|Versions):\s*(.+?)\s*$", re.MULTILINE)
_RATIO_HEADER = re.compile(r"^ratio to (.+)$")
_RATIO = re.compile(r"^(\d+(?:\.\d+)?)x$")


@dataclass(frozen=True)
class Row:
    contender: str
    median: str
    ratio: float


@dataclass(frozen=True)
class Table:
    title: str
    baseline: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Results:
    name: str
    provenance: str
    tables: tuple[Table, ...]
    skipped: tuple[str, ...]  # why each other table has no chart


def kind(contender: str) -> str:
    """egress, a hand-written limit, or a peer, from the name the benchmark gives it."""
    name = contender.lower()
    if "egress" in name:
        return "egress"
    if name == "limit" or name.startswith(("hand-written", "bare ")) or "by hand" in name:
        return "limit"
    return "peer"


def provenance(text: str) -> str:
    """Where the numbers come from, as far as the results file says."""
    python = _PYTHON.search(text)
    recorded = dict(_RECORDED.findall(text))
    parts = [f"Python {python.group(1)}" if python else "Python version not recorded"]
    parts.append(f"machine: {recorded['Machine']}" if "Machine" in recorded else "")
    parts.append(f"versions: {recorded['Versions']}" if "Versions" in recorded else "")
    missing = [what for what in ("Machine", "Versions") if what not in recorded]
    if missing:
        said = " and ".join("machine" if m == "Machine" else "library versions" for m in missing)
        parts.append(f"{said} not recorded")
    return "; ".join(part for part in parts if part)


def parse(text: str, name: str) -> Results:
    """The chartable tables of one results file, and why the others are not charted."""
    heading = _HEADING.search(text)
    title = heading.group(1).strip() if heading else name
    tables: list[Table] = []
    skipped: list[str] = []
    sections = _SECTION.split(text)[1:]  # title, body, title, body...
    for section, body in zip(sections[::2], sections[1::2], strict=True):
        table, reason = _table(section.strip(), body)
        if table is None:
            skipped.append(f"'{section.strip()}': {reason}")
        else:
            tables.append(table)
    return Results(title, provenance(text), tuple(tables), tuple(skipped))


def _table(title: str, body: str) -> tuple[Table | None, str]:
    lines = [line.strip() for line in body.splitlines() if line.strip().startswith("|")]
    if len(lines) < 3:
        return None, "no table with a header and rows"
    header = _cells(lines[0])
    if len(header) != 3 or header[:2] != ["contender", "median"]:
        return None, f"columns {header}, not contender | median | ratio to ..."
    baseline = _RATIO_HEADER.match(header[2])
    if baseline is None:
        return None, f"third column {header[2]!r} is not 'ratio to ...'"
    rows = []
    for line in lines[2:]:
        cells = _cells(line)
        ratio = _RATIO.match(cells[2]) if len(cells) == 3 else None
        if ratio is None or float(ratio.group(1)) <= 0:
            return None, f"row {line!r} has no positive ratio like 1.25x"
        rows.append(Row(cells[0], cells[1], float(ratio.group(1))))
    return Table(title, baseline.group(1), tuple(rows)), ""


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def slug(title: str) -> str:
    """A file-name part from a table title: its first lower-case words, joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    kept: list[str] = []
    for word in words:
        if kept and len("-".join([*kept, word])) > 40:
            break
        kept.append(word)
    return "-".join(kept) or "table"


def chart_paths(results_file: Path, tables: Sequence[Table]) -> list[Path]:
    """<results>-<slug of the title>.png for each table; a repeated slug gets -2, -3..."""
    paths: list[Path] = []
    for table in tables:
        name = f"{results_file.stem}-{slug(table.title)}"
        path, number = results_file.with_name(f"{name}.png"), 2
        while path in paths:
            path, number = results_file.with_name(f"{name}-{number}.png"), number + 1
        paths.append(path)
    return paths


def draw(results: Results, table: Table, path: Path) -> None:
    """One horizontal bar per contender, fastest at the top, lower is faster."""
    rows = table.rows
    ratios = [row.ratio for row in rows]
    room = min(ratios) / 1.5  # the shortest bar stays visible
    low = max((tick for tick in TICKS if tick <= room), default=room)
    high = max(ratios) * 30  # room for the label right of the longest bar
    figure, axes = plt.subplots(figsize=(9.5, 1.9 + 0.42 * len(rows)), dpi=110)
    positions = range(len(rows))
    axes.barh(
        positions,
        [ratio - low for ratio in ratios],
        left=low,
        height=0.62,
        color=[COLOURS[kind(row.contender)] for row in rows],
    )
    for position, row in enumerate(rows):
        label = f"{row.ratio:.2f}x  ({row.median})"
        axes.text(row.ratio * 1.08, position, label, va="center", bbox=_LABEL_BOX)
    axes.set_xscale("log")
    axes.set_xlim(low, high)
    shown = [tick for tick in TICKS if low <= tick <= max(ratios) * 3]
    axes.xaxis.set_major_locator(FixedLocator(shown))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.xaxis.set_major_formatter(lambda value, _: f"{value:g}x")
    axes.set_yticks(list(positions), [row.contender for row in rows])
    axes.invert_yaxis()
    axes.axvline(1.0, color="#222222", linestyle="--", linewidth=1)
    axes.set_xlabel(f"time relative to {table.baseline} (log scale; lower is faster)")
    title = textwrap.fill(f"{results.name}: {table.title}", width=90)
    figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
    present = sorted({kind(row.contender) for row in rows}, key=list(COLOURS).index)
    axes.legend(
        handles=[Patch(color=COLOURS[k], label=LEGEND[k]) for k in present],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(present),
        frameon=False,
    )
    axes.spines[["top", "right"]].set_visible(False)
    note = textwrap.fill(f"Medians of interleaved rounds. {results.provenance}.", width=150)
    figure.text(0.01, 0.01, note, fontsize=8, color="#444444")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(path, metadata={"Software": None})  # no version stamp: stable bytes
    plt.close(figure)


def chart(results_file: Path) -> list[str]:
    """Write the charts of one results file; the lines to print about what was done."""
    if not results_file.is_file():
        return [f"{results_file}: missing, no charts"]
    results = parse(results_file.read_text(encoding="utf-8", errors="replace"), results_file.stem)
    written = chart_paths(results_file, results.tables)
    for table, path in zip(results.tables, written, strict=True):
        draw(results, table, path)
    stale = set(results_file.parent.glob(f"{results_file.stem}-*.png")) - set(written)
    for path in sorted(stale):
        path.unlink()
    lines = [f"{results_file}: {results.provenance}"]
    lines += [f"  wrote {path.name}" for path in written]
    lines += [f"  removed {path.name} (no such table any more)" for path in sorted(stale)]
    lines += [f"  no chart for {reason}" for reason in results.skipped]
    return lines


def main(arguments: Sequence[str]) -> None:
    files: Iterable[Path] = [Path(a) for a in arguments] or sorted(RESULTS.glob("*.md"))
    for results_file in files:
        print("\n".join(chart(results_file)))


if __name__ == "__main__":
    main(sys.argv[1:])
