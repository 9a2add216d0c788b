"""Content negotiation (RFC 9110 §12.5): parse `Accept` or `Accept-Encoding` once, then
choose among the server's offers. Pure functions over text; nothing here knows responses.

The rules, and what egress decides where the RFC leaves a choice:
- Each list element is a media range (`type/subtype`, `type/*`, `*/*`) or, in
  Accept-Encoding, a content coding (`gzip`, `*`), with an optional weight `q=` from 0 to 1
  with at most three decimals. Names are case-insensitive.
- An offer takes the weight of the most specific range that matches it (`text/plain` over
  `text/*` over `*/*`); of equally specific ranges naming it twice, the higher weight. A
  weight of 0 means "not acceptable": an offer matched only by `q=0` is never chosen.
- The acceptable offer with the highest weight wins; ties go to the server's order.
- An element that does not parse (a bad range, a bad or out-of-range `q`, an unclosed
  quote) is ignored, as RFC 9110 §5.6.1 has recipients ignore what they cannot use; a field
  left with no valid element at all is disregarded, which §12.5.1 allows: the answer is then
  the server's first offer, as when the field is absent.
- Media type parameters other than `q` are not matched (the offers carry none), so
  `application/json; charset=utf-8` counts as `application/json`.
- Accept-Encoding: `identity` is acceptable unless excluded (`identity;q=0`, or `*;q=0`
  with no `identity` element); a coding is chosen over the body as it is unless the client
  weighs `identity` (by name or by `*`) above it. An absent field asks for no coding
  (`best_encoding` returns None: send the body as it is).

Parsing is one pass over the text: the field is split on commas and each element on
semicolons, so the work grows linearly with its length, whatever the client sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["Preferences", "best_encoding", "best_media_type", "field_value", "parse"]

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_RANGE = re.compile(rf"(\*/\*|{_TOKEN}/\*|{_TOKEN}/{_TOKEN})")
_CODING = re.compile(_TOKEN)
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")
_WHITESPACE = " \t"

Offer = str | Sequence[str]
"""An offer: one name, or a name and the aliases answered for it (`("gzip", "x-gzip")`)."""


class Preferences:
    """A parsed field: the weight (in thousandths) given to each name, to each `type/*`
    and to `*` / `*/*`. `valid` is False when the field held no element that parsed."""

    __slots__ = ("anything", "exact", "partial", "valid")

    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.partial: dict[str, int] = {}
        self.anything: int | None = None
        self.valid = False

    def weight(self, names: Sequence[str]) -> int | None:
        """The weight of the most specific element matching any of `names` (one offer's
        name and aliases, lower case): an alias named with `q=0` excludes the offer even
        if another alias only falls under `*/*`. None when no element matches."""
        found = [self.exact[name] for name in names if name in self.exact]
        if not found:
            found = [
                self.partial[t] for t in {n.partition("/")[0] for n in names} if t in self.partial
            ]
        if found:
            return max(found)
        return self.anything

    def _add(self, name: str, weight: int) -> None:
        self.valid = True
        if name == "*" or name == "*/*":
            self.anything = weight if self.anything is None else max(self.anything, weight)
            return
        table, key = self.exact, name
        if name.endswith("/*"):
            table, key = self.partial, name[:-2]
        previous = table.get(key)
        table[key] = weight if previous is None else max(previous, weight)


def field_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The value of the list field `name` (lower case) among ASGI header pairs, its
    lines joined with commas as RFC 9110 §5.3 allows; None when it is absent."""
    found = [value for key, value in headers if key == name]
    if not found:
        return None
    return found[0] if len(found) == 1 else b", ".join(found)


def _elements(field: str) -> Iterator[str]:
    """The field's elements: split on commas, except inside a quoted parameter value
    (pieces with an odd count of unescaped quotes are joined back). Linear in the text."""
    pending: list[str] = []
    quotes = 0
    for piece in field.split(","):
        if '"' in piece:
            quotes += piece.count('"') - piece.count('\\"')
        if quotes % 2:
            pending.append(piece)
            continue
        if pending:
            pending.append(piece)
            piece = ",".join(pending)
            pending.clear()
        yield piece
    # an element left with an unclosed quote does not parse: ignored


def _weight(parameters: list[str]) -> int | None:
    """The `q` parameter in thousandths (1000 without one), None if a parameter is bad."""
    for parameter in parameters:
        name, equals, value = parameter.partition("=")
        name = name.strip(_WHITESPACE)
        if not equals or not name:
            return None
        if name == "q" or name == "Q":
            value = value.strip(_WHITESPACE)
            if _QVALUE.fullmatch(value) is None:
                return None
            whole, _, decimals = value.partition(".")
            return int(whole) * 1000 + int((decimals + "000")[:3])
    return 1000


def parse(field: str | bytes | None, *, media_ranges: bool = True) -> Preferences | None:
    """Parse an `Accept` field (`media_ranges=True`) or an `Accept-Encoding` field; None
    when the field is absent. Bytes are read as latin-1, as ASGI servers hand them over."""
    if field is None:
        return None
    if isinstance(field, bytes):
        field = field.decode("latin-1")
    pattern = _MEDIA_RANGE if media_ranges else _CODING
    preferences = Preferences()
    for element in _elements(field):
        name, *parameters = element.split(";")
        name = name.strip(_WHITESPACE)
        if not name or pattern.fullmatch(name) is None:
            continue  # an empty element (`a,,b`) or one that is not a range: ignored
        weight = _weight(parameters)
        if weight is not None:
            preferences._add(name.lower(), weight)
    return preferences


def _names(offer: Offer) -> Sequence[str]:
    return (offer,) if isinstance(offer, str) else offer


def _choose(preferences: Preferences, offers: Sequence[Offer]) -> tuple[int | None, int]:
    """The index of the best acceptable offer (ties to the earliest), None if none is,
    and its weight."""
    best, best_weight = None, 0
    for index, offer in enumerate(offers):
        weight = preferences.weight([name.lower() for name in _names(offer)])
        if weight is not None and weight > best_weight:
            best, best_weight = index, weight
    return best, best_weight


def best_media_type(
    accept: str | bytes | Preferences | None, offers: Sequence[Offer]
) -> int | None:
    """The index in `offers` of the media type `accept` prefers; the first offer when the
    field is absent or held nothing valid; None when nothing offered is acceptable (406)."""
    preferences = accept if isinstance(accept, Preferences) else parse(accept)
    if preferences is None or not preferences.valid:
        return 0 if offers else None
    return _choose(preferences, offers)[0]


def best_encoding(
    accept_encoding: str | bytes | Preferences | None, offers: Sequence[Offer]
) -> int | None:
    """The index in `offers` of the content coding `accept_encoding` prefers over sending
    the body as it is; None to send it as it is (no field, nothing acceptable, or
    `identity` weighted above every offer)."""
    preferences = (
        accept_encoding
        if isinstance(accept_encoding, Preferences)
        else parse(accept_encoding, media_ranges=False)
    )
    if preferences is None or not preferences.valid:
        return None
    chosen, weight = _choose(preferences, offers)
    # identity competes only when the client weighs it itself (by name or by `*`)
    identity = preferences.weight(("identity",))
    return None if identity is not None and identity > weight else chosen
