"""What `dumps` does when orjson refuses a value on the fast path.

orjson does not say where it stopped, so the value is walked again in Python, which
names the path of a real error. One refusal is no error at all: orjson takes only exact
str dict keys, while egress writes a key that is a str subclass (a StrEnum member, a
`class Key(str)`) as its str value, as the other backends do. Turning on orjson's
OPT_NON_STR_KEYS instead would slow every dict down (2.3x on dict-heavy payloads) and
let int keys through, so such a value is written from the walk, on this path only.

The first attempt ran up to the key orjson refused and consumed every iterator before
it; a generator cannot be walked again, so such a value is an EncodeError saying so,
never output with an emptied array.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from egress.encoders._backends import encode_orjson
from egress.encoders._errors import EncodeError
from egress.encoders._walk import Walker

if TYPE_CHECKING:
    from egress.encoders._plan import Plan

__all__ = ["after_refusal"]


class _Rewalk(Walker):
    """The walk after a refusal: notes str-subclass keys, and the iterators the first
    attempt consumed before reaching one."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan, strict_strings=True)
        self.saw_str_subclass_key = False
        self._consumed: str | None = None  # path of the first iterator orjson consumed

    def _key(self, key: object) -> str:
        if isinstance(key, str) and not self.saw_str_subclass_key:
            self.saw_str_subclass_key = True
            if self._consumed is not None:
                raise EncodeError(
                    f"dict key {key!r} is a {type(key).__qualname__}, which orjson accepts "
                    f"only as an exact str, so the value is written again from the start; "
                    f"the iterator at {self._consumed} was used up by the first attempt",
                    type_name="dict",
                    hint="Pass that iterator as a list, or the keys as str (str(key))",
                )
        return super()._key(key)

    def _encode(self, value: Any, cls: type) -> Any:
        unreached = self._consumed is None and not self.saw_str_subclass_key
        if unreached and isinstance(value, Iterator):
            self._consumed = self._path()
        return super()._encode(value, cls)


def after_refusal(plan: Plan, value: Any, error: Exception) -> bytes:
    """The JSON for `value` when orjson refused only str-subclass keys; otherwise raise
    the EncodeError that names where and why."""
    cause = error.__cause__
    if isinstance(cause, EncodeError) and cause.path != "$":
        raise cause from cause.__cause__
    walker = _Rewalk(plan)
    try:
        plain = walker.walk(value)
    except EncodeError as located:
        raise located from cause
    except Exception as raised:  # an encoder that raised: name it
        raise EncodeError(f"an encoder raised {raised!r}") from cause
    if isinstance(cause, Exception):
        raise EncodeError(f"an encoder raised {cause!r}") from cause
    if walker.saw_str_subclass_key:
        try:
            return encode_orjson(plain)
        except orjson.JSONEncodeError as refused:  # e.g. a key holding a lone surrogate
            error = refused
    raise EncodeError(str(error)) from None
