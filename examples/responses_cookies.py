"""Cookies on any response: set_cookie with every attribute, delete_cookie."""

from __future__ import annotations

from datetime import datetime, timezone

from egress import JSONResponse

response = JSONResponse({"signed_in": True})
response.set_cookie("session", "f3a9c2", max_age=3600, httponly=True, secure=True)
response.set_cookie("theme", "dark", expires=datetime(2030, 1, 1, tzinfo=timezone.utc))
response.set_cookie("embed", "1", secure=True, samesite="none", partitioned=True)
response.delete_cookie("legacy")
for cookie in response.headers.getlist("set-cookie"):
    print("set-cookie:", cookie)
assert response.headers.getlist("set-cookie")[1] == (
    "theme=dark; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/; SameSite=Lax"
)
try:
    response.set_cookie("note", "has spaces; Domain=evil.example")
except ValueError as error:
    print("refused:", error)
else:
    raise AssertionError("an invalid cookie value was accepted")
