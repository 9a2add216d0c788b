"""The content codings CompressionMiddleware speaks: one small compressor per response.

Each compressor takes the body as it comes and, after every piece, flushes what it has so
far (zlib's Z_SYNC_FLUSH, brotli's flush, zstd's block flush): the bytes sent decode to
everything given until then, so an event or a line is never held back waiting for the
next. `finish()` ends the stream. zstd and brotli come from their PyPI packages (the
`zstd` and `brotli` extras), imported when a middleware that offers them is built; gzip
is the standard library's.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

__all__ = ["CODINGS", "Codec", "Compressor", "load"]


class Compressor(Protocol):
    def compress(self, data: bytes) -> bytes:
        """Compress `data` and flush: what is returned decodes to all data given so far."""

    def finish(self, data: bytes) -> bytes:
        """Compress the last `data` and end the stream."""


class _Gzip:
    def __init__(self, level: int) -> None:
        self._zlib = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing

    def compress(self, data: bytes) -> bytes:
        return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)

    def finish(self, data: bytes) -> bytes:
        return self._zlib.compress(data) + self._zlib.flush(zlib.Z_FINISH)


class _Brotli:
    def __init__(self, module: Any, level: int) -> None:
        self._brotli = module.Compressor(quality=level)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._brotli.process(data) + self._brotli.flush())

    def finish(self, data: bytes) -> bytes:
        return bytes(self._brotli.process(data) + self._brotli.finish())


class _Zstd:
    def __init__(self, module: Any, level: int) -> None:
        self._module = module
        self._zstd = module.ZstdCompressor(level=level).compressobj()

    def compress(self, data: bytes) -> bytes:
        return bytes(
            self._zstd.compress(data) + self._zstd.flush(self._module.COMPRESSOBJ_FLUSH_BLOCK)
        )

    def finish(self, data: bytes) -> bytes:
        return bytes(self._zstd.compress(data) + self._zstd.flush())


class Codec(NamedTuple):
    """A content coding ready to use: its name, the names a client may ask it by, and
    a factory of compressors at the chosen level."""

    name: str
    aliases: tuple[str, ...]
    new: Callable[[], Compressor]


class _Spec(NamedTuple):
    aliases: tuple[str, ...]
    package: str | None  # the PyPI package's module, None for the standard library
    extra: str
    levels: range
    default: int  # fast enough for responses made per request
    make: Callable[[Any, int], Compressor]


CODINGS: dict[str, _Spec] = {
    "zstd": _Spec(("zstd",), "zstandard", "zstd", range(-7, 23), 3, _Zstd),
    "br": _Spec(("br",), "brotli", "brotli", range(12), 4, _Brotli),
    "gzip": _Spec(("gzip", "x-gzip"), None, "", range(10), 6, lambda _, level: _Gzip(level)),
}


def load(name: str, level: int | None) -> Codec | None:
    """The codec `name` at `level` (None: its default); None when its package is not
    installed. ValueError for an unknown name or a level outside the codec's range."""
    spec = CODINGS.get(name)
    if spec is None:
        raise ValueError(
            f"unknown content coding {name!r}: CompressionMiddleware speaks "
            f"{', '.join(map(repr, CODINGS))}"
        )
    chosen = spec.default if level is None else level
    if isinstance(chosen, bool) or not isinstance(chosen, int) or chosen not in spec.levels:
        raise ValueError(
            f"level {level!r} is outside {name}'s levels {spec.levels.start} to "
            f"{spec.levels.stop - 1}; pass level=None for each coding's default"
        )
    module = None
    if spec.package is not None:
        try:
            module = importlib.import_module(spec.package)
        except ImportError:
            return None
    return Codec(name, spec.aliases, lambda: spec.make(module, chosen))


def missing_extras(names: tuple[str, ...]) -> str:
    """The install line for the extras `names` need."""
    extras = ",".join(CODINGS[name].extra for name in names if CODINGS[name].extra)
    return f"pip install 'egress[{extras}]'"
