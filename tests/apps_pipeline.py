"""Endpoints served directly by a real server in tests/test_interop.py."""

from __future__ import annotations

from egress import HTTPError, endpoint


@endpoint
async def app(name: str = "world", fail: bool = False) -> tuple[str, int, dict[str, str]]:
    if fail:
        raise HTTPError(418)
    return f"hello {name}", 201, {"x-served-by": "egress"}
