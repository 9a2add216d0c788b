"""MessagePack bytes of the data a registry writes as JSON, written by msgspec in C.

msgspec's MessagePack encoder writes several types its own way (a datetime as a timestamp
extension, bytes as binary, NaN as a float) and asks its `enc_hook` only for the types it
does not know, so by itself it would neither write the JSON form nor hear the registry.
The first of three routes that may write a document writes it:

- JSON-native data (orjson writes it with the registry's options and no `default`, so it
  holds no datetime, dataclass, bytes, non-str key or wide integer): msgspec packs the
  value itself, asking the registry only for what it does not know (pre-encoded JSON).
- Where the JSON engine lets msgspec write whole documents (`Plan.msgspec_route`: no user
  encoder claims a type msgspec writes itself), `msgspec.to_builtins` turns the value
  into msgspec's canonical forms, which are the JSON form (datetime text, base64 bytes,
  dataclass fields, Enum values, keys as text), asking the registry for the rest; then
  msgspec packs that.
- Otherwise, and whenever the first two cannot write a document exactly: the registry's
  JSON, decoded and packed by msgspec.

Where msgspec's forms are not the JSON form, the packed bytes show it, and a scan costing
a fraction of the packing finds it: NaN and Infinity (null in JSON) are the only float64
with an all-ones exponent (`cb 7f f_`, `cb ff f_`), and a float dict key with an exponent
is written by `to_builtins` as Python's repr (`1e+16`, `1e-07`, where JSON has `1e16`,
`1e-7`), so it holds `e+` or `e-0`. A hit, true or not, sends the document to the JSON
route, which is always exact. Measured in `benchmarks/msgpack.py`.

No memory of past documents, unlike the JSON engine's sites: orjson refusing a document
costs about a microsecond when the refused value comes early (a row's datetime), while
guessing "not JSON-native" wrongly would cost a large JSON-native document three times
its packing, and a response has no call site of its own (one registry serves every route).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
import orjson

from egress.encoders._engine import Registry
from egress.encoders._errors import EncodeError
from egress.encoders._plan import Plan, RawJSON
from egress.encoders._refused import write_from_walk

__all__ = ["packb"]

_pack = msgspec.msgpack.Encoder().encode
_json_decode = msgspec.json.Decoder().decode
_to_builtins = msgspec.to_builtins
_orjson_dumps = orjson.dumps
_JSONEncodeError = orjson.JSONEncodeError
_non_finite = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]").search
_exponent_key = re.compile(rb"e(?:\+|-0)").search


def packb(registry: Registry, value: Any) -> bytes:
    """MessagePack bytes of the data `registry.dumps(value)` writes as JSON."""
    plan = registry.engine_plan
    if plan is None:  # another backend, or a pre-walk: the registry writes the JSON
        return _from_json(registry.dumps(value))
    try:
        text = _orjson_dumps(value, None, plan.option)
    except _JSONEncodeError:
        if plan.msgspec_route:
            return _Attempt(registry, plan).pack(value)
        return _from_json(registry.dumps(value))
    try:
        packed = _native_packer(plan)(value)
    except Exception:  # the registry refused what orjson wrote: the JSON decides
        return _from_json(text)
    return _from_json(text) if _non_finite(packed) else packed


def _from_json(text: bytes) -> bytes:
    """The JSON route: the document's data, decoded and packed."""
    try:
        return _pack(_json_decode(text))
    except OverflowError:
        raise EncodeError(
            "an integer is outside the 64-bit range MessagePack can carry",
            type_name="int",
            hint="Send it as a str instead",
        ) from None


def _data(plan: Plan, value: Any) -> Any:
    """What the registry makes of a value msgspec does not know, as Python data."""
    out = plan.walk_table[value.__class__](value)
    return _json_decode(out.data) if out.__class__ is RawJSON else out


_packers: tuple[Plan, Any] | None = None  # the latest plan's packer, swapped in whole


def _native_packer(plan: Plan) -> Any:
    """msgspec's MessagePack encoder with the registry as its hook, one per plan (an
    encoder per call would cost its setup every time): the latest plan's is kept."""
    global _packers
    found = _packers
    if found is None or found[0] is not plan:
        found = _packers = (plan, msgspec.msgpack.Encoder(enc_hook=lambda v: _data(plan, v)).encode)
    return found[1]


class _EncoderRaised(Exception):
    """An encoder raised inside `to_builtins`'s hook (its error is the cause)."""


class _Attempt:
    """One document through `to_builtins`; keeps what the registry made of one-shot
    iterators (id -> (iterator, result)), so the JSON route, if needed, writes the same
    items rather than an emptied array."""

    __slots__ = ("memo", "plan", "registry")

    def __init__(self, registry: Registry, plan: Plan) -> None:
        self.registry = registry
        self.plan = plan
        self.memo: dict[int, tuple[Any, Any]] = {}

    def _hook(self, value: Any) -> Any:
        try:
            out = self.plan.walk_table[value.__class__](value)
        except Exception as error:
            raise _EncoderRaised from error
        if isinstance(value, Iterator):
            self.memo[id(value)] = (value, out)
        return _json_decode(out.data) if out.__class__ is RawJSON else out

    def pack(self, value: Any) -> bytes:
        raised: BaseException | None = None
        try:
            packed = _pack(_to_builtins(value, enc_hook=self._hook, str_keys=True))
        except _EncoderRaised as error:
            raised = error.__cause__
        except (TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError):
            pass  # msgspec's own refusals (a bool key, a lone surrogate, a wide int...)
        else:
            if not (_non_finite(packed) or _exponent_key(packed)):
                return packed
        if not self.memo and raised is None:
            return _from_json(self.registry.dumps(value))
        return _from_json(write_from_walk(self.plan, value, raised, self.memo))
