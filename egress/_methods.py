"""The HTTP methods an endpoint answers: checked at decoration, enforced per request.

A router such as Starlette's `Route` or Lilya's `Path` passes every method to an ASGI app
mounted without `methods=`, so the endpoint itself must refuse the ones it does not
serve: 405 with an `Allow` header, as RFC 9110 asks. GET brings HEAD with it (as in
Starlette and Lilya): HEAD is GET without the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from egress._http_error import HTTPError
from egress.types import Message, Send

__all__ = ["DEFAULT_METHODS", "allowed_methods", "not_allowed", "without_body"]

DEFAULT_METHODS = ("GET", "HEAD")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 §5.6.2


def allowed_methods(methods: Iterable[str]) -> tuple[str, ...]:
    """The upper-cased methods, in the order given, HEAD added after GET; a clear error
    for anything that is not a list of method names."""
    if isinstance(methods, (str, bytes)) or not isinstance(methods, Iterable):
        raise TypeError(
            f"methods= takes a sequence of method names such as ('GET', 'POST'), got {methods!r}"
        )
    allowed: list[str] = []
    for method in methods:
        if not isinstance(method, str) or not _TOKEN.fullmatch(method):
            raise ValueError(
                f"methods= holds {method!r}, which is not an HTTP method name "
                "(a token such as 'GET' or 'PATCH')"
            )
        if method.upper() not in allowed:
            allowed.append(method.upper())
    if not allowed:
        raise ValueError("methods= is empty; an endpoint answers at least one method")
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return tuple(allowed)


def not_allowed(method: str, allowed: tuple[str, ...]) -> HTTPError:
    """The 405 for `method`, with the `Allow` header listing what the endpoint answers."""
    listed = ", ".join(allowed)
    return HTTPError(
        405,
        f"method {method} is not allowed here; this endpoint answers {listed}",
        headers={"allow": listed},
    )


def without_body(send: Send) -> Send:
    """`send` for a HEAD request: the head goes out unchanged (so Content-Length still
    says what GET would send), then one empty body message ends the response. Whatever
    the response sends after that is dropped; a stream sees the client go away (servers
    report a disconnect once the response is complete) and stops."""
    ended = False

    async def send_head(message: Message) -> None:
        nonlocal ended
        if message["type"] == "http.response.start":
            await send(message)
        elif not ended:
            ended = True
            await send({"type": "http.response.body", "body": b""})

    return send_head
