"""Cookies on any response: set_cookie with every attribute (expires as seconds, a datetime
or an HTTP date string), delete_cookie, and what is refused."""

from __future__ import annotations

from datetime import datetime, timezone

from egress import JSONResponse

response = JSONResponse({"signed_in": True})
response.set_cookie("session", "f3a9c2", max_age=3600, httponly=True, secure=True)
response.set_cookie("theme", "dark", expires=datetime(2030, 1, 1, tzinfo=timezone.utc))
response.set_cookie("embed", "1", secure=True, samesite="none", partitioned=True)
response.set_cookie("promo", "spring", expires="Thu, 22 Jan 2037 12:00:10 GMT")  # sent as given
response.delete_cookie("legacy")
for cookie in response.headers.getlist("set-cookie"):
    print("set-cookie:", cookie)
assert response.headers.getlist("set-cookie")[1] == (
    "theme=dark; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/; SameSite=Lax"
)
assert response.headers.getlist("set-cookie")[3] == (
    "promo=spring; Expires=Thu, 22 Jan 2037 12:00:10 GMT; Path=/; SameSite=Lax"
)
for bad in [
    {"value": "has spaces; Domain=evil.example"},
    {"expires": "22/01/2037"},  # not an HTTP date: pass a datetime instead
    {"path": "/\x1b[2J"},  # a control character
]:
    try:
        response.set_cookie("note", **{"value": "v", **bad})
    except ValueError as error:
        print("refused:", error)
    else:
        raise AssertionError(f"an invalid cookie was accepted: {bad}")
