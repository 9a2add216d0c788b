"""A Lilya app whose handlers now answer with egress (docs/migration.md, "From Lilya").

Before, with Lilya's responses (its documented encoder and range-policy examples):

    import msgspec
    from lilya.apps import Lilya
    from lilya.encoders import Encoder
    from lilya.ranges import ContentRanges
    from lilya.responses import Error, FileResponse, RedirectResponse, make_response
    from lilya.routing import Path

    class MsgSpecEncoder(Encoder):
        __type__ = msgspec.Struct

        def serialize(self, obj):
            return msgspec.json.decode(msgspec.json.encode(obj))

    class CustomFileResponse(FileResponse):
        def get_content_ranges_and_multipart(self, scope, /, **kwargs):
            kwargs.setdefault("enforce_asc", False)
            # unlimit the amount of requested ranges and do security later
            kwargs.setdefault("max_ranges", None if self.range_multipart_boundary else 1)
            content_ranges, _multipart = super().get_content_ranges_and_multipart(scope, **kwargs)
            for range_def in content_ranges.ranges:
                if range_def.stop - range_def.start + 1 <= 50:
                    return None, False
            return content_ranges, len(content_ranges.ranges) > 1

    def user(name: str):
        return make_response(User(name=name, age=24), status_code=201, encoders=[MsgSpecEncoder])

    def hello():
        return "Hello"  # the JSON string "Hello"

    def report():
        return CustomFileResponse("report.csv", range_multipart_boundary=True)

    def old():
        return RedirectResponse("/hello")  # 303

    def down():
        return Error("<h1>Down</h1>")  # sent with status 200

    app = Lilya(routes=[Path("/users/{name}", user), Path("/hello", hello), ...])

After: the same Lilya router, the handlers wrapped by `@endpoint`, the encoder class
unchanged (still Lilya's `Encoder`) and the range policy written for egress: the hook
returns a list of `ByteRange(first, last)` instead of a `ContentRanges`.

Run: .venv/bin/python examples/migrate_lilya.py
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

import anyio
import httpx
import msgspec
from lilya.apps import Lilya
from lilya.encoders import Encoder
from lilya.routing import Path

from egress import (
    Error,
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    endpoint,
    make_response,
)
from egress.responses import ByteRange
from egress.types import Scope

REPORT = FilePath(__file__)  # any file will do: this script is the "report"


class User(msgspec.Struct):
    name: str
    age: int


class MsgSpecEncoder(Encoder):  # Lilya's own base class, unchanged
    __type__ = msgspec.Struct

    def serialize(self, obj: Any) -> Any:
        return msgspec.json.decode(msgspec.json.encode(obj))


class CustomFileResponse(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: Scope, /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.setdefault("enforce_asc", False)
        # unlimit the amount of requested ranges and do security later
        kwargs.setdefault("max_ranges", None if self.range_multipart_boundary else 1)
        ranges, _multipart = super().get_content_ranges_and_multipart(scope, **kwargs)
        if ranges is None:  # no Range header, or one egress ignores
            return None, False
        for byte_range in ranges:  # Lilya: content_ranges.ranges
            # ranges must be at least 50 bytes, otherwise the whole file is sent
            if byte_range.length <= 50:  # Lilya: range_def.stop - range_def.start + 1
                return None, False
        return ranges, len(ranges) > 1


@endpoint(encoders=[MsgSpecEncoder])
async def user(name: str) -> JSONResponse:
    return make_response(User(name=name, age=24), status_code=201)


@endpoint
async def hello() -> str:
    return "Hello"  # text/plain in egress


@endpoint
async def hello_json() -> JSONResponse:
    return make_response("Hello")  # the JSON string, as Lilya sent it


@endpoint
async def report() -> CustomFileResponse:
    return CustomFileResponse(REPORT, range_multipart_boundary=True)


@endpoint
async def old() -> RedirectResponse:
    return RedirectResponse("/hello", status_code=303)  # egress's default is 307


@endpoint
async def down() -> Error:
    return Error("<h1>Down</h1>")  # 500


@endpoint
async def session() -> Response[str]:
    response = Response("signed in", media_type="text/plain")
    response.set_cookie("session", "abc123", expires="Thu, 22 Jan 2037 12:00:10 GMT")
    return response


app = Lilya(
    routes=[
        Path("/users/{name}", user),
        Path("/hello", hello),
        Path("/hello-json", hello_json),
        Path("/report", report),
        Path("/old", old),
        Path("/down", down),
        Path("/session", session),
    ]
)


async def main() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        got = await client.get("/users/ada")
        print(got.status_code, got.text)
        assert (got.status_code, got.json()) == (201, {"name": "ada", "age": 24})

        got = await client.get("/hello")
        print(got.status_code, got.headers["content-type"], got.text)
        assert (got.headers["content-type"], got.text) == ("text/plain; charset=utf-8", "Hello")
        got = await client.get("/hello-json")
        print(got.status_code, got.headers["content-type"], got.text)
        assert (got.headers["content-type"], got.text) == ("application/json", '"Hello"')

        size = len((await client.get("/report")).content)
        seven = ",".join(f"{start}-{start + 99}" for start in range(0, 1400, 200))
        got = await client.get("/report", headers={"range": f"bytes={seven}"})
        parts = got.text.count("Content-Range: bytes ")
        print(got.status_code, got.headers["content-type"].split(";")[0], parts, "parts")
        assert (got.status_code, parts) == (206, 7)  # more than the default 5: no limit
        got = await client.get("/report", headers={"range": "bytes=0-9,100-199"})
        print(got.status_code, len(got.content), "bytes: a 10-byte range gets the whole file")
        assert (got.status_code, len(got.content)) == (200, size)

        got = await client.delete("/report")
        print(got.status_code, got.headers["allow"])
        assert (got.status_code, got.headers["allow"]) == (405, "GET, HEAD")

        got = await client.get("/old")
        print(got.status_code, got.headers["location"])
        assert (got.status_code, got.headers["location"]) == (303, "/hello")

        got = await client.get("/down")
        print(got.status_code, got.text)
        assert (got.status_code, got.text) == (500, "<h1>Down</h1>")

        got = await client.get("/session")
        print(got.status_code, got.headers["set-cookie"])
        assert "Expires=Thu, 22 Jan 2037 12:00:10 GMT" in got.headers["set-cookie"]


if __name__ == "__main__":
    anyio.run(main)
