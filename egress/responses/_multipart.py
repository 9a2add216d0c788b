"""The layout of a multipart/byteranges body (RFC 9110 §14.6), computed before sending.

A body is a list of pieces: literal bytes (boundaries and part headers) and the
byte ranges to copy from the file. Its exact length is known up front, so the
response carries a correct Content-Length.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from egress.responses._ranges import ByteRange

__all__ = ["BodyPiece", "byteranges_pieces", "checked_boundary", "new_boundary", "pieces_length"]

BodyPiece = bytes | ByteRange

# RFC 2046 bchars, without the space (allowed inside but easy to get wrong).
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=?]{1,70}")


def new_boundary() -> str:
    return secrets.token_hex(16)


def checked_boundary(boundary: str) -> str:
    if not isinstance(boundary, str) or not _BOUNDARY.fullmatch(boundary):
        raise ValueError(
            f"range_multipart_boundary {boundary!r} is not a valid multipart boundary: "
            "use 1-70 letters, digits or '()+_,-./:=? (or True for a random one)"
        )
    return boundary


def byteranges_pieces(
    ranges: Sequence[ByteRange], size: int, content_type: bytes, boundary: str
) -> list[BodyPiece]:
    """Each part's delimiter and headers, its range, then the closing delimiter."""
    pieces: list[BodyPiece] = []
    delimiter = f"--{boundary}\r\n".encode("latin-1")
    for byte_range in ranges:
        head = b"%sContent-Type: %s\r\nContent-Range: %s\r\n\r\n" % (
            delimiter,
            content_type,
            byte_range.content_range(size).encode("latin-1"),
        )
        pieces += (head, byte_range, b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode("latin-1"))
    return pieces


def pieces_length(pieces: Sequence[BodyPiece]) -> int:
    return sum(piece.length if isinstance(piece, ByteRange) else len(piece) for piece in pieces)
