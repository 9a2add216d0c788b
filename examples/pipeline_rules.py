"""What the pipeline makes of each kind of return value (docs/pipeline.md)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from egress import HTTPError, Pipeline, make_response, to_response, to_response_async
from egress.responses import HTMLResponse, PlainText


@dataclass
class Pen:
    name: str
    price_cents: int


class Created:
    """The result protocol: what __response__() returns is converted again."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __response__(self) -> Any:
        return f"created {self.name}", 201, {"location": f"/pens/{self.name}"}


class MyObject:
    """view.py's own example: a static method works as well as an instance method."""

    @staticmethod
    def __view_result__() -> Any:
        return "Hello from MyObject!", {"x-www-myobject": "foo"}


def show(label: str, value: Any) -> None:
    response = to_response(value)
    kind = response.headers.get("content-type", "-")
    print(f"{label:<28} {response.status_code} {kind:<28} {response.body!r}")


show("dict", {"id": 7})
show("dataclass", Pen("fountain", 1250))
show("str", "Hello")
show("bytes", b"\x89PNG")
show("None", None)
show("tuple spec", ("Hello", 201, {"x-my-header": "v"}))
show("tuple spec, other order", ({"x-my-header": "v"}, 202, [1, 2]))
show("body and headers (view.py)", ("Hello", {"x-my-header": "v"}))
show("dict and status (Flask)", ({"id": 7}, 201))
show("dict, status, headers", ({"id": 7}, 201, {"location": "/pens/7"}))
show("tuple of data", (1, 2, 3))
show("two dicts, no status: data", ({"a": "b"}, {"c": "d"}))
show("result protocol", Created("quill"))
show("static __view_result__", MyObject())
show("HTTPError", HTTPError(404))
show("HTTPError with a detail", HTTPError(409, detail={"taken": "quill"}))

assert to_response({"id": 7}).body == b'{"id":7}'
assert to_response("Hello").headers["content-type"] == "text/plain; charset=utf-8"
assert to_response(None).status_code == 204
spec = to_response(("Hello", 201, {"x-my-header": "v"}))
assert (spec.status_code, spec.body, spec.headers["x-my-header"]) == (201, b"Hello", "v")
assert to_response((1, 2, 3)).body == b"[1,2,3]"
flask = to_response(({"id": 7}, 201))
assert (flask.status_code, flask.body) == (201, b'{"id":7}')
view = to_response(MyObject())
assert (view.status_code, view.body) == (200, b"Hello from MyObject!")
assert view.headers["x-www-myobject"] == "foo"
assert to_response(({"a": "b"}, {"c": "d"})).body == b'[{"a":"b"},{"c":"d"}]'
assert to_response(Created("quill")).headers["location"] == "/pens/quill"
assert to_response(HTTPError(404)).body == b'{"detail":"Not Found"}'
assert to_response(HTTPError(409, detail={"taken": "quill"})).body == (
    b'{"detail":{"taken":"quill"}}'
)

# Lilya's helper: the class renders the content as it is, no tuple or str rules.
made = make_response({"id": 7}, status_code=201)
print("make_response               ", made.status_code, made.body)
assert (made.status_code, made.body) == (201, b'{"id":7}')


# Coroutines: to_response defers them to send time; to_response_async awaits them now.
async def load() -> tuple[str, int]:
    return "loaded", 200


async def main() -> None:
    response = await to_response_async(load())
    print("to_response_async           ", response.status_code, response.body)
    assert isinstance(response, PlainText)
    assert response.body == b"loaded"


asyncio.run(main())

# A framework's own rules: HTML for str, 200 for None, no tuple specs.
html = Pipeline(str_class=HTMLResponse, none_status=200, tuples=False)
page = html.to_response("<h1>hi</h1>")
print("Pipeline(str_class=HTML)    ", page.headers["content-type"], page.body)
assert page.headers["content-type"] == "text/html; charset=utf-8"
assert html.to_response(("a", 201)).body == b'["a",201]'
