"""`Response`: a rendered body plus the head (status and headers), sent as an ASGI app.

The body is rendered in the constructor, so an encoding error surfaces before any
byte is sent, and `__call__` only sends. Headers are held in the ASGI form (a list of
lower-cased latin-1 byte pairs) from the start; only headers a user supplies are
validated, the ones egress writes itself are known to be correct.

Every message sent is a new dict with a new headers list: middleware may edit what it
is given in place (GZip sets Content-Encoding, CORS appends Vary), and a Response sent
again (a module-level `NOT_FOUND`, a cached one) must not carry those edits with it.

Hooks for subclasses that send their body another way (streams, files):
- `_init_head(status_code, headers, media_type, background, content_length=None)`
- `_start_message()` (a new `http.response.start` message each call) and `raw_headers`
- `await _run_background()` once the last body byte is sent
- `set_cookie` / `delete_cookie`, inherited as they are
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine, Sequence
from datetime import datetime, timezone
from types import CoroutineType
from typing import Any, Generic, Literal, TypeVar

from egress._protocol import result_method
from egress.encoders import EncoderRegistry
from egress.encoders import registry as default_registry
from egress.encoders._scoped import registry_for
from egress.responses._background import BackgroundTask, BackgroundTasks, run_logged
from egress.responses._cookies import render_cookie
from egress.responses._headers import (
    Headers,
    HeadersInput,
    RawHeaders,
    encode_header,
    encode_headers,
)

__all__ = ["Body", "BodyTranslate", "Response"]

T = TypeVar("T")
Body = bytes | bytearray | memoryview
BodyTranslate = Literal["str", "repr", "result", "custom"]
Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Coroutine[Any, Any, Message]]
Send = Callable[[Message], Coroutine[Any, Any, None]]

_STRATEGIES = (None, "str", "repr", "result", "custom")
# Values that never carry the result protocol nor are coroutines: the common case
# skips those checks.
_PLAIN_DATA = frozenset({dict, list, str, int, float, bool, tuple})
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def allows_body(status_code: int) -> bool:
    """1xx, 204 and 304 responses carry neither a body nor Content-Length (RFC 9110)."""
    return status_code >= 200 and status_code != 204 and status_code != 304


def _checked_status(status_code: object) -> int:
    if isinstance(status_code, bool) or not isinstance(status_code, int):
        raise TypeError(f"status_code must be an int, got {status_code!r}")
    if not 100 <= status_code <= 599:
        raise ValueError(f"status_code {status_code} is outside 100-599")
    return int(status_code)


def _content_type(media_type: str | None, charset: str) -> bytes | None:
    if media_type is None:
        return None
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = f"{media_type}; charset={charset}"
    return encode_header("content-type", media_type)[1]


class Response(Generic[T]):
    """A complete HTTP response and the ASGI app that sends it."""

    media_type: str | None = None
    charset: str = "utf-8"
    status_code: int = 200
    passthrough_body_types: tuple[type, ...] = (bytes,)
    background: BackgroundTask | BackgroundTasks | None = None
    encoders: EncoderRegistry = default_registry
    raw_headers: RawHeaders
    _body: Body

    _content_type_value: bytes | None = None
    _renders = False
    # The Content-Type of the common case (class defaults, a status that carries a body).
    _plain_content_type: bytes | None = None
    # What resolve_async_content() still has to do: await a coroutine and translate its
    # value, or adopt a converted result whose own content is pending; plus the strategy
    # and whether status and media type were explicit.
    _pending: (
        tuple[Coroutine[Any, Any, Any] | Response[Any], BodyTranslate | None, tuple[bool, bool]]
        | None
    ) = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._content_type_value = _content_type(cls.media_type, cls.charset)
        cls._renders = cls.render is not Response.render
        bodied = allows_body(cls.status_code)
        cls._plain_content_type = cls._content_type_value if bodied else None

    def __init__(
        self,
        content: T | None = None,
        status_code: int | None = None,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
        *,
        body_translate: BodyTranslate | None = None,
        encoders: EncoderRegistry | Sequence[Any] | None = None,
        passthrough_body_types: Collection[type] | None = None,
    ) -> None:
        if encoders is not None:
            self.encoders = registry_for(encoders)
        if passthrough_body_types is not None:
            self.passthrough_body_types = (bytes, *passthrough_body_types)
        if body_translate is None and content.__class__ in _PLAIN_DATA:
            rendered = self.render(content)  # type: ignore[arg-type]
            body: Body = rendered if rendered.__class__ is bytes else self._encode(rendered)
            content_type = self._plain_content_type
            if status_code is None and headers is None and media_type is None and content_type:
                # The common case: straight to the two headers egress writes itself.
                self._body = body
                self.raw_headers = [
                    (b"content-length", b"%d" % len(body)),
                    (b"content-type", content_type),
                ]
                if background is not None:
                    self.background = background
                return
        elif body_translate not in _STRATEGIES:
            raise ValueError(
                f"body_translate must be one of 'str', 'repr', 'result', 'custom' or None, "
                f"got {body_translate!r}"
            )
        elif isinstance(content, CoroutineType):
            self._init_head(status_code, headers, media_type, background)
            explicit = (status_code is not None, media_type is not None)
            self._pending = (content, body_translate, explicit)
            return
        else:
            translated = self._translate(content, body_translate, status_code)
            if isinstance(translated, Response):
                self._init_head(status_code, headers, media_type, background)
                explicit = (status_code is not None, media_type is not None)
                if translated._pending is not None:
                    self._pending = (translated, body_translate, explicit)
                else:
                    self._adopt(translated, *explicit)
                return
            body = translated
        self._body = body
        self._init_head(status_code, headers, media_type, background, _length(body))

    # -- the body ---------------------------------------------------------------------

    @property
    def body(self) -> Body:
        """The rendered body; with coroutine content, only once it is resolved."""
        try:
            return self._body
        except AttributeError:
            if self._pending is not None:
                raise RuntimeError(
                    f"{type(self).__name__}.body is not available yet: its content is a "
                    "coroutine; `await response.resolve_async_content()` first (sending the "
                    "response does it)"
                ) from None
            raise AttributeError(
                f"{type(self).__name__} has no body: it sends its content as it goes"
            ) from None

    @body.setter
    def body(self, value: Body) -> None:
        self._body = value

    def render(self, content: T) -> bytes | str:
        """The `"custom"` strategy: override to turn `content` into the body."""
        if isinstance(content, (bytes, str)):
            return content
        if isinstance(content, (bytearray, memoryview)):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} cannot render {type(content).__name__}: give bytes or str, "
            "use JSONResponse for data, or body_translate='str' / 'repr'"
        )

    def _encode(self, text: bytes | str) -> bytes:
        return text.encode(self.charset) if isinstance(text, str) else text

    def _plain_body(self, content: Any, status_code: int | None) -> bytes:
        if content is None and not (self._renders and allows_body(status_code or self.status_code)):
            return b""
        return self._encode(self.render(content))

    def _translate(
        self, content: Any, strategy: BodyTranslate | None, status_code: int | None
    ) -> Body | Response[Any]:
        """The body for `content` under `strategy`, or the Response a result converted to
        (`status_code`: the constructor's, which decides whether None means no body)."""
        if strategy is None:
            if isinstance(content, self.passthrough_body_types):
                return content  # type: ignore[return-value]
            if result_method(content) is not None:
                strategy = "result"
            else:
                return self._plain_body(content, status_code)
        if strategy == "str":
            return str(content).encode(self.charset)
        if strategy == "repr":
            return repr(content).encode(self.charset)
        if strategy == "custom":
            return self._encode(self.render(content))
        found = result_method(content)
        if found is None:
            raise TypeError(
                f"body_translate='result' needs an object with __response__() or "
                f"__view_result__(), got {type(content).__name__}"
            )
        from egress.pipeline import to_response  # late: the pipeline builds on responses

        encoders = None if self.encoders is default_registry else self.encoders
        return to_response(found[1](), encoders=encoders)

    def _adopt(self, converted: Response[Any], explicit_status: bool, explicit_media: bool) -> None:
        """Take body, status, headers and media type from a converted result; what the
        constructor was given explicitly (status, media type, headers) wins."""
        default_type = None if explicit_media else self._content_type_value
        kept = [
            (name, value)
            for name, value in self.raw_headers
            if name != b"content-length" and not (name == b"content-type" and value == default_type)
        ]
        ours = {name for name, _ in kept}
        taken = [
            (name, value)
            for name, value in converted.raw_headers
            if name == b"set-cookie" or (name not in ours and name != b"content-length")
        ]
        self.raw_headers = kept + taken
        if not explicit_media:
            self.media_type = converted.media_type
        if not explicit_status:
            self.status_code = converted.status_code
        self._set_body(converted.body)

    def _set_body(self, body: Body) -> None:
        self._body = body
        if allows_body(self.status_code):
            self.raw_headers = [pair for pair in self.raw_headers if pair[0] != b"content-length"]
            self.raw_headers.append((b"content-length", b"%d" % _length(body)))
        elif body:
            raise ValueError(f"a {self.status_code} response cannot carry a body")

    async def resolve_async_content(self) -> None:
        """Await coroutine content and render it; afterwards `body` and Content-Length
        exist. Does nothing when the content was not a coroutine (or is resolved)."""
        if self._pending is None:
            return
        source, strategy, (explicit_status, explicit_media) = self._pending
        self._pending = None
        if isinstance(source, Response):
            translated: Body | Response[Any] = source
        else:
            translated = self._translate(await source, strategy, None)
        if isinstance(translated, Response):
            await translated.resolve_async_content()
            self._adopt(translated, explicit_status, explicit_media)
        else:
            self._set_body(translated)

    # -- the head ---------------------------------------------------------------------

    def _init_head(
        self,
        status_code: int | None,
        headers: HeadersInput,
        media_type: str | None,
        background: BackgroundTask | BackgroundTasks | None,
        content_length: int | None = None,
    ) -> None:
        """Set status (validated; None means the class default), headers (user ones
        validated), Content-Type and background, without touching the body.

        `content_length`: an int sets Content-Length (replacing a user-supplied one);
        None sets none and keeps a user-supplied one (streams). Statuses that carry no
        body (1xx, 204, 304) get no Content-Length and no default Content-Type.
        Subclasses that send their body themselves call this instead of `__init__`.
        """
        if status_code is not None:
            if status_code.__class__ is not int or not 100 <= status_code <= 599:
                status_code = _checked_status(status_code)
            self.status_code = status_code
        if background is not None:
            self.background = background
        if media_type is None:
            content_type = self._content_type_value
        else:
            self.media_type = media_type
            content_type = _content_type(media_type, self.charset)
        if headers is None:
            raw: RawHeaders = []
        else:
            raw = encode_headers(headers)
            names = {name for name, _ in raw}
            if b"content-type" in names:
                content_type = None
            if content_length is not None and b"content-length" in names:
                raw = [pair for pair in raw if pair[0] != b"content-length"]
        if allows_body(self.status_code):
            if content_length is not None:
                raw.append((b"content-length", b"%d" % content_length))
            if content_type is not None:
                raw.append((b"content-type", content_type))
        elif content_length:
            raise ValueError(f"a {self.status_code} response cannot carry a body")
        elif media_type is not None and content_type is not None:
            raw.append((b"content-type", content_type))
        self.raw_headers = raw

    @property
    def headers(self) -> Headers:
        """The headers as a case-insensitive multi-dict; edits change what is sent."""
        return Headers._view(self.raw_headers)

    def _start_message(self) -> Message:
        """A new ASGI `http.response.start` message, with its own copy of the headers."""
        return {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": list(self.raw_headers),
        }

    async def _run_background(self) -> None:
        """Run the background task(s), logging instead of raising: call it only after
        the last body byte is sent."""
        if self.background is not None:
            await run_logged(self.background)

    # -- cookies ----------------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: int | float | datetime | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a Set-Cookie header. `expires`: seconds from now, an absolute datetime (a
        naive one is UTC), or a preformatted HTTP date string (`"Thu, 22 Jan 2037
        12:00:10 GMT"`), sent as given. Invalid names, values or attributes raise
        ValueError."""
        cookie = render_cookie(
            key, value, max_age, expires, path, domain, secure, httponly, samesite, partitioned
        )
        self.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop a cookie; path and domain must match how it was set."""
        self.set_cookie(
            key,
            max_age=0,
            expires=_EPOCH,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- sending ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # _start_message() and _run_background() inlined: this runs for every response.
        if self._pending is not None:
            await self.resolve_async_content()
        await send(
            {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": list(self.raw_headers),
            }
        )
        await send({"type": "http.response.body", "body": self._body})
        if self.background is not None:
            await run_logged(self.background)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code})"


def _length(body: Body) -> int:
    return body.nbytes if isinstance(body, memoryview) else len(body)
