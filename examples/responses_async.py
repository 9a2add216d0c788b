"""Coroutine content: awaited when the response is sent, or by resolve_async_content()."""

from __future__ import annotations

import asyncio

from egress import JSONResponse


async def load_pen(pen_id: int) -> dict[str, object]:
    await asyncio.sleep(0)
    return {"id": pen_id, "name": "fountain"}


async def main() -> None:
    response = JSONResponse(load_pen(7))
    try:
        response.body  # noqa: B018 - shows the error a too-early read gives
    except RuntimeError as error:
        print("before:", error)
    await response.resolve_async_content()
    print("after:", response.body, response.headers["content-length"])
    assert response.body == b'{"id":7,"name":"fountain"}'
    assert response.headers["content-length"] == "26"


asyncio.run(main())
