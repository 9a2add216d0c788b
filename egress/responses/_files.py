"""`FileResponse`: a file from disk, with validators, conditional requests and ranges.

Construction never touches the disk: the file is opened when the response is
sent, so building one is cheap, and a path that cannot be served answers then
rather than failing where the response was created: 404 for any OS error (missing,
a directory, a symlink loop, a name too long, a NUL byte), 403 when permission is
denied, with one log line and the same status and headers for HEAD as for GET.
Every send builds its own messages and header lists, so one response object may
be sent again, whatever middleware did to the previous send's messages.
"""

from __future__ import annotations

import io
import logging
import os
import re
import stat
from collections.abc import Iterator, Sequence
from email.utils import parsedate_to_datetime
from mimetypes import guess_type
from typing import Any
from urllib.parse import quote

import anyio.to_thread

from egress.encoders import EncoderRegistry
from egress.encoders._scoped import registry_for
from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response, allows_body
from egress.responses._headers import HeadersInput, RawHeaders, encode_header, http_date
from egress.responses._mistakes import wrong_status_keyword
from egress.responses._multipart import (
    BodyPiece,
    byteranges_pieces,
    checked_boundary,
    new_boundary,
    pieces_length,
)
from egress.responses._ranges import (
    DEFAULT_MAX_RANGES,
    ByteRange,
    RangeNotSatisfiable,
    checked_plan,
    if_range_matches,
    parse_range_header,
)
from egress.responses._read_ahead import ThreadedIterator
from egress.responses._streaming import send_streamed
from egress.types import Receive, Scope, Send

__all__ = ["FileResponse"]

logger = logging.getLogger("egress.responses")

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PLAIN_FILENAME = re.compile(r"[\x20-\x7e]*")
# Headers about the body itself: meaningless on 304 and 416 answers.
_BODY_HEADERS = frozenset({b"content-type", b"content-length", b"content-disposition"})


def content_disposition(disposition_type: str, filename: str) -> str:
    """`attachment; filename="report.pdf"`, plus RFC 6266's `filename*` (UTF-8,
    percent-encoded) when the name is not plain ASCII; the ASCII `filename` then
    carries a lossy fallback for old clients."""
    if _PLAIN_FILENAME.fullmatch(filename) and '"' not in filename and "\\" not in filename:
        return f'{disposition_type}; filename="{filename}"'
    fallback = "".join(
        char if " " <= char <= "~" and char not in '"\\' else "_" for char in filename
    )
    return (
        f"{disposition_type}; filename=\"{fallback}\"; filename*=utf-8''{quote(filename, safe='')}"
    )


def _open_nonblocking(path: str, flags: int) -> int:
    # A FIFO must not make open() wait for a writer; reads from a regular file
    # ignore the flag.
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _open_regular(path: str) -> tuple[io.FileIO, os.stat_result]:
    """Open `path` and stat what was opened, in one step: the headers then describe
    the very file that is read, and a file that cannot be read is found out for
    every method (HEAD and conditional requests included), not only for GET."""
    file = io.FileIO(path, "rb", opener=_open_nonblocking)  # a directory: IsADirectoryError
    try:
        found = os.fstat(file.fileno())
        if not stat.S_ISREG(found.st_mode):
            raise OSError("not a regular file: a FIFO, socket or device")
    except BaseException:
        file.close()
        raise
    return file, found


def _read_pieces(file: io.FileIO, pieces: Sequence[BodyPiece], chunk_size: int) -> Iterator[bytes]:
    """The body's pieces as chunks: literal bytes as they are, ranges read from `file`."""
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
            continue
        file.seek(piece.first)
        remaining = piece.length
        while remaining > 0:
            chunk = file.read(min(chunk_size, remaining))
            if not chunk:
                raise OSError(f"{file.name!r} shrank while it was being sent")
            remaining -= len(chunk)
            yield chunk


def _request_headers(scope: Scope) -> dict[bytes, str]:
    """The request headers a file response looks at, repeated ones joined by commas."""
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        if name in _CONDITIONAL_HEADERS:
            text = value.decode("latin-1")
            found[name] = f"{found[name]}, {text}" if name in found else text
    return found


_CONDITIONAL_HEADERS = frozenset({b"range", b"if-range", b"if-none-match", b"if-modified-since"})
_RANGE_HOOK_KWARGS = frozenset({"size", "max_ranges", "enforce_asc"})


def _not_modified(request: dict[bytes, str], etag: str | None, mtime: float) -> bool:
    """If-None-Match (weak comparison) or, without it, If-Modified-Since (RFC 9110 §13.2.2)."""
    if_none_match = request.get(b"if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = request.get(b"if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since).timestamp()
    except (TypeError, ValueError, IndexError):
        return False
    return int(mtime) <= since


def _header(headers: RawHeaders, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class FileResponse(Response[Any]):
    """A file sent from disk: media type from its name, ETag and Last-Modified, HEAD,
    304 for conditional requests, and byte ranges (single or multipart/byteranges).

    Uses the ASGI `http.response.pathsend` extension when the server offers it;
    otherwise the file is read in `chunk_size` chunks in worker threads, a batch of
    reads per thread hop, at most `READ_AHEAD_BYTES` ahead of the client (see
    `ThreadedIterator`). A path that cannot be served answers 404 (403: permission
    denied). `encoders`: a registry, or encoders layered over the default, kept on the
    response as on every other response class.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
        allow_range_requests: bool = True,
        range_multipart_boundary: bool | str = False,
        chunk_size: int = 64 * 1024,
        *,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        status: None = None,
    ) -> None:
        if status is not None:
            wrong_status_keyword(type(self))
        self.path = os.fspath(path)
        if not isinstance(self.path, str):
            raise TypeError(f"FileResponse path must be a str or os.PathLike[str], got {path!r}")
        if not _TOKEN.fullmatch(content_disposition_type):
            raise ValueError(
                f"content_disposition_type {content_disposition_type!r} is not a token: "
                "use 'attachment' (download) or 'inline' (display)"
            )
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        if isinstance(range_multipart_boundary, str):
            range_multipart_boundary = checked_boundary(range_multipart_boundary)
        self._absolute_path = os.path.abspath(self.path)  # pathsend wants it absolute
        self.filename = filename
        self.stat_result = stat_result
        self.method = method.upper() if method else None
        self.allow_range_requests = allow_range_requests
        self.range_multipart_boundary = range_multipart_boundary
        self.chunk_size = chunk_size
        if encoders is not None:
            self.encoders = registry_for(encoders)
        if media_type is None:
            media_type = guess_type(filename or self.path)[0] or "application/octet-stream"
        self._init_head(status_code, headers, media_type, background)
        if filename is not None:
            self._set_default(
                "content-disposition", content_disposition(content_disposition_type, filename)
            )
        if allow_range_requests:
            self._set_default("accept-ranges", "bytes")
        if stat_result is not None:
            self.raw_headers = self._file_headers(stat_result)

    def _set_default(self, name: str, value: str) -> None:
        pair = encode_header(name, value)
        if all(key != pair[0] for key, _ in self.raw_headers):
            self.raw_headers.append(pair)

    def get_content_ranges_and_multipart(
        self, scope: Scope, /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        """The ranges to send for this request, and whether as multipart/byteranges.

        Override to change the policy. kwargs: `size` (the file size, always given),
        `max_ranges` (default 5; None: no limit) and `enforce_asc` (default False:
        overlapping and unordered ranges are sorted and coalesced; True: such a request
        gets the whole file). Returns the list of `ByteRange` itself (Lilya's hook
        returned a `ContentRanges` holding it), or `(None, False)` to send the whole
        file; raise `RangeNotSatisfiable(size)` for a 416. Several ranges without a
        multipart boundary configured also send the whole file.
        """
        unknown = kwargs.keys() - _RANGE_HOOK_KWARGS
        if unknown:
            raise TypeError(
                "get_content_ranges_and_multipart() got unexpected keyword arguments "
                f"{', '.join(sorted(unknown))}: it takes size (passed by egress: the file "
                "size), max_ranges and enforce_asc; adjacent ranges are always merged "
                "(Lilya's merge_ranges), and the last byte follows from size (Lilya's "
                "max_values)"
            )
        range_header = _request_headers(scope).get(b"range")
        if range_header is None:
            return None, False
        ranges = parse_range_header(
            range_header,
            kwargs["size"],
            max_ranges=kwargs.get("max_ranges", DEFAULT_MAX_RANGES),
            enforce_asc=kwargs.get("enforce_asc", False),
        )
        if ranges is None:
            return None, False
        multipart = len(ranges) > 1
        if multipart and not self.range_multipart_boundary:
            return None, False
        return ranges, multipart

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = self.method or scope.get("method", "GET")
        try:
            file, found = await anyio.to_thread.run_sync(_open_regular, self.path)
        except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
            await self._send_unavailable(error, method, send)
            return
        with file:  # closed on every ending; reads in flight have returned by then
            stat_result = found if self.stat_result is None else self.stat_result
            headers = self._file_headers(stat_result)
            status, pieces = self._plan(scope, headers, stat_result)
            start = {"type": "http.response.start", "status": status, "headers": headers}
            if pieces is None or method == "HEAD" or not allows_body(status):
                await send(start)
                await send({"type": "http.response.body", "body": b""})
            elif pieces == [] and "http.response.pathsend" in scope.get("extensions", {}):
                await send(start)
                await send({"type": "http.response.pathsend", "path": self._absolute_path})
            else:
                whole = [ByteRange(0, stat_result.st_size - 1)] if stat_result.st_size else []
                chunks = ThreadedIterator(
                    _read_pieces(file, pieces or whole, self.chunk_size),
                    limiter=anyio.to_thread.current_default_thread_limiter(),
                )
                if not await send_streamed(start, chunks, scope, receive, send):
                    return
        await self._run_background()

    def _file_headers(self, stat_result: os.stat_result) -> RawHeaders:
        """This send's headers: the constructor's, Content-Length, and the validators
        (ETag, Last-Modified) unless the constructor's headers set them."""
        headers = [pair for pair in self.raw_headers if pair[0] != b"content-length"]
        names = {name for name, _ in headers}
        if allows_body(self.status_code):
            headers.append((b"content-length", b"%d" % stat_result.st_size))
        if b"etag" not in names:
            etag = f'"{stat_result.st_mtime_ns:x}-{stat_result.st_size:x}"'
            headers.append((b"etag", etag.encode("latin-1")))
        if b"last-modified" not in names:
            headers.append((b"last-modified", http_date(stat_result.st_mtime).encode("latin-1")))
        return headers

    def _plan(
        self, scope: Scope, headers: RawHeaders, stat_result: os.stat_result
    ) -> tuple[int, list[BodyPiece] | None]:
        """The status to send and the body: None for no body, [] for the whole file,
        else the pieces of a partial one. Adjusts `headers` to match."""
        if self.status_code != 200:
            return self.status_code, []
        request = _request_headers(scope)
        method = self.method or scope.get("method", "GET")
        if method in ("GET", "HEAD") and _not_modified(
            request, _header(headers, b"etag"), stat_result.st_mtime
        ):
            headers[:] = [pair for pair in headers if pair[0] not in _BODY_HEADERS]
            return 304, None
        if not (self.allow_range_requests and method == "GET" and b"range" in request):
            return 200, []
        if_range = request.get(b"if-range")
        if if_range is not None and not if_range_matches(
            if_range, _header(headers, b"etag"), _header(headers, b"last-modified")
        ):
            return 200, []
        size = stat_result.st_size
        try:
            plan = self.get_content_ranges_and_multipart(scope, size=size)
        except RangeNotSatisfiable as error:
            headers[:] = [pair for pair in headers if pair[0] not in _BODY_HEADERS]
            headers += [
                (b"content-range", error.content_range.encode("latin-1")),
                (b"content-length", b"0"),
            ]
            return 416, None
        hook = f"{type(self).__name__}.get_content_ranges_and_multipart"
        ranges, multipart = checked_plan(plan, size, hook)
        if not ranges or (multipart and not self.range_multipart_boundary):
            return 200, []
        return 206, self._partial(headers, ranges, multipart, size)

    def _partial(
        self, headers: RawHeaders, ranges: list[ByteRange], multipart: bool, size: int
    ) -> list[BodyPiece]:
        if not multipart:
            span = ByteRange(ranges[0].first, ranges[-1].last)
            pieces: list[BodyPiece] = [span]
            extra = [(b"content-range", span.content_range(size).encode("latin-1"))]
        else:
            boundary = self.range_multipart_boundary
            boundary = new_boundary() if boundary is True else str(boundary)
            content_type = _header(headers, b"content-type") or "application/octet-stream"
            pieces = byteranges_pieces(ranges, size, content_type.encode("latin-1"), boundary)
            multipart_type = f"multipart/byteranges; boundary={boundary}"
            extra = [(b"content-type", multipart_type.encode("latin-1"))]
        dropped = {b"content-length", *(name for name, _ in extra)}
        headers[:] = [pair for pair in headers if pair[0] not in dropped]
        headers += [*extra, (b"content-length", b"%d" % pieces_length(pieces))]
        return pieces

    async def _send_unavailable(self, error: Exception, method: str, send: Send) -> None:
        """404 (403 for a permission error) in plain text, logged as one line; HEAD
        gets the same status and headers without the body."""
        reason = getattr(error, "strerror", None) or str(error)
        if isinstance(error, PermissionError):
            status, body = 403, b"Forbidden"
            logger.warning("FileResponse: %r cannot be read (%s); answered 403", self.path, reason)
        else:
            status, body = 404, b"Not Found"
            logger.warning(
                "FileResponse: %r is missing or not a regular file (%s); answered 404",
                self.path,
                reason,
            )
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", b"%d" % len(body)),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
