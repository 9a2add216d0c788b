"""`NDJSONResponse`: a stream of values, one JSON document per line."""

from __future__ import annotations

from typing import Any

from egress.responses._encoded_stream import EncodedStream, one_line

__all__ = ["NDJSONResponse"]


class NDJSONResponse(EncodedStream):
    """Each item of a (sync or async) iterable, or of what a callable returns, encoded by
    the response's `encoders` and sent as one line of `application/x-ndjson`.

    The head goes out with the first line, so a first item that cannot be encoded is an
    EncodeError with nothing sent; a later one cuts the stream (logged with its index
    and JSON path). `chunk_timeout`, `complete_timeout`, disconnects and the generator's
    `finally` are as for StreamingResponse.
    """

    media_type = "application/x-ndjson"

    def encode_item(self, item: Any) -> bytes:
        return one_line(self.encoders.dumps(item)) + b"\n"
