"""FileResponse: validators, HEAD, 304, single and multipart ranges, 416, 404."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
import httpx

from egress import FileResponse


async def main(directory: str) -> None:
    path = Path(directory, "alphabet.txt")
    app = FileResponse(path, filename="alphabet.txt", range_multipart_boundary="sep")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        whole = await client.get("/")
        print(whole.status_code, whole.headers["content-disposition"], whole.text)
        assert whole.text == "abcdefghijklmnopqrstuvwxyz"
        etag = whole.headers["etag"]

        head = await client.head("/")
        print("HEAD", head.headers["content-length"], repr(head.content))
        assert (head.headers["content-length"], head.content) == ("26", b"")

        cached = await client.get("/", headers={"if-none-match": etag})
        print("If-None-Match", cached.status_code)
        assert cached.status_code == 304

        part = await client.get("/", headers={"range": "bytes=-3"})
        print(part.status_code, part.headers["content-range"], part.text)
        assert (part.status_code, part.text) == (206, "xyz")

        parts = await client.get("/", headers={"range": "bytes=0-1,4-5"})
        print(parts.headers["content-type"])
        print(parts.text)
        assert parts.text.count("--sep") == 3

        too_far = await client.get("/", headers={"range": "bytes=100-"})
        print(too_far.status_code, too_far.headers["content-range"])
        assert too_far.headers["content-range"] == "bytes */26"

        stale = await client.get("/", headers={"range": "bytes=0-1", "if-range": '"old"'})
        assert (stale.status_code, stale.text) == (200, whole.text)

    missing = httpx.ASGITransport(app=FileResponse(Path(directory, "nope.txt")))
    async with httpx.AsyncClient(transport=missing, base_url="http://test") as client:
        gone = await client.get("/")
    print("missing file:", gone.status_code)  # and a warning is logged
    assert gone.status_code == 404


with tempfile.TemporaryDirectory() as temporary:
    Path(temporary, "alphabet.txt").write_text("abcdefghijklmnopqrstuvwxyz")
    anyio.run(main, temporary)
