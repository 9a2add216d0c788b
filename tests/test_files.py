"""FileResponse over in-process ASGI: headers, conditional requests, ranges, the
overridable range policy, pathsend, re-sending, paths that cannot be served, and
the errors a user can act on."""

from __future__ import annotations

import gzip
import logging
import os
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from lilya.ranges import parse_range_value
from starlette.middleware.gzip import GZipMiddleware

import egress
from egress import Encoder, EncoderRegistry
from egress.responses._files import FileResponse, content_disposition
from egress.responses._ranges import ByteRange
from egress.types import Message
from tests.apps_files import CustomFileResponse, unreadable_file
from tests.apps_streaming import edits_in_place, fetch_raw

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "data.bin"
    file.write_bytes(DATA)
    return file


async def get(app: Any, method: str = "GET", **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, "/", headers=headers)


def test_construction_does_not_touch_the_disk(tmp_path: Path) -> None:
    response = FileResponse(tmp_path / "does-not-exist.pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert "content-length" not in response.headers
    assert response.headers["accept-ranges"] == "bytes"


async def test_whole_file(path: Path) -> None:
    result = await get(FileResponse(path))
    assert result.status_code == 200
    assert result.content == DATA
    assert result.headers["content-length"] == str(len(DATA))
    stat = await anyio.to_thread.run_sync(path.stat)
    assert result.headers["etag"] == f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    assert result.headers["last-modified"].endswith(" GMT")


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("a.txt", "text/plain; charset=utf-8"), ("a.json", "application/json"), ("a", None)],
)
def test_media_type_is_guessed_from_the_name(name: str, media_type: str | None) -> None:
    expected = media_type or "application/octet-stream"
    assert FileResponse(name).headers["content-type"] == expected
    assert FileResponse("x.bin", filename=name).headers["content-type"] == expected
    assert FileResponse(name, media_type="image/png").headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("naïve.txt", "attachment; filename=\"na_ve.txt\"; filename*=utf-8''na%C3%AFve.txt"),
        ('a"b.txt', "attachment; filename=\"a_b.txt\"; filename*=utf-8''a%22b.txt"),
        (
            "evil\r\nx: y",
            "attachment; filename=\"evil__x: y\"; filename*=utf-8''evil%0D%0Ax%3A%20y",
        ),
    ],
)
def test_content_disposition(filename: str, expected: str) -> None:
    assert content_disposition("attachment", filename) == expected
    response = FileResponse("x", filename=filename)
    assert response.headers["content-disposition"] == expected


def test_inline_disposition_and_user_headers_win() -> None:
    inline = FileResponse("x.txt", filename="x.txt", content_disposition_type="inline")
    assert inline.headers["content-disposition"] == 'inline; filename="x.txt"'
    custom = FileResponse("x", filename="x", headers={"content-disposition": "inline"})
    assert custom.headers.getlist("content-disposition") == ["inline"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"content_disposition_type": "attach ment"}, ValueError, "attachment"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
        ({"range_multipart_boundary": "bad boundary!"}, ValueError, "boundary"),
        ({"headers": {"x": "a\r\nb"}}, ValueError, "CR, LF"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        FileResponse("x", **kwargs)


def test_bytes_paths_are_refused() -> None:
    with pytest.raises(TypeError, match=r"str or os\.PathLike"):
        FileResponse(b"x")  # type: ignore[arg-type]


async def test_head_sends_headers_only(path: Path) -> None:
    result = await get(FileResponse(path), "HEAD")
    assert result.status_code == 200
    assert result.content == b""
    assert result.headers["content-length"] == str(len(DATA))
    ranged = await get(FileResponse(path), "HEAD", range="bytes=0-9")
    assert ranged.status_code == 200  # Range applies to GET only


async def test_method_argument_overrides_the_scope(path: Path) -> None:
    result = await get(FileResponse(path, method="head"))
    assert (result.status_code, result.content) == (200, b"")


@pytest.mark.parametrize("name", ["missing.bin", "."])
async def test_missing_or_not_a_file_is_404(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    result = await get(FileResponse(tmp_path / name))
    assert (result.status_code, result.text) == (404, "Not Found")
    assert "not a regular file" in caplog.text


async def test_a_given_stat_result_is_used_and_a_missing_file_still_404(path: Path) -> None:
    stat = await anyio.to_thread.run_sync(path.stat)
    response = FileResponse(path, stat_result=stat)
    assert response.headers["content-length"] == str(len(DATA))
    assert (await get(response)).content == DATA
    await anyio.to_thread.run_sync(path.unlink)
    assert (await get(FileResponse(path, stat_result=stat))).status_code == 404


async def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    result = await get(FileResponse(empty))
    assert (result.status_code, result.content, result.headers["content-length"]) == (200, b"", "0")
    assert (await get(FileResponse(empty), range="bytes=0-")).status_code == 416


@pytest.mark.parametrize("tag", ["{etag}", "W/{etag}", '"x", {etag}', "*"])
async def test_if_none_match_gives_304(path: Path, tag: str) -> None:
    etag = (await get(FileResponse(path), "HEAD")).headers["etag"]
    result = await get(FileResponse(path), **{"if-none-match": tag.format(etag=etag)})
    assert result.status_code == 304
    assert result.content == b""
    assert result.headers["etag"] == etag
    assert "content-length" not in result.headers
    assert "content-type" not in result.headers


async def test_if_none_match_wins_over_if_modified_since(path: Path) -> None:
    head = (await get(FileResponse(path), "HEAD")).headers
    headers = {"if-none-match": '"other"', "if-modified-since": head["last-modified"]}
    assert (await get(FileResponse(path), **headers)).status_code == 200


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("Fri, 01 Jan 2100 00:00:00 GMT", 304),
        ("Mon, 01 Jan 2001 00:00:00 GMT", 200),
        ("garbage", 200),
    ],
)
async def test_if_modified_since(path: Path, since: str, status: int) -> None:
    assert (await get(FileResponse(path), **{"if-modified-since": since})).status_code == status


async def test_a_single_range(path: Path) -> None:
    result = await get(FileResponse(path), range="bytes=10-19")
    assert result.status_code == 206
    assert result.content == DATA[10:20]
    assert result.headers["content-range"] == f"bytes 10-19/{len(DATA)}"
    assert result.headers["content-length"] == "10"


async def test_small_chunks_cover_a_range_exactly(path: Path) -> None:
    result = await get(FileResponse(path, chunk_size=7), range="bytes=100-")
    assert result.content == DATA[100:]


async def test_unsatisfiable_range_is_416(path: Path) -> None:
    result = await get(FileResponse(path), range="bytes=99999-")
    assert result.status_code == 416
    assert result.headers["content-range"] == f"bytes */{len(DATA)}"
    assert result.content == b""


async def test_multipart_with_a_given_boundary(path: Path) -> None:
    response = FileResponse(path, range_multipart_boundary="fixed-boundary")
    result = await get(response, range="bytes=0-1,-2")
    assert result.headers["content-type"] == "multipart/byteranges; boundary=fixed-boundary"
    size = len(DATA)
    assert result.content == (
        b"--fixed-boundary\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Range: bytes 0-1/10240\r\n\r\n" + DATA[:2] + b"\r\n"
        b"--fixed-boundary\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Range: bytes 10238-10239/10240\r\n\r\n" + DATA[size - 2 :] + b"\r\n"
        b"--fixed-boundary--\r\n"
    )
    assert result.headers["content-length"] == str(len(result.content))


async def test_coalesced_ranges_become_one_part(path: Path) -> None:
    response = FileResponse(path, range_multipart_boundary=True)
    result = await get(response, range="bytes=0-9,5-19,20-29")
    assert result.headers["content-range"] == f"bytes 0-29/{len(DATA)}"
    assert result.content == DATA[:30]


async def test_ranges_are_off_when_disallowed(path: Path) -> None:
    response = FileResponse(path, allow_range_requests=False)
    assert "accept-ranges" not in response.headers
    assert (await get(response, range="bytes=0-1")).status_code == 200


async def test_ranges_only_for_200_responses(path: Path) -> None:
    result = await get(FileResponse(path, status_code=404), range="bytes=0-1")
    assert (result.status_code, result.content) == (404, DATA)


class TwoRangesInOrder(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.update(max_ranges=2, enforce_asc=True)
        return super().get_content_ranges_and_multipart(scope, **kwargs)


class AlwaysOneSpan(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        return [ByteRange(0, 1), ByteRange(8, 9)], False


@pytest.mark.parametrize(
    ("header", "status"),
    [("bytes=0-1,4-5", 206), ("bytes=4-5,0-1", 200), ("bytes=0-1,4-5,8-9", 200)],
)
async def test_the_range_policy_is_overridable(path: Path, header: str, status: int) -> None:
    response = TwoRangesInOrder(path, range_multipart_boundary=True)
    assert (await get(response, range=header)).status_code == status


async def test_an_override_may_answer_one_spanning_range(path: Path) -> None:
    result = await get(AlwaysOneSpan(path), range="bytes=0-1,8-9")
    assert result.headers["content-range"] == f"bytes 0-9/{len(DATA)}"
    assert result.content == DATA[:10]


def multipart_parts(response: httpx.Response) -> int:
    return response.content.count(b"Content-Range: bytes ")


async def test_max_ranges_none_lifts_the_limit(path: Path) -> None:
    many = ",".join(f"{first}-{first + 99}" for first in range(0, 4_000, 200))  # 20 ranges
    response = CustomFileResponse(path, range_multipart_boundary=True)
    got = await get(response, range=f"bytes={many}")
    assert (got.status_code, multipart_parts(got)) == (206, 20)
    assert got.headers["content-length"] == str(len(got.content))
    tiny = await get(response, range="bytes=0-9,100-199")  # a 10-byte range: refused
    assert (tiny.status_code, tiny.content) == (200, DATA)
    single = await get(CustomFileResponse(path), range="bytes=0-99")  # max_ranges=1
    assert (single.status_code, single.headers["content-range"]) == (206, "bytes 0-99/10240")
    two = await get(CustomFileResponse(path), range="bytes=0-99,200-299")
    assert (two.status_code, two.content) == (200, DATA)
    assert (await get(response)).content == DATA  # no Range header: the hook is not asked


class LilyaShaped(FileResponse):
    """Lilya's CustomFileResponse as its docs write it, with egress's FileResponse."""

    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[Any, bool]:
        kwargs.setdefault("enforce_asc", False)
        kwargs.setdefault("max_ranges", None if self.range_multipart_boundary else 1)
        content_ranges, _ = super().get_content_ranges_and_multipart(scope, **kwargs)
        for range_def in content_ranges.ranges:
            if range_def.stop - range_def.start + 1 <= 50:
                return None, False
        return content_ranges, len(content_ranges.ranges) > 1


class ReturnsContentRanges(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[Any, bool]:
        ranges = parse_range_value("bytes=0-99", kwargs["size"] - 1)
        return ranges, False


class ReturnsBeyondTheFile(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        return [ByteRange(0, kwargs["size"])], False


class ReturnsRanges(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        return [ByteRange(0, 1)]  # type: ignore[return-value]  # (ranges, multipart) meant


class PassesLilyasKwargs(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        kwargs.update(merge_ranges=False, max_values=kwargs["size"] - 1)
        return super().get_content_ranges_and_multipart(scope, **kwargs)


class AllowsNoRange(FileResponse):
    def get_content_ranges_and_multipart(
        self, scope: dict[str, Any], /, **kwargs: Any
    ) -> tuple[list[ByteRange] | None, bool]:
        return super().get_content_ranges_and_multipart(scope, max_ranges=0, **kwargs)


@pytest.mark.parametrize(
    ("response_class", "error", "match"),
    [
        (LilyaShaped, AttributeError, r"'ranges': egress's range hook returns the list of "),
        (LilyaShaped, AttributeError, r"Lilya's `start` and `stop`"),
        (ReturnsContentRanges, TypeError, r"^ReturnsContentRanges\.get_content_ranges_and_"),
        (ReturnsContentRanges, TypeError, r"returned a ContentRanges \(Lilya's ContentRanges"),
        (ReturnsBeyondTheFile, ValueError, r"ByteRange\(first=0, last=10240\), which is not "),
        (ReturnsRanges, TypeError, r"must return \(a list of ByteRange or None, multipart"),
        (
            PassesLilyasKwargs,
            TypeError,
            r"unexpected keyword arguments max_values, merge_ranges: it takes size",
        ),
        (AllowsNoRange, ValueError, r"max_ranges must be a positive int, or None for no limit"),
    ],
)
async def test_a_range_hook_written_wrong_fails_before_anything_is_sent(
    path: Path, response_class: type[FileResponse], error: type[Exception], match: str
) -> None:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"range", b"bytes=0-9")]}
    client = PathsendClient()
    with pytest.raises(error, match=match):
        await response_class(path, range_multipart_boundary=True)(
            scope, client.receive, client.send
        )
    assert client.messages == []


async def test_a_response_can_be_sent_twice(path: Path) -> None:
    response = FileResponse(path, range_multipart_boundary=True)
    assert (await get(response, range="bytes=0-1,5-6")).status_code == 206
    again = await get(response)
    assert (again.status_code, again.content) == (200, DATA)
    assert "content-range" not in again.headers


async def test_user_validators_win(path: Path) -> None:
    response = FileResponse(path, headers={"etag": '"mine"'})
    assert (await get(response)).headers.get_list("etag") == ['"mine"']
    assert (await get(response, **{"if-none-match": '"mine"'})).status_code == 304


class PathsendClient:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def receive(self) -> Message:
        await anyio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)


async def test_pathsend_when_the_server_offers_it(path: Path) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "extensions": {"http.response.pathsend": {}},
    }
    client = PathsendClient()
    relative = await anyio.to_thread.run_sync(os.path.relpath, path)
    await FileResponse(relative)(scope, client.receive, client.send)
    assert client.messages[1] == {"type": "http.response.pathsend", "path": str(path)}
    ranged = PathsendClient()
    scope["headers"] = [(b"range", b"bytes=0-1")]
    await FileResponse(relative)(scope, ranged.receive, ranged.send)
    assert ranged.messages[1]["body"] == DATA[:2]  # ranges are read, not pathsent


async def test_a_shrinking_file_fails_instead_of_sending_short(path: Path) -> None:
    response = FileResponse(path, stat_result=await anyio.to_thread.run_sync(path.stat))
    await anyio.to_thread.run_sync(path.write_bytes, DATA[:100])
    with pytest.raises(OSError, match="shrank"):
        await get(response)


def _symlink_loop(directory: Path) -> Path:
    loop = directory / "loop"
    loop.symlink_to(loop)
    return loop


def _fifo(directory: Path) -> Path:
    fifo = directory / "fifo"
    os.mkfifo(fifo)
    return fifo


UNSERVABLE = {
    "missing": lambda directory: directory / "missing.bin",
    "directory": lambda directory: directory,
    "below a file": lambda directory: directory / "data.bin" / "x",
    "symlink loop": _symlink_loop,
    "name too long": lambda directory: directory / ("n" * 300),
    "NUL in the path": lambda directory: Path(f"{directory}/data\0.bin"),
    "FIFO": _fifo,  # opening it must not wait for a writer
}


async def _get_and_head(
    target: Path, caplog: pytest.LogCaptureFixture
) -> tuple[httpx.Response, httpx.Response]:
    """GET then HEAD of `target`, each logging exactly one warning line and no traceback."""
    answers = []
    for method in ("GET", "HEAD"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, "egress.responses"), anyio.fail_after(5):
            answers.append(await get(FileResponse(target), method))
        [record] = caplog.records
        assert (record.name, record.levelno, record.exc_info) == (
            "egress.responses",
            logging.WARNING,
            None,
        )
        assert "\n" not in record.getMessage()
        assert f"answered {answers[-1].status_code}" in record.getMessage()
    return answers[0], answers[1]


@pytest.mark.parametrize("case", list(UNSERVABLE))
async def test_a_path_that_cannot_be_served_is_404_for_get_and_head(
    path: Path, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    got, head = await _get_and_head(UNSERVABLE[case](path.parent), caplog)
    assert (got.status_code, got.text) == (404, "Not Found")
    assert (head.status_code, head.content) == (404, b"")
    assert head.headers.multi_items() == got.headers.multi_items()
    assert "is missing or not a regular file" in caplog.text


async def test_a_file_that_may_not_be_read_is_403_for_get_and_head(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreadable = unreadable_file(tmp_path)
    if unreadable is None:
        pytest.skip("no file this process is refused permission to read")
    got, head = await _get_and_head(unreadable, caplog)
    assert (got.status_code, got.text) == (403, "Forbidden")
    assert (head.status_code, head.content) == (403, b"")
    assert head.headers.multi_items() == got.headers.multi_items()
    assert "Permission denied" in caplog.text


def test_a_nul_in_the_path_is_accepted_at_construction() -> None:
    # It can never name a file, but paths are checked when served (404), like any other.
    assert FileResponse("data\0.bin").path == "data\0.bin"


@pytest.mark.parametrize("first_request", [{}, {"range": "bytes=0-1,5-6"}])
async def test_messages_edited_in_place_change_nothing_sent_later(
    path: Path, first_request: dict[str, str]
) -> None:
    stat = await anyio.to_thread.run_sync(path.stat)
    makers = [
        lambda: FileResponse(path, range_multipart_boundary=True),
        lambda: FileResponse(path, stat_result=stat),
        lambda: FileResponse(path.parent / "missing.bin"),
    ]
    for make in makers:
        expected = await get(make())
        response = make()
        await get(edits_in_place(response), **first_request)
        await get(edits_in_place(make()), **first_request)  # any module-level state, too
        again = await get(response)
        assert again.status_code == expected.status_code
        assert again.headers.multi_items() == expected.headers.multi_items()
        assert again.content == expected.content


async def test_behind_gzip_middleware_every_body_is_exact(path: Path) -> None:
    app = GZipMiddleware(FileResponse(path), minimum_size=10)
    for encoding in ["gzip", "identity"] * 2:
        response, raw = await fetch_raw(app, {"accept-encoding": encoding})
        assert response.status_code == 200
        if encoding == "gzip":
            assert response.headers["content-encoding"] == "gzip"
            assert gzip.decompress(raw) == DATA
        else:
            assert "content-encoding" not in response.headers
            assert response.headers["content-length"] == str(len(DATA))
            assert raw == DATA


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class PointEncoder(Encoder[Point]):
    __type__ = Point

    def serialize(self, value: Point) -> list[int]:
        return [value.x, value.y]


def test_encoders_are_accepted_and_kept(path: Path) -> None:
    registry = EncoderRegistry()
    assert FileResponse(path, encoders=registry).encoders is registry
    layered = FileResponse(path, encoders=[PointEncoder()]).encoders
    assert layered.dumps({"at": Point(1, 2)}) == b'{"at":[1,2]}'
    assert FileResponse(path).encoders is egress.registry
