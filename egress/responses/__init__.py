"""The Response family: ASGI apps with a rendered body, headers, cookies and background work."""

from egress.responses._background import BackgroundTask, BackgroundTasks
from egress.responses._base import Response
from egress.responses._headers import Headers, http_date

__all__ = ["BackgroundTask", "BackgroundTasks", "Headers", "Response", "http_date"]
