"""body_translate: "str", "repr", "custom" (a subclass's render), "result", and None."""

from __future__ import annotations

from typing import Any

from egress import Response


class ListResponse(Response[list[str]]):
    """The "custom" strategy: render decides the body."""

    media_type = "text/plain"

    def render(self, content: list[str]) -> str:
        return "\n".join(f"- {item}" for item in content)


class Created:
    """The result protocol: __response__() returns a handler value, converted again."""

    def __response__(self) -> Any:
        return "created", 201, {"location": "/pens/7"}


cases = [
    ("str", Response(3.5, body_translate="str"), b"3.5"),
    ("repr", Response("hi", body_translate="repr"), b"'hi'"),
    ("custom", ListResponse(["ink", "nib"], body_translate="custom"), b"- ink\n- nib"),
    ("result", Response(Created(), body_translate="result"), b"created"),
    ("None", Response(Created()), b"created"),
]
for label, response, expected in cases:
    print(f"{label:<7} {response.status_code} {response.body!r} {response.headers.multi_items()}")
    assert response.body == expected
assert cases[3][1].status_code == 201
assert cases[3][1].headers["location"] == "/pens/7"
