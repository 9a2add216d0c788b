"""NDJSONResponse: one JSON document per line, each encoded by the registry as it is sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import anyio
import httpx

from egress import NDJSONResponse


@dataclass
class Row:
    id: int
    price: Decimal


async def rows() -> AsyncIterator[Row]:  # a slow query, one row at a time
    for number in range(1, 4):
        await anyio.sleep(0.01)
        yield Row(number, Decimal(number) / 4)


async def main() -> None:
    transport = httpx.ASGITransport(app=NDJSONResponse(rows()))
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        client.stream("GET", "/rows") as response,
    ):
        print(response.status_code, response.headers["content-type"])
        documents = []
        async for line in response.aiter_lines():  # each line is one whole JSON document
            print(line)
            documents.append(json.loads(line))
    assert documents == [
        {"id": 1, "price": "0.25"},
        {"id": 2, "price": "0.5"},
        {"id": 3, "price": "0.75"},
    ]


anyio.run(main)
