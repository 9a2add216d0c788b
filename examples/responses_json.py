"""JSONResponse (alias JsonResponse, JSON) and Ok: content encoded by the registry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from egress import EncoderRegistry, JSONResponse, Ok


@dataclass
class Pen:
    name: str
    price: Decimal
    since: date


async def send_and_show(response: JSONResponse[object]) -> bytes:
    """Drive the response as an ASGI app and return the body it sent."""
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await response({"type": "http"}, None, send)  # type: ignore[arg-type]
    start, body = sent
    print(start["status"], start["headers"], body["body"])
    return body["body"]  # type: ignore[return-value]


async def main() -> None:
    pen = Pen("fountain", Decimal("12.50"), date(2024, 5, 1))
    body = await send_and_show(JSONResponse(pen, status_code=201))
    assert body == b'{"name":"fountain","price":"12.50","since":"2024-05-01"}'

    assert await send_and_show(Ok({"ok": True})) == b'{"ok":true}'
    assert await send_and_show(JSONResponse("a str is a JSON string")) == (
        b'"a str is a JSON string"'
    )

    cents = EncoderRegistry()
    cents.register(Decimal, lambda value: int(value * 100))
    body = await send_and_show(JSONResponse({"price": Decimal("12.50")}, encoders=cents))
    assert body == b'{"price":1250}'


asyncio.run(main())
