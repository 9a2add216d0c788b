"""`Response`: a rendered body plus the head (status and headers), sent as an ASGI app.

As in Starlette, the constructor renders the body, then builds the headers, so an
encoding error surfaces before any byte is sent, and `__call__` only sends. Subclasses
change `render` and the class attributes (`media_type`, `charset`, `status_code`...);
the Content-Type header is computed from those attributes when a response is built, so
`PlainText.media_type = "text/markdown"` set at any time is what is sent.

Content a Response cannot render itself, an object with the result protocol, goes to
the pipeline through `_conversion` (the pipeline builds on the responses, which never
import it). Coroutine content is awaited when the response is sent (or when
`resolve_async_content()` is), then taken as if it had been given.

Headers are held in the ASGI form (a list of lower-cased latin-1 byte pairs) from the
start; only headers a user supplies are validated. Every message sent is a new dict with
a new headers list: middleware may edit what it is given in place (GZip sets
Content-Encoding, CORS appends Vary), and a Response sent again (a module-level
`NOT_FOUND`, a cached one) must not carry those edits with it.

Hooks for subclasses that send their body another way (streams, files):
- `_init_head(status_code, headers, media_type, background, content_length=None)`
- `_start_message()` (a new `http.response.start` message each call) and `raw_headers`
- `await _run_background()` once the last body byte is sent
- `set_cookie` / `delete_cookie`, inherited as they are
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from types import CoroutineType
from typing import Any, Generic, Literal, TypeVar, cast

from egress.encoders import EncoderRegistry
from egress.encoders import registry as default_registry
from egress.encoders._scoped import registry_for
from egress.responses import _conversion
from egress.responses._background import BackgroundTask, BackgroundTasks, run_logged
from egress.responses._cookies import CookieMethods
from egress.responses._headers import (
    Headers,
    HeadersInput,
    RawHeaders,
    content_type_header,
    encode_headers,
)
from egress.responses._mistakes import MistakenNames, wrong_status_keyword
from egress.responses._response_class import (
    DATA,
    PLAIN_TYPES,
    ResponseClass,
    allows_body,
    checked_status,
)
from egress.types import Message, Receive, Scope, Send

__all__ = [
    "PLAIN_TYPES",
    "Body",
    "BodyTranslate",
    "Message",
    "Receive",
    "Response",
    "Scope",
    "Send",
    "allows_body",
    "with_body",
]

T = TypeVar("T")
R = TypeVar("R", bound="Response[Any]")
Body = bytes | bytearray | memoryview
BodyTranslate = Literal["str", "repr", "result", "custom"]

_STRATEGIES = frozenset({"str", "repr", "result", "custom"})


def with_body(cls: type[R], body: bytes, encoders: EncoderRegistry) -> R:
    """A `cls` response around `body` (rendered already, by `encoders`) with every class
    default: what `cls(content, encoders=encoders)` builds, without the constructor's
    argument handling. The pipeline's path for JSON with no status or headers of its own
    (most responses: `_head`'s common case is inlined here)."""
    response: R = object.__new__(cls)
    response.encoders = encoders
    response._set_body(body)
    return response


class Response(MistakenNames, CookieMethods, Generic[T], metaclass=ResponseClass):
    """A complete HTTP response and the ASGI app that sends it."""

    media_type: str | None = None
    charset: str = "utf-8"
    status_code: int = 200
    passthrough_body_types: tuple[type, ...] = (bytes,)
    background: BackgroundTask | BackgroundTasks | None = None
    encoders: EncoderRegistry = default_registry
    raw_headers: RawHeaders
    _body: bytes
    # What is left to do before the body exists: await coroutine content and render it.
    _pending: Callable[[], Awaitable[None]] | None = None
    _content_type: tuple[bytes, bytes] | None  # set by the class's metaclass
    _bodied_content_type: tuple[bytes, bytes] | None  # likewise

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
        status: None = None,
    ) -> None:
        if (
            content.__class__ in DATA
            and status_code is None
            and headers is None
            and media_type is None
            and background is None
            and body_translate is None
            and encoders is None
            and passthrough_body_types is None
            and status is None
        ):  # the common case, every class default: what the general path below does
            body = self.render(content)  # type: ignore[arg-type]  # content is a T
            self._set_body(body if body.__class__ is bytes else self._encode(body))
            return
        if status is not None:  # not a parameter: there to say that `status_code` is
            wrong_status_keyword(type(self))
        if encoders is not None:
            self.encoders = registry_for(encoders)
        if passthrough_body_types is not None:
            self.passthrough_body_types = (bytes, *passthrough_body_types)
        if background is not None:
            self.background = background
        if status_code is not None:
            self.status_code = checked_status(status_code)
        if media_type is not None:
            self.media_type = media_type
        if body_translate is not None and body_translate not in _STRATEGIES:
            raise ValueError(
                f"body_translate must be one of 'str', 'repr', 'result', 'custom' or None, "
                f"got {body_translate!r}"
            )
        if content.__class__ is CoroutineType:
            self._await_content(content, body_translate, status_code, headers, media_type)
        elif (
            content.__class__ not in PLAIN_TYPES and _conversion.pipeline.converts(content)
            if body_translate is None
            else body_translate == "result"
        ):
            head = self._explicit_head(headers, media_type)
            converted = _conversion.pipeline.convert(content, self.encoders, status_code, head)
            self._become(converted)
            if media_type is not None:
                self.media_type = media_type
        else:
            body = self._render_body(content, body_translate)
            length = body.nbytes if isinstance(body, memoryview) else len(body)
            self.raw_headers = self._head(headers, media_type, length)
            self._body = body

    def _set_body(self, body: bytes) -> None:
        """`body` (rendered) with the head every class default gives it."""
        pair = self._bodied_content_type
        if pair is not None:
            self.raw_headers = [(b"content-length", b"%d" % len(body)), pair]
        else:
            self.raw_headers = self._head(None, None, len(body))
        self._body = body

    def render(self, content: T) -> bytes | str:
        """Turn `content` into the body: override it in a subclass (and it is the
        `"custom"` strategy). The base class takes bytes and str as they are."""
        if isinstance(content, (bytes, str)):
            return content
        if isinstance(content, (bytearray, memoryview)):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} cannot render {type(content).__name__}: give bytes or str, "
            "use JSONResponse for data, body_translate='str' / 'repr', or override "
            f"render(self, content) -> bytes | str in {type(self).__name__} (view.py's _custom)"
        )

    def _render_body(self, content: Any, body_translate: BodyTranslate | None) -> bytes:
        if body_translate is not None:
            if body_translate == "str":
                rendered: bytes | str = str(content)
            elif body_translate == "repr":
                rendered = repr(content)
            elif type(self).render is Response.render and type(content) not in (bytes, str):
                raise TypeError(
                    f"{type(self).__name__} uses body_translate='custom' but does not override "
                    "render(self, content) -> bytes | str, the method that turns its content "
                    "into the body (view.py's _custom)"
                )
            else:
                rendered = self.render(content)
        elif type(content) not in DATA and isinstance(content, self.passthrough_body_types):
            # handed to the server as it is: a passthrough buffer stands for its bytes
            return cast(bytes, content)
        elif content is None and not (
            type(self).render is not Response.render and allows_body(self.status_code)
        ):
            return b""  # None is no body, unless a subclass renders it (JSON: null)
        else:
            rendered = self.render(content)
        return rendered if rendered.__class__ is bytes else self._encode(rendered)

    def _encode(self, text: bytes | str) -> bytes:
        return text.encode(self.charset) if isinstance(text, str) else text

    @property
    def body(self) -> bytes:
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
        self._body = cast(bytes, value)  # a buffer is sent as it is, standing for its bytes

    # -- content that is not there yet, content the pipeline converted -------------------

    def _await_content(
        self,
        coroutine: CoroutineType[Any, Any, Any],
        body_translate: BodyTranslate | None,
        status_code: int | None,
        headers: HeadersInput,
        media_type: str | None,
    ) -> None:
        """Keep the explicit head; once the coroutine is awaited, its value is taken as if
        it had been given to the constructor (with the head as it is by then: explicit
        headers, and cookies or headers set since)."""
        self.raw_headers = self._explicit_head(headers, media_type)

        async def settle() -> None:
            value = await coroutine
            Response.__init__(
                self,
                value,
                status_code,
                self.raw_headers,
                media_type,
                body_translate=body_translate,
            )

        self._pending = settle

    def _explicit_head(self, headers: HeadersInput, media_type: str | None) -> RawHeaders:
        """The user's headers (validated) and an explicit media type's Content-Type: the
        head that wins over what converted or awaited content brings."""
        raw = [] if headers is None else encode_headers(headers)
        if media_type is not None and all(name != b"content-type" for name, _ in raw):
            raw.append(cast(tuple[bytes, bytes], content_type_header(media_type, self.charset)))
        return raw

    def _become(self, converted: Response[Any]) -> None:
        """Take status, media type, headers and body from `converted`, the response this
        one's content converted to (explicit arguments already applied to it)."""
        self.status_code = converted.status_code
        self.media_type = converted.media_type
        if converted._pending is None:
            self.raw_headers = list(converted.raw_headers)
            self._body = converted.body
            return
        # Still pending: share its head, so what is set here meanwhile is kept when it
        # resolves, then take what it resolved to.
        self.raw_headers = converted.raw_headers

        async def settle() -> None:
            await converted.resolve_async_content()
            self._become(converted)

        self._pending = settle

    async def resolve_async_content(self) -> None:
        """Await coroutine content and render it; afterwards `body` and Content-Length
        exist. Does nothing when the content was not a coroutine (or is resolved)."""
        while self._pending is not None:
            pending, self._pending = self._pending, None
            await pending()

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
        validated), Content-Type and background, without touching the body: subclasses
        that send their body themselves call this instead of `__init__`.

        `content_length`: an int sets Content-Length (replacing a user-supplied one);
        None sets none and keeps a user-supplied one (streams).
        """
        if status_code is not None:
            self.status_code = checked_status(status_code)
        if background is not None:
            self.background = background
        if media_type is not None:
            self.media_type = media_type
        self.raw_headers = self._head(headers, media_type, content_length)

    def _head(
        self, headers: HeadersInput, media_type: str | None, content_length: int | None
    ) -> RawHeaders:
        """The user's headers (validated), then Content-Length (when given) and the class's
        Content-Type (unless the user's headers hold one). Statuses that carry no body
        (1xx, 204, 304) get no Content-Length, and a Content-Type only when `media_type`
        was given explicitly."""
        status = self.status_code
        bodied = status >= 200 and status != 204 and status != 304  # allows_body(), inlined
        if headers is None and bodied and content_length is not None:  # the common case
            length = (b"content-length", b"%d" % content_length)
            pair = (
                self._content_type
                if media_type is None
                else content_type_header(media_type, self.charset)
            )
            return [length] if pair is None else [length, pair]
        raw = [] if headers is None else encode_headers(headers)
        names = {name for name, _ in raw}
        if bodied:
            if content_length is not None:
                if b"content-length" in names:
                    raw = [pair for pair in raw if pair[0] != b"content-length"]
                raw.append((b"content-length", b"%d" % content_length))
        elif content_length:
            raise ValueError(f"a {self.status_code} response cannot carry a body")
        if (bodied or media_type is not None) and b"content-type" not in names:
            pair = (
                self._content_type
                if media_type is None
                else content_type_header(media_type, self.charset)
            )
            if pair is not None:
                raw.append(pair)
        return raw

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

    # -- sending ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # _start_message() and _run_background() inlined: this runs for every response.
        try:
            body = self._body
        except AttributeError:  # coroutine content, still to resolve
            await self.resolve_async_content()
            body = self.body
        await send(
            {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": [*self.raw_headers],
            }
        )
        await send({"type": "http.response.body", "body": body})
        if self.background is not None:
            await run_logged(self.background)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code})"
