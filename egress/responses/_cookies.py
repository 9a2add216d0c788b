"""Set-Cookie: rendering (RFC 6265 plus `Partitioned`) and the `set_cookie` and
`delete_cookie` methods every response has.

egress renders cookies itself rather than through the stdlib's SimpleCookie, which lacks
`Partitioned` before Python 3.14 and quietly quotes values a browser would not read back
the same way.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Literal

from egress.responses._headers import TOKEN, RawHeaders, describe_character, http_date

__all__ = ["CookieMethods", "render_cookie"]

# Anything but a cookie-octet: visible ASCII except DQUOTE, comma, semicolon, backslash.
_NOT_COOKIE_OCTET = re.compile(r"[^\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]")
# An attribute value (Path, Domain, a preformatted Expires) may hold anything visible but ';'.
_NOT_ATTRIBUTE_CHARACTER = re.compile(r"[^\x20-\x3a\x3c-\x7e]")
# IMF-fixdate (RFC 9110 §5.6.7), the only form RFC 6265 §4.1.1 lets a server send.
_IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SameSite = Literal["lax", "strict", "none"]


def _attribute(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"cookie {name} must be a str, got {type(value).__name__}")
    found = _NOT_ATTRIBUTE_CHARACTER.search(value)
    if found is not None:
        raise ValueError(
            f"cookie {name} {value!r} contains {describe_character(found.group())}; "
            "it must be visible ASCII without ';'"
        )
    return value


def _preformatted_date(text: str) -> str:
    """A date string given for Expires, sent as it is once it is a real IMF-fixdate
    (`Thu, 22 Jan 2037 12:00:10 GMT`: a calendar date whose weekday is right)."""
    _attribute("expires", text)
    match = _IMF_FIXDATE.fullmatch(text)
    moment = None
    if match is not None:
        weekday, day, month, year, hour, minute, second = match.groups()
        try:
            moment = datetime(
                int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second)
            )
        except ValueError:  # 31 Feb, 25:00...
            moment = None
    if moment is None:
        raise ValueError(
            f"cookie expires {text!r} is not an HTTP date like 'Thu, 22 Jan 2037 12:00:10 GMT' "
            "(IMF-fixdate, as egress.responses.http_date writes it); pass one of those, a "
            "datetime, or seconds from now"
        )
    if _WEEKDAYS[moment.weekday()] != weekday:
        raise ValueError(
            f"cookie expires {text!r}: {day} {month} {year} is a {_WEEKDAYS[moment.weekday()]}, "
            f"not a {weekday}"
        )
    return text


def _expires(expires: int | float | datetime | str) -> str:
    if isinstance(expires, str):
        return _preformatted_date(expires)
    if isinstance(expires, datetime):
        return http_date(expires)
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        return http_date(time.time() + expires)
    raise TypeError(
        "cookie expires must be seconds from now (int/float), a datetime or an HTTP date "
        f"string, got {expires!r}"
    )


def render_cookie(
    key: str,
    value: str = "",
    max_age: int | None = None,
    expires: int | float | datetime | str | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = "lax",
    partitioned: bool = False,
) -> str:
    """The value of one Set-Cookie header; ValueError for anything a browser would
    misread or that could inject another attribute or header."""
    if not isinstance(key, str) or not TOKEN.fullmatch(key):
        raise ValueError(
            f"invalid cookie name {key!r}: a cookie name is an HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~)"
        )
    if not isinstance(value, str):
        raise TypeError(f"cookie {key!r}: value must be a str, got {type(value).__name__}")
    found = _NOT_COOKIE_OCTET.search(value)
    if found is not None:
        raise ValueError(
            f"cookie {key!r}: value {value!r} contains {describe_character(found.group())}; "
            "a cookie value may only hold visible ASCII without spaces, '\"', ',', ';' or "
            "'\\': encode it first (urllib.parse.quote or base64)"
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


class CookieMethods:
    """`set_cookie` and `delete_cookie`, for a class whose `raw_headers` is what it sends
    (every Response)."""

    raw_headers: RawHeaders

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
        samesite: SameSite | None = "lax",
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
        samesite: SameSite | None = "lax",
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
