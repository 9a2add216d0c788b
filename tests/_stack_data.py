"""What the middleware-stack app (`tests.apps_stacks`) serves, byte for byte.

Shared by the app, which serves it from its own process, and by the tests, which
compare every body they receive against it.
"""

from __future__ import annotations

import random

GZIP_MINIMUM_SIZE = 10  # GZipMiddleware(minimum_size=...) in front of /with-gzip

DOCUMENT = {"hello": "world", "numbers": [1, 2, 3]}
DOCUMENT_BODY = b'{"hello":"world","numbers":[1,2,3]}'

VIEW = {"view": "starlette", "ok": True}
VIEW_BODY = b'{"view":"starlette","ok":true}'

# Six distinct 100-byte chunks: a stray or missing byte anywhere shows.
STREAM_CHUNKS = [str(number).encode() * 100 for number in range(6)]
STREAM_BODY = b"".join(STREAM_CHUNKS)

NOT_FOUND_BODY = b"no"
GONE_BODY = b"<p>" + b"this page is gone " * 8 + b"</p>"

# A few hundred KB, compressible but not trivially (hex of random bytes), larger than
# FileResponse's 64 KiB chunks so it is read and sent in several messages.
FILE_NAME = "data.txt"
FILE_DATA = random.Random(8).randbytes(150_000).hex().encode()

BLOCKED_FIRST_CHUNK = b"blocked;"
BLOCKED_RELEASED_CHUNK = b"released"
# Seconds a blocked generator waits for its release file at most: the test releases it
# as soon as it is done, so this only bounds a failed run, and it must outlast what the
# test does meanwhile on a busy machine (the generators are still blocked when it checks).
BLOCKED_TIMEOUT = 60.0


def cached_body(case: str, run: int) -> bytes:
    """The body of the cached routes: which run of the handler produced it."""
    return b'{"case":"%s","run":%d}' % (case.encode(), run)


def release_file_name(case: str) -> str:
    return f"release-{case}"
