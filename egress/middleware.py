"""`CompressionMiddleware`: zstd, brotli or gzip by Accept-Encoding, for any ASGI app.

A responder per request holds the `http.response.start` message until the first body
message shows what the response is, then either sends it as it is or compresses it:
- never: a HEAD answer (it carries no Content-Encoding), a 206 (its Content-Range counts
  the bytes as they are) or 304, a status without a body, `multipart/byteranges`, a
  response that has a Content-Encoding already, media that is compressed already
  (images but SVG, audio, video, archives), a complete body shorter than `minimum_size`,
  or when the client's Accept-Encoding (q-values included, `gzip;q=0` excludes gzip)
  prefers none of the codings offered;
- otherwise each body message is compressed and flushed as it comes, so a stream (an
  SSE event, an NDJSON line) reaches the client when it is produced, never held back
  for the next; a complete body gets its new Content-Length, a streamed one none.
A compressed response has `Content-Encoding`, a strong ETag made weak (`W/`: the bytes
differ from the identity form's) and `Vary: Accept-Encoding`, which every response it
could have compressed gets too, so caches keep the forms apart. A 304 stands for the 200
the client holds, so it carries what that 200 carried (RFC 9110 §15.4.5): `Vary:
Accept-Encoding`, and its ETag weak when the request negotiated a coding, as the
compressed 200 had it (a weak tag matches the same If-None-Match under the weak
comparison that field uses).

A coding whose package is not installed (`zstandard` for zstd, `brotli` for br) is not
offered: `CompressionMiddleware.encodings` says what is. gzip is always there; a list of
codings none of which is installed is an ImportError naming the extras to install.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import anyio.to_thread

from egress._compression import Codec, Compressor, load, missing_extras
from egress._negotiation import best_encoding, field_value
from egress.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CompressionMiddleware"]

_NO_COMPRESSION = (206, 304)
_COMPRESSED_MEDIA = (b"image/", b"audio/", b"video/", b"application/zip", b"application/gzip")
_VARY = (b"vary", b"Accept-Encoding")
THREAD_MINIMUM_SIZE = 128 * 1024
"""A body message this large is compressed in a worker thread, not on the event loop
(gzip takes tens of milliseconds over half a megabyte of JSON)."""


async def _off_loop(compress: Callable[[bytes], bytes], data: bytes) -> bytes:
    if len(data) < THREAD_MINIMUM_SIZE:
        return compress(data)
    return await anyio.to_thread.run_sync(compress, data)


class CompressionMiddleware:
    """Compress responses for clients that accept it (see the module docstring).

    `minimum_size`: complete bodies shorter than this many bytes go out as they are;
    `encodings`: the codings offered, in the server's order of preference (a tie in
    Accept-Encoding goes to the first); `level`: one level for every coding, None for
    each one's default (zstd 3, brotli 4, gzip 6: fast enough for dynamic responses).
    """

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        encodings: Sequence[str] = ("zstd", "br", "gzip"),
        level: int | None = None,
    ) -> None:
        if isinstance(minimum_size, bool) or not isinstance(minimum_size, int) or minimum_size < 0:
            raise ValueError(f"minimum_size must be a number of bytes >= 0, got {minimum_size!r}")
        if isinstance(encodings, str):
            raise TypeError(f"encodings= takes a sequence of names, got the str {encodings!r}")
        names = tuple(dict.fromkeys(encodings))
        loaded = [load(name, level) for name in names]
        self.codecs: tuple[Codec, ...] = tuple(codec for codec in loaded if codec is not None)
        if names and not self.codecs:
            raise ImportError(
                f"none of the codings {', '.join(names)} can be used: their packages are not "
                f"installed; {missing_extras(names)}"
            )
        self.app = app
        self.minimum_size = minimum_size
        self._offers = [codec.aliases for codec in self.codecs]

    @property
    def encodings(self) -> tuple[str, ...]:
        """The codings offered: those asked for whose package is installed."""
        return tuple(codec.name for codec in self.codecs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        codec = None
        if scope["method"] != "HEAD":
            chosen = best_encoding(
                field_value(scope.get("headers", ()), b"accept-encoding"), self._offers
            )
            codec = None if chosen is None else self.codecs[chosen]
        if codec is not None and "http.response.pathsend" in scope.get("extensions", {}):
            # a file sent by path would bypass the compressor: the app streams it instead
            extensions = dict(scope["extensions"])
            del extensions["http.response.pathsend"]
            scope = {**scope, "extensions": extensions}
        await self.app(scope, receive, _Responder(send, codec, self.minimum_size))


def _eligible(start: Message) -> bool:
    """Whether this response could be compressed for some client."""
    status = start["status"]
    if status < 200 or status == 204 or status in _NO_COMPRESSION:
        return False
    for name, value in start["headers"]:
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            media = value.lower()
            if media.startswith(b"multipart/byteranges"):
                return False
            if media.startswith(_COMPRESSED_MEDIA) and not media.startswith(b"image/svg"):
                return False
    return True


class _Responder:
    """One response's messages: the start held until the first body decides."""

    def __init__(self, send: Send, codec: Codec | None, minimum_size: int) -> None:
        self._send = send
        self._codec = codec
        self._minimum_size = minimum_size
        self._start: Message | None = None
        self._compressor: Compressor | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self._start = message
            return
        if self._start is not None:  # the first message after it decides
            start, self._start = self._start, None
            head, complete = await self._head(start, message)
            await self._send(head)
            if complete is not None:  # compressed whole already
                await self._send({"type": kind, "body": complete})
                return
        if kind == "http.response.body" and self._compressor is not None:
            body = message.get("body", b"")
            if not message.get("more_body", False):
                message = {"type": kind, "body": await _off_loop(self._compressor.finish, body)}
                self._compressor = None
            else:
                body = await _off_loop(self._compressor.compress, body)
                if not body:
                    return  # nothing to flush yet (a compressor that buffers a header)
                message = {"type": kind, "body": body, "more_body": True}
        await self._send(message)

    async def _head(self, start: Message, first: Message) -> tuple[Message, bytes | None]:
        """The start message, with compression set up if this response gets it; and the
        compressed body when `first` is the whole body."""
        if start["status"] == 304:
            return self._not_modified(start), None
        if not _eligible(start):
            return start, None
        headers: list[tuple[bytes, bytes]] = [*start["headers"], _VARY]
        codec = self._codec
        if first["type"] != "http.response.body":
            codec = None  # a file sent by path (the app was offered no compression)
        more = first.get("more_body", False)
        size: int | None = len(first.get("body", b""))
        if more:  # a stream: its Content-Length, if it announced one
            length = next((v for n, v in headers if n == b"content-length"), b"")
            size = int(length) if length.isdigit() else None
        if codec is None or (size is not None and size < self._minimum_size):
            return {**start, "headers": headers}, None
        compressor = codec.new()
        headers = [_weak(pair) for pair in headers if pair[0] != b"content-length"]
        headers.append((b"content-encoding", codec.name.encode()))
        if more:
            self._compressor = compressor
            return {**start, "headers": headers}, None
        # complete: compressed now, so its length goes in the head
        body = await _off_loop(compressor.finish, first.get("body", b""))
        headers.append((b"content-length", b"%d" % len(body)))
        return {**start, "headers": headers}, body

    def _not_modified(self, start: Message) -> Message:
        headers = [*start["headers"], _VARY]
        if self._codec is not None:
            headers = [_weak(pair) for pair in headers]
        return {**start, "headers": headers}


def _weak(pair: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    name, value = pair
    if name == b"etag" and not value.startswith(b"W/"):
        return name, b"W/" + value
    return pair
