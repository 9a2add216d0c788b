"""The documentation's code runs, and its site builds.

Every ```python block of docs/*.md, README.md and CONTRIBUTING.md is a complete program,
imports included, and runs on its own through pytest-examples. A block that shows output
shows it as `#>` lines after the `print` call that prints it; `run_print_check` fails when
what was printed differs, showing the lines as they should read. Blocks in other
languages (```sh, ```text, ```py for the signature blocks still to be replaced by API
reference links) are shown, not run.

`mkdocs build --strict` succeeds as `make docs` runs it: no broken link, anchor or API
reference, and the Performance page's charts are in the site.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
BUILD_SECONDS = 100  # a build takes seconds; pytest-timeout stops any test at 120


def _python_blocks() -> list[CodeExample]:
    """pytest-examples finds every fence whose language starts with `py`: keep `python`."""
    return [block for block in find_examples(*PAGES) if block.prefix.split()[:1] == ["python"]]


@pytest.mark.parametrize("block", _python_blocks(), ids=str)
def test_python_block_runs_and_prints_what_it_shows(
    block: CodeExample, eval_example: EvalExample
) -> None:
    try:
        eval_example.run_print_check(block)
    except Exception as error:  # the block raised
        raised = f"{_where(error, block)}: {type(error).__name__}: {error}"
    else:
        return
    pytest.fail(raised, pytrace=False)  # outside `except`: without the traceback as context


def _where(error: Exception, block: CodeExample) -> str:
    """The page line that raised. pytest-examples 0.0.18 gives the error a traceback rebuilt
    to point into the page, but on Python 3.11 its code objects carry their line table in
    the old format, and pytest's report of it crashes the whole run (INTERNALERROR): the
    test reports the page line itself, from that traceback's line numbers."""
    line, traceback = block.start_line, error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == str(block.path):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return f"{block.path.relative_to(ROOT)}:{line}"


def test_the_site_builds_strict_with_the_charts(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
    )
    assert built.returncode == 0, built.stderr
    page = site / "performance" / "index.html"
    charts = re.findall(r'<img [^>]*src="([^"]+\.png)"', page.read_text(encoding="utf-8"))
    assert charts, "the Performance page shows no chart"
    missing = [src for src in charts if not (page.parent / src).resolve().is_file()]
    assert not missing, f"charts the site does not hold: {missing}"
