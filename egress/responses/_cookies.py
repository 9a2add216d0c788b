"""Set-Cookie rendering (RFC 6265 plus `Partitioned`), done here rather than by the
stdlib's SimpleCookie, which lacks `Partitioned` before Python 3.14 and quietly
quotes values a browser would not read back the same way."""

from __future__ import annotations

import re
import time
from datetime import datetime

from egress.responses._headers import http_date

__all__ = ["render_cookie"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
_COOKIE_VALUE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# An attribute value (Path, Domain) may hold anything visible but ';'.
_ATTRIBUTE_VALUE = re.compile(r"[\x20-\x3a\x3c-\x7e]*")
_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}


def _attribute(name: str, value: str) -> str:
    if not isinstance(value, str) or not _ATTRIBUTE_VALUE.fullmatch(value):
        raise ValueError(f"cookie {name} {value!r} must be visible ASCII without ';'")
    return value


def _expires(expires: int | float | datetime) -> str:
    if isinstance(expires, datetime):
        return http_date(expires)
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        return http_date(time.time() + expires)
    raise TypeError(
        f"cookie expires must be seconds from now (int/float) or a datetime, got {expires!r}"
    )


def render_cookie(
    key: str,
    value: str = "",
    max_age: int | None = None,
    expires: int | float | datetime | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = "lax",
    partitioned: bool = False,
) -> str:
    """The value of one Set-Cookie header; ValueError for anything a browser would
    misread or that could inject another attribute or header."""
    if not isinstance(key, str) or not _TOKEN.fullmatch(key):
        raise ValueError(
            f"invalid cookie name {key!r}: a cookie name is an HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~)"
        )
    if not isinstance(value, str) or not _COOKIE_VALUE.fullmatch(value):
        raise ValueError(
            f"cookie {key!r}: value {value!r} may only hold visible ASCII without spaces, "
            "'\"', ',', ';' or '\\'; encode it first (urllib.parse.quote or base64)"
        )
    parts = [f"{key}={value}"]
    if expires is not None:
        parts.append(f"Expires={_expires(expires)}")
    if max_age is not None:
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise TypeError(f"cookie {key!r}: max_age must be an int, got {max_age!r}")
        parts.append(f"Max-Age={max_age}")
    if domain is not None:
        parts.append(f"Domain={_attribute('domain', domain)}")
    if path is not None:
        parts.append(f"Path={_attribute('path', path)}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        canonical = _SAMESITE.get(samesite.lower()) if isinstance(samesite, str) else None
        if canonical is None:
            raise ValueError(
                f"cookie {key!r}: samesite must be 'lax', 'strict' or 'none', got {samesite!r}"
            )
        if canonical == "None" and not secure:
            raise ValueError(f"cookie {key!r}: browsers drop SameSite=None without secure=True")
        parts.append(f"SameSite={canonical}")
    if partitioned:
        if not secure:
            raise ValueError(f"cookie {key!r}: browsers drop Partitioned without secure=True")
        parts.append("Partitioned")
    return "; ".join(parts)
