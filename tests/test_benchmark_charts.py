"""benchmarks/charts.py: one PNG per table of contenders, whatever else a results file holds,
and the committed charts match the committed results and the Performance page."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image
import pytest

from benchmarks import charts

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_PAGE = ROOT / "docs" / "performance.md"

RESULTS = """\
# demo

Medians of interleaved rounds; ratios are what to quote. Python 3.11.7.

### Small payload, per response

| contender | median | ratio to hand-written (orjson + 2 messages) |
|---|---:|---:|
| hand-written (orjson + 2 messages) | 2.25 us | 1.00x |
| egress JSONResponse | 3.29 us | 1.46x |
| Lilya JSONResponse | 21.70 us | 9.65x |

### Peak memory of each server process (VmHWM)

| server | after warm-up | after every download | growth |
|---|---:|---:|---:|
| egress | 29.7 MiB | 30.5 MiB | 0.8 MiB |

### Targets

| ratio | measured | target |
|---|---:|---:|
| small: egress / hand-written | 1.46 | <= 1.5 |

### Broken

| contender | median | ratio to limit |
|---|---:|---:|
| egress | 1.00 ms | n/a |
"""


def test_a_chart_per_table_of_contenders_the_others_are_named(tmp_path: Path) -> None:
    results_file = tmp_path / "demo.md"
    results_file.write_text(RESULTS)
    report = charts.chart(results_file)
    chart = tmp_path / "demo-small-payload-per-response.png"
    assert sorted(tmp_path.glob("*.png")) == [chart]
    height, width, _ = matplotlib.image.imread(chart).shape
    assert width > 900
    assert height > 300
    assert report[0] == f"{results_file}: Python 3.11.7; machine and library versions not recorded"
    assert "  wrote demo-small-payload-per-response.png" in report
    skipped = [line for line in report if line.startswith("  no chart for")]
    assert [line.split("'")[1] for line in skipped] == [
        "Peak memory of each server process (VmHWM)",
        "Targets",
        "Broken",
    ]
    assert "n/a" in skipped[2]


def test_the_rows_and_the_baseline_of_a_table() -> None:
    [table] = charts.parse(RESULTS, "demo").tables
    assert table.baseline == "hand-written (orjson + 2 messages)"
    assert [(row.contender, row.median, row.ratio) for row in table.rows] == [
        ("hand-written (orjson + 2 messages)", "2.25 us", 1.0),
        ("egress JSONResponse", "3.29 us", 1.46),
        ("Lilya JSONResponse", "21.70 us", 9.65),
    ]


def test_a_missing_results_file_is_reported_not_raised(tmp_path: Path) -> None:
    assert charts.chart(tmp_path / "sse.md") == [f"{tmp_path / 'sse.md'}: missing, no charts"]
    assert list(tmp_path.iterdir()) == []


def test_a_file_of_another_shape_gets_no_chart(tmp_path: Path) -> None:
    results_file = tmp_path / "notes.md"
    results_file.write_text("no heading, no table\n\n| a | b |\n")
    assert charts.chart(results_file) == [
        f"{results_file}: Python version not recorded; machine and library versions not recorded"
    ]
    assert list(tmp_path.glob("*.png")) == []


def test_the_machine_and_versions_are_shown_when_recorded() -> None:
    text = (
        "# demo\n\nMedians of interleaved rounds. Python 3.12.1.\n\n"
        "Machine: Linux 6.8 x86_64, 2 CPUs (AMD EPYC 7B13)\n"
        "Versions: egress 0.1.0, orjson 3.10.18, starlette 0.47.2\n"
    )
    assert charts.provenance(text) == (
        "Python 3.12.1; machine: Linux 6.8 x86_64, 2 CPUs (AMD EPYC 7B13); "
        "versions: egress 0.1.0, orjson 3.10.18, starlette 0.47.2"
    )


def test_charts_of_tables_gone_are_removed_and_other_results_kept(tmp_path: Path) -> None:
    (tmp_path / "demo-an-old-table.png").write_bytes(b"old")
    (tmp_path / "demo_other-a-table.png").write_bytes(b"other")
    results_file = tmp_path / "demo.md"
    results_file.write_text(RESULTS)
    report = charts.chart(results_file)
    assert "  removed demo-an-old-table.png (no such table any more)" in report
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "demo-small-payload-per-response.png",
        "demo_other-a-table.png",
    ]


def test_tables_whose_titles_start_alike_get_their_own_files(tmp_path: Path) -> None:
    table = "| contender | median | ratio to egress |\n|---|---:|---:|\n| egress | 1 ms | 1.00x |\n"
    title = "A title long enough that the file name keeps only its first words"
    results_file = tmp_path / "demo.md"
    results_file.write_text(f"# demo\n\n### {title} (a)\n\n{table}\n### {title} (b)\n\n{table}")
    charts.chart(results_file)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "demo-a-title-long-enough-that-the-file-name-2.png",
        "demo-a-title-long-enough-that-the-file-name.png",
    ]


@pytest.mark.parametrize(
    ("contender", "kind"),
    [
        ("egress JSONResponse", "egress"),
        ("EgressRoute", "egress"),
        ("Starlette app, egress endpoint in a Route", "egress"),
        ("hand-written orjson", "limit"),
        ("bare orjson.dumps", "limit"),
        ("limit", "limit"),
        ("Starlette app, JSONResponse by hand", "limit"),
        ("Lilya JSONResponse", "peer"),
        ("APIRoute", "peer"),
    ],
)
def test_each_contender_is_egress_a_limit_or_a_peer(contender: str, kind: str) -> None:
    assert charts.kind(contender) == kind


def _committed_results() -> list[Path]:
    return sorted(charts.RESULTS.glob("*.md"))


@pytest.mark.parametrize("results_file", _committed_results(), ids=lambda p: p.name)
def test_the_committed_charts_are_those_of_the_committed_results(results_file: Path) -> None:
    results = charts.parse(results_file.read_text(encoding="utf-8"), results_file.stem)
    expected = {p.name for p in charts.chart_paths(results_file, results.tables)}
    present = {p.name for p in charts.RESULTS.glob(f"{results_file.stem}-*.png")}
    assert present == expected, "run: python benchmarks/charts.py"


def test_the_performance_page_shows_every_chart() -> None:
    shown = set(
        re.findall(r"\]\(\.\./benchmarks/results/([^)\s]+\.png)\)", PERFORMANCE_PAGE.read_text())
    )
    committed = {p.name for p in charts.RESULTS.glob("*.png")}
    assert shown == committed, "docs/performance.md shows ../benchmarks/results/<chart>.png"
