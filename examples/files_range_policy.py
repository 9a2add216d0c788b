"""Overriding the range policy: `get_content_ranges_and_multipart(scope, **kwargs)`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx

from egress import FileResponse
from egress.responses import ByteRange


class StrictFileResponse(FileResponse):
    """At most two ranges, and only in ascending order; anything else gets the whole file."""

    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.update(max_ranges=2, enforce_asc=True)
        return super().get_content_ranges_and_multipart(scope, **kwargs)


async def main(path: Path) -> None:
    app = StrictFileResponse(path, range_multipart_boundary=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for header in ("bytes=0-1,5-6", "bytes=5-6,0-1", "bytes=0-0,2-2,4-4"):
            got = await client.get("/", headers={"range": header})
            print(f"{header:>20} -> {got.status_code}")
            assert got.status_code == (206 if header == "bytes=0-1,5-6" else 200)


with tempfile.TemporaryDirectory() as directory:
    digits = Path(directory, "digits.txt")
    digits.write_text("0123456789")
    anyio.run(main, digits)
