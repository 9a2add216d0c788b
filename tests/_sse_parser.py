"""An event-stream parser that follows the WHATWG HTML standard (§ Server-sent events,
"Interpreting an event stream") step by step, fed bytes as they arrive: what a
browser's EventSource makes of what egress sends.

Beyond what the standard keeps, it records the comment lines (the pings) and each
`retry` it applied, so tests can see them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Event:
    type: str
    data: str
    last_event_id: str


@dataclass
class EventStreamParser:
    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retries: list[int] = field(default_factory=list)
    last_event_id: str = ""
    _data: str = ""
    _event_type: str = ""
    _last_event_id_buffer: str = ""
    _pending: str = ""
    _started: bool = False

    def __post_init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, chunk: bytes) -> list[Event]:
        """Parse `chunk`; return the events it completed (also kept in `events`)."""
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")  # one leading BOM is skipped
        self._pending += text
        dispatched: list[Event] = []
        while match := _LINE_BREAK.search(self._pending):
            if match.group() == "\r" and match.end() == len(self._pending):
                break  # a CR at the end may be the first half of a CRLF
            line, self._pending = self._pending[: match.start()], self._pending[match.end() :]
            event = self._line(line)
            if event is not None:
                dispatched.append(event)
        self.events += dispatched
        return dispatched

    def _line(self, line: str) -> Event | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments.append(line[1:].removeprefix(" "))
            return None
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "event":
            self._event_type = value
        elif name == "data":
            self._data += value + "\n"
        elif name == "id" and "\0" not in value:
            self._last_event_id_buffer = value
        elif name == "retry" and value and all("0" <= char <= "9" for char in value):
            self.retries.append(int(value))
        return None

    def _dispatch(self) -> Event | None:
        self.last_event_id = self._last_event_id_buffer
        if not self._data:
            self._event_type = ""
            return None
        event = Event(
            self._event_type or "message", self._data.removesuffix("\n"), self.last_event_id
        )
        self._data = self._event_type = ""
        return event


def parse(body: bytes) -> EventStreamParser:
    parser = EventStreamParser()
    parser.feed(body)
    return parser
