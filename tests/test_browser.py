"""A real browser reads a compressed event stream event by event: headless Chromium loads
the demo's /live page through CompressionMiddleware (tests/apps_compression.py), and tick
i+1 is produced only once the page's DOM shows tick i. A stream held back by the
compressor would leave the page without tick i, so the generator would give up waiting
and mark the next tick stalled."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._chromium import CHROMIUM, chromium
from tests._servers import serve

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs chromium (make services)"),
]

LOG = "document.getElementById('log').textContent"
STATUS = "document.getElementById('status').textContent"


def _ticks(log: str) -> list[dict[str, object]]:
    return [json.loads(line.partition(": ")[2]) for line in log.splitlines() if line]


@pytest.fixture(params=["uvicorn", "hypercorn-trio"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = {"EGRESS_TEST_RELEASE": str(tmp_path)}
    with serve("tests.apps_compression:app", request.param, env=env) as url:
        yield url, tmp_path


def test_the_live_page_gets_each_event_before_the_next_is_produced(
    site: tuple[str, Path],
) -> None:
    url, releases = site
    with chromium() as browser:
        browser.open(f"{url}/live")
        seen = 0
        deadline = time.monotonic() + 60
        while browser.evaluate(STATUS) != "done" and time.monotonic() < deadline:
            ticks = _ticks(browser.evaluate(LOG) or "")
            for tick in ticks[seen:]:  # the DOM shows it: let the next one be produced
                (releases / f"live-{tick['tick']}").touch()
            if len(ticks) == seen:
                time.sleep(0.02)  # polling the DOM, not waiting for time to pass
            seen = len(ticks)
        ticks = _ticks(browser.evaluate(LOG))
        responses = [
            event["params"]["response"]
            for event in browser.events
            if event.get("method") == "Network.responseReceived"
        ]
    assert ticks == [{"tick": n, "of": 10, "stalled": False} for n in range(1, 11)]
    stream = next(r for r in responses if "/events" in r["url"])
    headers = {name.lower(): value for name, value in stream["headers"].items()}
    assert headers["content-encoding"] in ("zstd", "br", "gzip")
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
