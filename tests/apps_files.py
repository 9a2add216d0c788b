"""File-serving app for the real-server tests (`serve("tests.apps_files:app", ...)`).

Serves the directory named by the EGRESS_TEST_FILES environment variable:
`/files/<name>` with multipart ranges on, `/single/<name>` with them off,
`/custom/<name>` with Lilya's `CustomFileResponse` (its range policy, written for
egress), and `/open-files`, the number of descriptors this process holds open on files
in that directory (to check that every ending closes the file). EGRESS_TEST_LOG: as for
tests/apps_streaming.py. Also `unreadable_file()` and `CustomFileResponse`, for the
in-process tests too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from egress.responses._files import FileResponse
from egress.responses._ranges import ByteRange
from egress.responses._text import PlainText
from egress.types import Receive, Scope, Send
from tests.apps_streaming import capture_logs, serve_lifespan

DIRECTORY = os.path.realpath(os.environ.get("EGRESS_TEST_FILES", "."))


def _open_files(directory: str) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target.startswith(directory + os.sep)
    return count


def unreadable_file(directory: Path) -> Path | None:
    """A file this process may not read, if there is one. Mode 000 is enough for an
    ordinary user; root reads any file whatever its mode, but not the kernel's
    write-only sysctls."""
    secret = directory / "secret.txt"
    secret.write_text("secret")
    secret.chmod(0)
    for candidate in (secret, Path("/proc/sys/vm/drop_caches")):
        try:
            candidate.open("rb").close()
        except PermissionError:
            return candidate
        except OSError:
            continue
    return None


class CustomFileResponse(FileResponse):
    """Lilya's "customized multi range" example, written for egress: any number of
    ranges (with a multipart boundary; else one), but none of 50 bytes or less."""

    def get_content_ranges_and_multipart(
        self, scope: Scope, /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.setdefault("enforce_asc", False)
        kwargs.setdefault("max_ranges", None if self.range_multipart_boundary else 1)
        ranges, _ = super().get_content_ranges_and_multipart(scope, **kwargs)
        if ranges is None:
            return None, False
        if any(byte_range.length <= 50 for byte_range in ranges):
            return None, False
        return ranges, len(ranges) > 1


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send)
        return
    capture_logs()
    route, _, name = scope["path"].strip("/").partition("/")
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    if route == "open-files":
        await PlainText(str(_open_files(DIRECTORY)))(scope, receive, send)
        return
    if route == "extensions":
        await PlainText(" ".join(sorted(scope.get("extensions") or {})))(scope, receive, send)
        return
    response = (CustomFileResponse if route == "custom" else FileResponse)(
        Path(DIRECTORY, unquote(name)),
        filename=query.get("filename"),
        content_disposition_type=query.get("disposition", "attachment"),
        range_multipart_boundary=route in ("files", "custom"),
    )
    await response(scope, receive, send)
