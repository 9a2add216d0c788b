"""StreamingResponse: sync and async generators, a generator function, str chunks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx

from egress import StreamingResponse


async def countdown(n: int) -> AsyncIterator[str]:  # async: iterated on the event loop
    for number in range(n, 0, -1):
        await anyio.sleep(0.01)
        yield f"{number}\n"  # str chunks are encoded with the response's charset


def csv_rows() -> Iterator[bytes]:  # sync: its next() calls run in worker threads
    yield b"id,name\n"
    for number, name in enumerate(["ada", "grace", "edsger"], start=1):
        time.sleep(0.01)  # blocking work is fine here: the event loop keeps serving
        yield f"{number},{name}\n".encode()


async def main() -> None:
    responses = {
        "/countdown": StreamingResponse(countdown(3), media_type="text/plain"),
        "/rows.csv": StreamingResponse(csv_rows, media_type="text/csv"),  # a generator function
    }
    for path, response in responses.items():
        transport = httpx.ASGITransport(app=response)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            got = await client.get(path)
        print(path, got.status_code, got.headers["content-type"], repr(got.text))
        assert "content-length" not in got.headers  # a stream's length is not known up front
    assert got.text == "id,name\n1,ada\n2,grace\n3,edsger\n"


anyio.run(main)
