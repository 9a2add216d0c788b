"""The Response family: ASGI apps with a rendered body, headers, cookies and background work."""

from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response
from egress.responses._files import FileResponse
from egress.responses._headers import Headers, http_date
from egress.responses._json import JSON, JSONResponse, JsonResponse, Ok
from egress.responses._msgpack import MessagePackResponse
from egress.responses._ndjson import NDJSONResponse
from egress.responses._ranges import ByteRange, RangeNotSatisfiable
from egress.responses._redirect import RedirectResponse
from egress.responses._sse import EventSourceResponse, ServerSentEvent
from egress.responses._streaming import StreamingResponse
from egress.responses._text import HTML, Error, HTMLResponse, PlainText, PlainTextResponse

__all__ = [
    "HTML",
    "JSON",
    "BackgroundTask",
    "BackgroundTasks",
    "ByteRange",
    "Error",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "Headers",
    "JSONResponse",
    "JsonResponse",
    "MessagePackResponse",
    "NDJSONResponse",
    "Ok",
    "PlainText",
    "PlainTextResponse",
    "RangeNotSatisfiable",
    "RedirectResponse",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "http_date",
]
