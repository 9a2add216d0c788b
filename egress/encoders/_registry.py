"""EncoderRegistry: registration, ordering and the encode entry points."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

import orjson

from egress.encoders import _backends
from egress.encoders._builtins import DEFAULT_MAX_ITEMS, builtin_encoders
from egress.encoders._decoders import Decoders
from egress.encoders._encoder import Encoder, FunctionEncoder
from egress.encoders._errors import EncodeError
from egress.encoders._plan import NATIVE_TYPES, Entry, Plan
from egress.encoders._walk import Explained, Walker

__all__ = ["EncoderRegistry", "dumps", "register_encoder", "registry", "to_jsonable"]

F = TypeVar("F", bound=Callable[..., Any])
_seq = itertools.count()  # global, so a copy's later registrations still win ties
_JSONEncodeError = orjson.JSONEncodeError
_orjson_dumps = orjson.dumps


def _target_types(target: type | tuple[type, ...]) -> tuple[type, ...]:
    targets = target if isinstance(target, tuple) else (target,)
    for t in targets:
        if not isinstance(t, type):
            raise TypeError(f"register() expects a type or a tuple of types, got {t!r}")
        if t in NATIVE_TYPES:
            raise ValueError(
                f"{t.__name__} is written natively by every JSON backend, so an encoder for "
                "it would never run; register one for a subclass, or convert the value first"
            )
    return targets


class EncoderRegistry:
    """Priority-ordered type handlers and the JSON backends that use them."""

    def __init__(
        self, builtins: bool = True, *, backend: str = "orjson", max_items: int = DEFAULT_MAX_ITEMS
    ) -> None:
        _check_backend(backend)
        self._backend = backend
        self.max_items = max_items
        self._lock = threading.Lock()
        self._entries: list[Entry] = []
        if builtins:
            self._entries = [
                Entry(e, e.priority, next(_seq), True) for e in builtin_encoders(max_items)
            ]
        self.decoders = Decoders()
        self._install(Plan(self._entries))

    # -- registration -------------------------------------------------------------------

    @overload
    def register(  # type: ignore[overload-overlap]
        self,
        target: type | tuple[type, ...],
        serialize: None = None,
        *,
        predicate: None = None,
        priority: int | None = None,
        name: str | None = None,
    ) -> Callable[[F], F]: ...

    @overload
    def register(
        self,
        target: Encoder[Any] | type[Encoder[Any]] | type | tuple[type, ...] | None = None,
        serialize: Callable[[Any], Any] | None = None,
        *,
        predicate: Callable[[Any], bool] | None = None,
        priority: int | None = None,
        name: str | None = None,
    ) -> Encoder[Any]: ...

    def register(
        self,
        target: Any = None,
        serialize: Any = None,
        *,
        predicate: Any = None,
        priority: int | None = None,
        name: str | None = None,
    ) -> Any:
        """Add an encoder; the forms:

        - `register(MyEncoder)` or `register(MyEncoder())`: an Encoder class or instance;
        - `register(Money, str)`: a type (or tuple of types) and a function;
        - `@register(Money)` over a function: the decorator form;
        - `register(predicate=has_json, serialize=lambda v: v.__json__())`: by value.

        `priority` (default: the encoder's own, else 0) orders encoders, higher first;
        on a tie the more specific class, then the newer registration, wins.
        """
        if isinstance(target, type) and issubclass(target, Encoder):
            target = target()
        if isinstance(target, Encoder):
            if serialize is not None or predicate is not None:
                raise TypeError("register(encoder) takes no serialize or predicate argument")
            _target_types(target.target_types())
            return self._add(target, priority, name)
        if predicate is not None:
            if serialize is None:
                raise TypeError(
                    "register(predicate=...) needs serialize=: the function that "
                    "turns a matching value into something encodable"
                )
            types = _target_types(target) if target is not None else ()
            encoder = FunctionEncoder(serialize, types=types, predicate=predicate)
            return self._add(encoder, priority, name)
        if target is None:
            raise TypeError("register() needs a type, an Encoder, or predicate= and serialize=")
        types = _target_types(target)
        if serialize is None:

            def decorator(fn: F) -> F:
                self._add(FunctionEncoder(fn, types=types), priority, name)
                return fn

            return decorator
        return self._add(FunctionEncoder(serialize, types=types), priority, name)

    def _add(self, encoder: Encoder[Any], priority: int | None, name: str | None) -> Encoder[Any]:
        if name is not None:
            encoder.name = name
        if priority is not None:
            encoder.priority = priority
        with self._lock:
            entry = Entry(encoder, encoder.priority, next(_seq), False)
            self._entries = [*self._entries, entry]
            self._install(Plan(self._entries))
        return encoder

    def unregister(self, key: str | Encoder[Any] | type) -> None:
        """Remove encoders by name, by instance, or by the type they are registered for."""

        def matches(entry: Entry) -> bool:
            encoder = entry.encoder
            if isinstance(key, str):
                return encoder.name == key
            if isinstance(key, Encoder):
                return encoder is key
            if isinstance(key, type) and issubclass(key, Encoder):
                return type(encoder) is key
            return key in encoder.target_types()

        with self._lock:
            kept = [e for e in self._entries if not matches(e)]
            if len(kept) == len(self._entries):
                raise KeyError(f"no encoder registered as {key!r}; see registry.encoders()")
            self._entries = kept
            self._install(Plan(kept))

    @property
    def state(self) -> object:
        """An object that changes whenever the registry does (for caches built on it)."""
        return self._plan

    def encoders(self) -> list[Encoder[Any]]:
        """Every encoder, in the order they are tried (priority, then newest first)."""
        return [e.encoder for e in self._plan.entries]

    def copy(self) -> EncoderRegistry:
        """An independent snapshot: changes to either leave the other alone."""
        clone = EncoderRegistry(builtins=False, backend=self.backend, max_items=self.max_items)
        with self._lock:
            clone._entries = list(self._entries)
            clone.decoders = self.decoders.copy()
        clone._install(Plan(clone._entries))
        return clone

    @property
    def backend(self) -> str:
        """The JSON backend `dumps` uses when none is named (fixed at construction)."""
        return self._backend

    def _install(self, plan: Plan) -> None:
        # `_fast` is the plan when a plain `dumps(value)` can go straight to orjson, so
        # the hot path decides with one attribute read.
        self._fast = plan if self.backend == "orjson" and not plan.prewalk else None
        self._plan = plan

    # -- encoding -------------------------------------------------------------------------

    def dumps(self, value: Any, *, backend: str | None = None) -> bytes:
        """JSON bytes for `value`; EncodeError (a TypeError) names what failed and where."""
        plan = self._fast if backend is None else self._direct(backend)
        if plan is not None:
            try:
                return _orjson_dumps(value, plan.default, plan.option)
            except _JSONEncodeError as error:
                raise _diagnose(plan, value, error) from error.__cause__
        return self._walk_dumps(self._plan, value, backend or self.backend)

    def _direct(self, backend: str) -> Plan | None:
        """The plan when `backend` can encode straight from it: orjson, no pre-walk."""
        _check_backend(backend)
        plan = self._plan
        return plan if backend == "orjson" and not plan.prewalk else None

    def _walk_dumps(self, plan: Plan, value: Any, backend: str) -> bytes:
        if backend == "msgspec":
            plain = Walker(plan, float_hook=_backends.msgspec_float_hook).walk(value)
            encode = _backends.encode_msgspec
        else:
            plain = Walker(plan).walk(value)
            encode = _backends.encode_orjson if backend == "orjson" else _backends.encode_stdlib
        try:
            return encode(plain)
        except (_JSONEncodeError, UnicodeEncodeError) as error:
            raise _diagnose(plan, plain, error) from None

    def to_jsonable(self, value: Any) -> Any:
        """The plain data (dict/list/str/int/float/bool/None) that `dumps` would write."""
        return Walker(self._plan, parse_fragments=True).walk(value)

    def explain(self, value: Any) -> list[Explained]:
        """Which encoder handled which part of `value`: (path, type, encoder) rows."""
        rows: list[Explained] = []
        Walker(self._plan, record=rows).walk(value)
        return rows

    # -- decoding (request text to typed values) ------------------------------------------

    def decode(self, raw: str, target: Any) -> Any:
        """Convert request text (a path or query parameter) to `target`; ValueError if not."""
        return self.decoders.decode(raw, target)

    def register_decoder(self, target: type, parse: Callable[[str], Any]) -> None:
        """Teach `decode` a type: `parse` takes the text and raises ValueError on bad input."""
        self.decoders.register(target, parse)


def _check_backend(backend: str) -> None:
    if backend not in _backends.BACKENDS:
        raise ValueError(
            f"unknown JSON backend {backend!r}; choose one of "
            + ", ".join(repr(b) for b in _backends.BACKENDS)
        )


def _diagnose(plan: Plan, value: Any, error: Exception) -> EncodeError:
    """Locate a failure the fast path reported without a place, by walking again."""
    cause = error.__cause__
    if isinstance(cause, EncodeError) and cause.path != "$":
        return cause
    try:
        Walker(plan, strict_strings=True).walk(value)
    except EncodeError as located:
        return located
    except Exception as located:  # an encoder that raised: name it and where
        return EncodeError(f"an encoder raised {located!r}")
    if isinstance(cause, Exception):
        return EncodeError(f"an encoder raised {cause!r}")
    return EncodeError(str(error))


registry = EncoderRegistry()
"""The default registry: what `egress.dumps` and the responses use unless told otherwise."""

dumps = registry.dumps
to_jsonable = registry.to_jsonable
register_encoder = registry.register
