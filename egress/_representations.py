"""One value, several representations: the response for data chosen by the request's Accept.

What a value can be sent as, in the server's order (ties in Accept go to the first):
- any data: JSON, then MessagePack (answered for its three names);
- an iterator or a generator, also: NDJSON, then Server-Sent Events, one item per line
  or per event as it is produced (a JSON array or a MessagePack array holds them all);
- an async iterator: NDJSON, then Server-Sent Events (an array would have to wait for
  the last item, and the registry encodes synchronously).

Nothing acceptable is a 406 whose JSON body lists what is offered. Every response
chosen here carries `Vary: Accept`, so a cache keeps one copy per representation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from egress._negotiation import Offer, best_media_type
from egress.encoders import EncoderRegistry
from egress.responses import (
    EventSourceResponse,
    JSONResponse,
    MessagePackResponse,
    NDJSONResponse,
    Response,
)
from egress.responses._headers import Headers, RawHeaders
from egress.responses._msgpack import MSGPACK_TYPES

__all__ = ["VARY_ACCEPT", "negotiated", "offers_for"]

JSON = "application/json"
NDJSON = "application/x-ndjson"
SSE = "text/event-stream"
DATA_OFFERS: tuple[Offer, ...] = (JSON, MSGPACK_TYPES)
ITERATOR_OFFERS: tuple[Offer, ...] = (JSON, MSGPACK_TYPES, NDJSON, SSE)
ASYNC_ITERATOR_OFFERS: tuple[Offer, ...] = (NDJSON, SSE)
VARY_ACCEPT = (b"vary", b"accept")

JSONBuilder = Callable[[Any, "int | None", "RawHeaders | None"], Response[Any]]


def offers_for(value: object) -> tuple[Offer, ...]:
    """The media types `value` can be sent as, in the server's order."""
    if isinstance(value, Iterator):
        return ITERATOR_OFFERS
    if isinstance(value, AsyncIterator):
        return ASYNC_ITERATOR_OFFERS
    return DATA_OFFERS


def _name(offer: Offer) -> str:
    return offer if isinstance(offer, str) else offer[0]


def not_acceptable(offers: tuple[Offer, ...]) -> Response[Any]:
    """406, naming what the client could have asked for."""
    return JSONResponse(
        {"detail": "Not Acceptable", "available": [_name(offer) for offer in offers]},
        status_code=406,
    )


def negotiated(
    value: Any,
    accept: str | bytes | None,
    status: int | None,
    headers: RawHeaders | None,
    registry: EncoderRegistry,
    json: JSONBuilder,
) -> Response[Any]:
    """The response for data `value` in the representation `accept` prefers (`json`
    builds the JSON one, as the pipeline builds it), with `Vary: Accept`."""
    offers = offers_for(value)
    chosen = best_media_type(accept, offers)
    given = None if headers is None else Headers._view(headers)
    response: Response[Any]
    if chosen is None:
        response = not_acceptable(offers)
    else:
        name = _name(offers[chosen])
        if name == JSON:
            response = json(value, status, headers)
        elif name == NDJSON:
            response = NDJSONResponse(value, status or 200, given, encoders=registry)
        elif name == SSE:
            response = EventSourceResponse(value, status or 200, given, encoders=registry)
        else:
            response = MessagePackResponse(
                value, status_code=status, headers=given, encoders=registry
            )
    response.raw_headers.append(VARY_ACCEPT)
    return response
