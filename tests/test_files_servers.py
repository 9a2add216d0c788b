"""FileResponse on real servers (uvicorn, hypercorn with its asyncio and trio workers,
granian), checked with curl and httpx over loopback. granian advertises
`http.response.pathsend`, so whole-file downloads there go through that extension;
ranges are read by egress everywhere. Paths that cannot be served answer 404/403
with one warning line, the same for HEAD as for GET."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests._servers import SERVERS, serve
from tests.apps_files import unreadable_file

pytestmark = pytest.mark.timeout(60)

CURL = shutil.which("curl")
DATA = random.Random(4).randbytes(1_000_003)
BIG_SIZE = 64 * 1024 * 1024

needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("served")
    (directory / "data.bin").write_bytes(DATA)
    (directory / "notes.txt").write_text("hello\n")
    (directory / "sub").mkdir()
    with (directory / "big.bin").open("wb") as big:
        big.truncate(BIG_SIZE)  # sparse: large, yet costs no disk
    (directory / "loop").symlink_to(directory / "loop")
    os.mkfifo(directory / "fifo")
    unreadable = unreadable_file(tmp_path_factory.mktemp("unreadable"))
    if unreadable is not None:
        (directory / "unreadable").symlink_to(unreadable)
    return directory


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server process writes what egress and the server log."""
    path = tmp_path_factory.mktemp("logs") / "server.log"
    path.touch()
    return path


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, files: Path, log: Path) -> Iterator[tuple[str, str]]:
    env = {"EGRESS_TEST_FILES": str(files), "EGRESS_TEST_LOG": str(log)}
    with serve("tests.apps_files:app", request.param, env=env) as url:
        yield request.param, url


@pytest.fixture
def base_url(server: tuple[str, str]) -> str:
    return server[1]


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert CURL is not None
    return subprocess.run(
        [CURL, "--silent", "--show-error", *args], capture_output=True, timeout=30
    )


def test_pathsend_is_offered_where_expected(server: tuple[str, str]) -> None:
    name, url = server
    extensions = httpx.get(f"{url}/extensions", timeout=10).text.split()
    assert ("http.response.pathsend" in extensions) == (name == "granian")


def test_whole_file_with_validators(base_url: str) -> None:
    response = httpx.get(f"{base_url}/files/data.bin", timeout=10)
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["accept-ranges"] == "bytes"
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', response.headers["etag"])
    assert response.headers["last-modified"].endswith(" GMT")


@needs_curl
def test_curl_resumes_a_download(base_url: str, tmp_path: Path) -> None:
    partial = tmp_path / "data.bin"
    partial.write_bytes(DATA[:300_000])
    result = curl("-C", "-", "-o", str(partial), f"{base_url}/files/data.bin")
    assert result.returncode == 0, result.stderr
    assert partial.read_bytes() == DATA


@needs_curl
def test_curl_head(base_url: str) -> None:
    result = curl("-I", f"{base_url}/files/notes.txt?filename=notes.txt")
    head = result.stdout.decode().lower()
    assert head.startswith("http/1.1 200")
    assert "content-length: 6\r\n" in head
    assert "content-type: text/plain; charset=utf-8\r\n" in head
    assert 'content-disposition: attachment; filename="notes.txt"\r\n' in head


@needs_curl
def test_curl_unsatisfiable_range(base_url: str) -> None:
    result = curl("-i", "-r", "2000000-", f"{base_url}/files/data.bin")
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.lower().startswith(b"http/1.1 416")
    assert f"content-range: bytes */{len(DATA)}".encode() in head.lower()
    assert body == b""


@needs_curl
def test_curl_not_modified(base_url: str) -> None:
    etag = httpx.head(f"{base_url}/files/data.bin", timeout=10).headers["etag"]
    result = curl("-i", "-H", f"If-None-Match: {etag}", f"{base_url}/files/data.bin")
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.lower().startswith(b"http/1.1 304")
    assert f"etag: {etag}".encode() in head.lower()
    assert body == b""


def test_if_modified_since(base_url: str) -> None:
    last_modified = httpx.head(f"{base_url}/files/data.bin", timeout=10).headers["last-modified"]
    headers = {"if-modified-since": last_modified}
    assert httpx.get(f"{base_url}/files/data.bin", headers=headers).status_code == 304
    old = {"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert httpx.get(f"{base_url}/files/data.bin", headers=old).status_code == 200


def _parts(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Parse multipart/byteranges strictly: delimiters, CRLFs and the close delimiter."""
    delimiter = f"--{boundary}".encode()
    assert body.endswith(delimiter + b"--\r\n")
    chunks = body[: -len(delimiter + b"--\r\n")].split(delimiter + b"\r\n")
    assert chunks[0] == b""
    parts = []
    for chunk in chunks[1:]:
        head, _, data = chunk.partition(b"\r\n\r\n")
        assert data.endswith(b"\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append(({k.lower(): v for k, v in fields.items()}, data[:-2]))
    return parts


def test_multiple_ranges_part_by_part(base_url: str) -> None:
    response = httpx.get(
        f"{base_url}/files/data.bin", headers={"range": "bytes=0-99,5000-5099,-10"}, timeout=10
    )
    assert response.status_code == 206
    media_type, _, boundary = response.headers["content-type"].partition("; boundary=")
    assert media_type == "multipart/byteranges"
    assert int(response.headers["content-length"]) == len(response.content)
    parts = _parts(response.content, boundary)
    size = len(DATA)
    expected = [(0, 99), (5000, 5099), (size - 10, size - 1)]
    assert len(parts) == len(expected)
    for (headers, data), (first, last) in zip(parts, expected, strict=True):
        assert headers["content-type"] == "application/octet-stream"
        assert headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert data == DATA[first : last + 1]


def test_lilyas_custom_range_policy(base_url: str) -> None:
    # /custom serves with tests.apps_files.CustomFileResponse: max_ranges=None (no limit),
    # and the whole file when any range is 50 bytes or less.
    twenty = [(first, first + 99) for first in range(0, 40_000, 2_000)]
    header = "bytes=" + ",".join(f"{first}-{last}" for first, last in twenty)
    with httpx.Client(timeout=10) as client:
        many = client.get(f"{base_url}/custom/data.bin", headers={"range": header})
        tiny = client.get(f"{base_url}/custom/data.bin", headers={"range": "bytes=0-9,99-199"})
    assert many.status_code == 206
    boundary = many.headers["content-type"].partition("; boundary=")[2]
    parts = _parts(many.content, boundary)
    assert [data for _, data in parts] == [DATA[first : last + 1] for first, last in twenty]
    assert (tiny.status_code, tiny.content) == (200, DATA)


@needs_curl
def test_curl_single_range(base_url: str) -> None:
    result = curl("-i", "-r", "100-199", f"{base_url}/files/data.bin")
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.lower().startswith(b"http/1.1 206")
    assert f"content-range: bytes 100-199/{len(DATA)}".encode() in head.lower()
    assert body == DATA[100:200]


def test_stale_if_range_sends_the_whole_file(base_url: str) -> None:
    headers = {"range": "bytes=0-9", "if-range": '"stale"'}
    response = httpx.get(f"{base_url}/files/data.bin", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.content == DATA
    etag = response.headers["etag"]
    fresh = httpx.get(
        f"{base_url}/files/data.bin", headers={"range": "bytes=0-9", "if-range": etag}
    )
    assert (fresh.status_code, fresh.content) == (206, DATA[:10])


@pytest.mark.parametrize(
    "range_header", ["bytes=abc", "bytes=9-1", "bytes=0-0,2-2,4-4,6-6,8-8,10-10"]
)
def test_ignored_range_headers_send_the_whole_file(base_url: str, range_header: str) -> None:
    response = httpx.get(f"{base_url}/files/data.bin", headers={"range": range_header})
    assert response.status_code == 200
    assert response.content == DATA


def test_several_ranges_without_multipart_send_the_whole_file(base_url: str) -> None:
    response = httpx.get(f"{base_url}/single/data.bin", headers={"range": "bytes=0-1,10-11"})
    assert (response.status_code, response.content) == (200, DATA)


def _get_and_head(url: str, log: Path) -> tuple[httpx.Response, httpx.Response]:
    """GET then HEAD of `url`; each logs one warning line, and nothing else is logged."""
    since = len(log.read_text())
    got, head = httpx.get(url, timeout=10), httpx.head(url, timeout=10)
    deadline = time.monotonic() + 2
    while log.read_text()[since:].count("\n") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = log.read_text()[since:].splitlines()
    assert len(lines) == 2
    for line, answer in zip(lines, (got, head), strict=True):
        assert line.startswith("WARNING egress.responses: FileResponse: ")
        assert line.endswith(f"; answered {answer.status_code}")
    return got, head


def _without_date(response: httpx.Response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.multi_items() if name != "date"]


@pytest.mark.parametrize(
    "name",
    [
        "missing.bin",
        "sub",
        "data.bin/x",
        "loop",  # a symlink loop
        "n" * 300,  # a name too long for the file system
        "data%00.bin",  # a NUL byte
        "fifo",
    ],
)
def test_paths_that_cannot_be_served_answer_404(base_url: str, log: Path, name: str) -> None:
    got, head = _get_and_head(f"{base_url}/files/{name}", log)
    assert (got.status_code, got.text) == (404, "Not Found")
    assert (head.status_code, head.content) == (404, b"")
    assert _without_date(head) == _without_date(got)


def test_a_file_that_may_not_be_read_answers_403(base_url: str, files: Path, log: Path) -> None:
    if not (files / "unreadable").is_symlink():
        pytest.skip("no file this process is refused permission to read")
    got, head = _get_and_head(f"{base_url}/files/unreadable", log)
    assert (got.status_code, got.text) == (403, "Forbidden")
    assert (head.status_code, head.content) == (403, b"")
    assert _without_date(head) == _without_date(got)


def test_non_ascii_filename(base_url: str) -> None:
    response = httpx.head(f"{base_url}/files/notes.txt", params={"filename": "résumé.txt"})
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"r_sum_.txt\"; filename*=utf-8''r%C3%A9sum%C3%A9.txt"
    )


def _open_files(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/open-files", timeout=10).text)


def _wait_for_no_open_files(base_url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _open_files(base_url) == 0:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("range_header", [None, "bytes=1000-"], ids=["whole", "range"])
def test_a_disconnect_closes_the_file(base_url: str, range_header: str | None) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    extra = f"Range: {range_header}\r\n" if range_header else ""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET /files/big.bin HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode())
        received = 0
        while received < 1024 * 1024:  # mid-body: 1 MiB of 64 MiB
            data = sock.recv(65536)
            assert data
            received += len(data)
        if range_header:  # read by egress on every server (whole files: pathsend on granian)
            assert _open_files(base_url) == 1
    assert _wait_for_no_open_files(base_url, 2), "the file stayed open after the disconnect"


def test_complete_downloads_close_the_file(base_url: str) -> None:
    for _ in range(3):
        assert httpx.get(f"{base_url}/files/data.bin", headers={"range": "bytes=5-"}).is_success
    assert _wait_for_no_open_files(base_url, 2)
