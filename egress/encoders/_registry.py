"""EncoderRegistry: registration, ordering and the encode entry points."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

import orjson

from egress._decoding import Decoders
from egress.encoders import _backends
from egress.encoders._builtins import DEFAULT_MAX_ITEMS, builtin_encoders
from egress.encoders._encoder import (
    Encoder,
    EncoderLike,
    FunctionEncoder,
    ShapedEncoder,
    as_encoder,
    is_encoder_class,
)
from egress.encoders._engine import Site
from egress.encoders._native import NATIVE_TYPES
from egress.encoders._plan import Entry, Plan, Registration
from egress.encoders._walk import Explained, Walker

__all__ = ["EncoderRegistry", "dumps", "register_encoder", "registry", "to_jsonable"]

F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=EncoderLike)
_seq = itertools.count()  # global, so a copy's later registrations still win ties
_JSONEncodeError = orjson.JSONEncodeError
_orjson_dumps = orjson.dumps
_MAX_LAYERS = 128  # layered copies kept per registry (see `layered`)


def _target_types(target: Any) -> tuple[type, ...]:
    targets = target if isinstance(target, tuple) else (target,)
    for t in targets:
        if not isinstance(t, type):
            raise TypeError(
                f"register() expects a type or a tuple of types, got {t!r}; an encoder "
                "object needs serialize(value) and __type__ and/or is_type(value)"
            )
        if t in NATIVE_TYPES:
            raise ValueError(
                f"{t.__name__} is written natively by every JSON backend, so an encoder for "
                "it would never run; register one for a subclass, or convert the value first"
            )
    return targets


# One value of each type every backend writes itself: an encoder that matches by value and
# accepts one of these would never run for them.
_NATIVE_SAMPLES: tuple[object, ...] = ("text", 1, 1.5, True, None, {}, [], ())


class _Unknown:
    """A value of a class no encoder knows: a predicate that accepts it accepts anything."""


def _refuse_native_predicate(encoder: Encoder[Any]) -> None:
    """A Lilya-shaped predicate (an `is_type` without `__type__`) that
    accepts str, int, float, bool, None, dict, list or tuple values: the backends write
    those before any encoder is asked, so it would silently never run for them. Refused
    like an encoder registered for one of those types; a catch-all is allowed."""
    if not isinstance(encoder, ShapedEncoder) or encoder.target_types():
        return
    try:
        if encoder.is_type(_Unknown()):
            return
    except Exception:
        pass
    for sample in _NATIVE_SAMPLES:
        try:
            claimed = encoder.is_type(sample)
        except Exception:
            continue
        if claimed:
            kind = type(sample).__name__
            raise ValueError(
                f"{encoder.name}'s is_type accepts {kind} values, which every JSON backend "
                "writes natively, so it would never run for them; match a subclass of "
                f"{kind} (set __type__ to it), or convert the value first"
            )


class EncoderRegistry:
    """Priority-ordered type handlers and the JSON backends that use them."""

    def __init__(
        self, builtins: bool = True, *, backend: str = "orjson", max_items: int = DEFAULT_MAX_ITEMS
    ) -> None:
        _check_backend(backend)
        self._backend = backend
        self.max_items = max_items
        self._lock = threading.Lock()
        self._site = Site()  # the engine `dumps` found fastest for its documents
        self._entries: list[Entry] = []
        if builtins:
            self._entries = [
                Entry(e, e.name, e.priority, next(_seq), e, True, native)
                for e, native in builtin_encoders(max_items)
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

    @overload
    def register(self, target: S, *, priority: int | None = None, name: str | None = None) -> S: ...

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

        - `register(MyEncoder)` or `register(MyEncoder())`: an Encoder class or instance,
          or a Lilya-shaped one (any class or object with `serialize(value)` and
          `__type__` and/or `is_type(value)`);
        - `register(Money, str)`: a type (or tuple of types) and a function;
        - `@register(Money)` over a function: the decorator form;
        - `register(predicate=has_json, serialize=lambda v: v.__json__())`: by value.

        `priority` (default: the encoder's own, else 0) orders encoders, higher first;
        on a tie the more specific class, then the newer registration, wins. `name` and
        `priority` belong to this registration: the encoder object is never changed.
        Returns the encoder registered (the instance, for a class).
        """
        if (isinstance(target, type) and is_encoder_class(target)) or _is_encoder_object(target):
            if serialize is not None or predicate is not None:
                raise TypeError("register(encoder) takes no serialize or predicate argument")
            return self._add_encoder(target, priority, name)
        if predicate is not None:
            if serialize is None:
                raise TypeError(
                    "register(predicate=...) needs serialize=: the function that "
                    "turns a matching value into something encodable"
                )
            types = _target_types(target) if target is not None else ()
            return self._add_function(serialize, types, predicate, priority, name)
        if target is None:
            raise TypeError("register() needs a type, an Encoder, or predicate= and serialize=")
        types = _target_types(target)
        if serialize is None:

            def decorator(fn: F) -> F:
                self._add_function(fn, types, None, priority, name)
                return fn

            return decorator
        return self._add_function(serialize, types, None, priority, name)

    def _add_encoder(self, candidate: Any, priority: int | None, name: str | None) -> Any:
        encoder, registered = as_encoder(candidate)
        _target_types(encoder.target_types())
        _refuse_native_predicate(encoder)
        self._add(encoder, registered, priority, name)
        return registered

    def _add_function(
        self,
        serialize: Callable[[Any], Any],
        types: tuple[type, ...],
        predicate: Callable[[Any], bool] | None,
        priority: int | None,
        name: str | None,
    ) -> FunctionEncoder:
        encoder = FunctionEncoder(
            serialize, types=types, predicate=predicate, name=name, priority=priority or 0
        )
        self._add(encoder, encoder, None, None)
        return encoder

    def _add(
        self, encoder: Encoder[Any], registered: object, priority: int | None, name: str | None
    ) -> None:
        with self._lock:
            entry = Entry(
                encoder,
                encoder.name if name is None else name,
                encoder.priority if priority is None else priority,
                next(_seq),
                registered,
            )
            self._entries = [*self._entries, entry]
            self._install(Plan(self._entries))

    def unregister(self, key: object) -> None:
        """Remove encoders by name, by the encoder registered (instance or class), or by
        the type they are registered for."""

        def matches(entry: Entry) -> bool:
            if isinstance(key, str):
                return entry.name == key
            if isinstance(key, type):
                return type(entry.registered) is key or key in entry.encoder.target_types()
            return entry.registered is key

        with self._lock:
            kept = [e for e in self._entries if not matches(e)]
            if len(kept) == len(self._entries):
                raise KeyError(f"no encoder registered as {key!r}; see registry.encoders()")
            self._entries = kept
            self._install(Plan(kept))

    def encoders(self) -> list[Registration]:
        """Every registration as (name, priority, encoder), in the order they are tried
        (priority, then newest first)."""
        return [Registration(e.name, e.priority, e.registered) for e in self._plan.entries]

    def copy(self) -> EncoderRegistry:
        """An independent snapshot: changes to either leave the other alone."""
        clone = EncoderRegistry(builtins=False, backend=self.backend, max_items=self.max_items)
        with self._lock:
            clone._entries = list(self._entries)
            clone.decoders = self.decoders.copy()
        clone._install(Plan(clone._entries))
        return clone

    def layered(self, encoders: Iterable[Any]) -> EncoderRegistry:
        """A copy of this registry with `encoders` (Encoder or Lilya-shaped instances or
        classes) registered on top: what `encoders=` on a response or pipeline means.

        Copies are cached per sequence of encoder objects, at most 128, and dropped when
        this registry changes, so the same `encoders=` costs a dict lookup per response
        and a later change to this registry is seen by the next one.
        """
        layer = tuple(encoders)
        layers = self._layers
        key = tuple(map(id, layer))  # the cached layer keeps its objects, so ids stay theirs
        found = layers.get(key)
        if found is not None:
            return found[1]
        copy = self.copy()
        for item in layer:
            try:
                copy._add_encoder(item, None, None)
            except TypeError as error:
                raise TypeError(
                    f"encoders= takes an EncoderRegistry or a sequence of encoders; {error}"
                ) from None
        with self._lock:
            if len(layers) >= _MAX_LAYERS:
                del layers[next(iter(layers))]
            layers[key] = (layer, copy)
        return copy

    @property
    def backend(self) -> str:
        """The JSON backend `dumps` uses when none is named (fixed at construction)."""
        return self._backend

    def _install(self, plan: Plan) -> None:
        # `engine_plan` is the plan when a plain `dumps(value)` can go to the engines (see
        # _engine), so the hot path decides with one attribute read. Layered copies were
        # built on the old state: a new dict, so a copy being built meanwhile lands in
        # the old one.
        self.engine_plan = plan if self.backend == "orjson" and not plan.prewalk else None
        self._site.follow(self.engine_plan)
        self._plan = plan
        self._layers: dict[tuple[int, ...], tuple[tuple[Any, ...], EncoderRegistry]] = {}

    # -- encoding -------------------------------------------------------------------------

    def dumps(self, value: Any, *, backend: str | None = None) -> bytes:
        """JSON bytes for `value`; EncodeError (a TypeError) names what failed and where.

        The "orjson" backend (the default) is orjson and msgspec together, each writing
        the documents it writes fastest (docs/encoders.md, "Engines"); "msgspec" has
        msgspec write every document; "json" writes with the standard library.
        """
        site = self._site
        if not site.mode and backend is None:  # JSON-native data: orjson alone
            try:
                return _orjson_dumps(value, None, site.option)
            except _JSONEncodeError:
                pass
        plan = self.engine_plan
        if backend is None and plan is not None:
            return site.encode(plan, value)
        backend = backend or self.backend
        _check_backend(backend)
        if backend == "orjson" and plan is not None:
            return self._site.encode(plan, value)
        if backend == "msgspec" and self._plan.msgspec_route:
            return self._site.msgspec_only(self._plan, value)
        return self._walk_dumps(self._plan, value, backend)

    def _walk_dumps(self, plan: Plan, value: Any, backend: str) -> bytes:
        """The Python walk's plain data, written by `backend`'s writer."""
        plain = Walker(plan, wide_ints=backend == "orjson", strict_strings=True).walk(value)
        if backend == "msgspec":
            return _backends.encode_msgspec(plain)
        if backend == "orjson":
            return _backends.encode_orjson(plain)
        return _backends.encode_stdlib(plain)

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


def _is_encoder_object(target: object) -> bool:
    """An encoder instance (egress or Lilya-shaped, whole or not) rather than a type or a
    tuple of types."""
    if isinstance(target, Encoder):
        return True
    return not isinstance(target, (type, tuple)) and any(
        hasattr(target, part) for part in ("serialize", "__type__", "is_type")
    )


def _check_backend(backend: str) -> None:
    if backend not in _backends.BACKENDS:
        raise ValueError(
            f"unknown JSON backend {backend!r}; choose one of "
            + ", ".join(repr(b) for b in _backends.BACKENDS)
        )


registry = EncoderRegistry()
"""The default registry: what `egress.dumps` and the responses use unless told otherwise."""

dumps = registry.dumps
to_jsonable = registry.to_jsonable
register_encoder = registry.register
