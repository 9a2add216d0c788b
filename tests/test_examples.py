"""Every script under examples/ runs and exits cleanly (each one checks its own output),
and so do the code blocks of the docs pages listed in RUNNABLE_PAGES.

examples/app.py is the served demo; tests/test_demo.py starts it and checks its routes.
In those docs pages a ```python block is runnable (the blocks of a page run in order, in
one process, as one script) and a ```py block is a signature, shown but not run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p for p in (ROOT / "examples").glob("*.py") if p.name != "app.py")
RUNNABLE_PAGES = ["pipeline.md", "responses.md", "migration.md"]
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _run(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs(script: Path) -> None:
    result = _run([str(script)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"{script.name} printed nothing"


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_docs_code_blocks_run(page: str) -> None:
    blocks = _PYTHON_BLOCK.findall((ROOT / "docs" / page).read_text())
    assert blocks, f"docs/{page} has no ```python block"
    result = _run(["-c", "\n".join(blocks)])
    assert result.returncode == 0, result.stderr
