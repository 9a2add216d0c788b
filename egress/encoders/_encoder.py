"""The Encoder base class, and the adapters that give plain functions and Lilya-shaped
encoders the same shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

T = TypeVar("T")

__all__ = [
    "Encoder",
    "EncoderLike",
    "FunctionEncoder",
    "ShapedEncoder",
    "as_encoder",
    "is_encoder_class",
]


class Encoder(Generic[T]):
    """One type handler: `serialize` returns something the registry can encode further.

    Set `__type__` to match by isinstance(); or leave it None and override `is_type`
    to match by value (a predicate). Higher `priority` runs first; built-ins are negative.
    `name` and `priority` are defaults: `register(..., name=, priority=)` overrides them
    for one registration, in the registry, never on the encoder.
    """

    __type__: ClassVar[type | tuple[type, ...] | None] = None
    name: str = ""
    priority: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = cls.__name__

    def is_type(self, value: object) -> bool:
        target = self.target_types()
        return bool(target) and isinstance(value, target)

    def serialize(self, value: T) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement serialize()")

    # -- what the registry reads; subclasses rarely need these --------------------------

    def target_types(self) -> tuple[type, ...]:
        """The classes this encoder is registered for (empty for a pure predicate)."""
        target = self.__type__
        if target is None:
            return ()
        return target if isinstance(target, tuple) else (target,)

    def matches_class(self, cls: type) -> int | None:
        """How specifically this encoder claims every instance of `cls`: its distance in
        the MRO (0 = the class itself), or None when it does not claim the class."""
        mro = cls.__mro__
        best: int | None = None
        for target in self.target_types():
            if issubclass(cls, target):
                distance = mro.index(target) if target in mro else len(mro)
                best = distance if best is None else min(best, distance)
        return best

    @property
    def checks_values(self) -> bool:
        """True when `is_type` must be asked for each value (a predicate encoder)."""
        return type(self).is_type is not Encoder.is_type


class FunctionEncoder(Encoder[Any]):
    """A plain function registered for types or for a value predicate."""

    def __init__(
        self,
        serialize: Callable[[Any], Any],
        *,
        types: tuple[type, ...] = (),
        predicate: Callable[[Any], bool] | None = None,
        name: str | None = None,
        priority: int = 0,
    ) -> None:
        self._types = types
        self._predicate = predicate
        self.serialize = serialize  # type: ignore[method-assign,assignment]
        self.name = name or getattr(serialize, "__qualname__", None) or repr(serialize)
        self.priority = priority

    def target_types(self) -> tuple[type, ...]:
        return self._types

    def is_type(self, value: object) -> bool:
        if self._predicate is not None:
            return bool(self._predicate(value))
        return isinstance(value, self._types)

    @property
    def checks_values(self) -> bool:
        return self._predicate is not None


class EncoderLike(Protocol):
    """A Lilya-shaped encoder: `serialize(value)`, with `__type__` and/or `is_type(value)`."""

    def serialize(self, value: Any, /) -> Any: ...


class ShapedEncoder(Encoder[Any]):
    """Any object with `serialize(value)` and `__type__` and/or `is_type(value)`, as
    Lilya's encoders are, adapted to dispatch: its own methods do the work, and the
    object itself is never changed.

    With `__type__`, its `is_type` is asked per value only when it is its own: Lilya's
    base class answers `isinstance(value, __type__)`, which dispatch already knows.
    """

    def __init__(self, wrapped: Any) -> None:
        kind = type(wrapped)
        serialize = getattr(wrapped, "serialize", None)
        if not callable(serialize):
            raise TypeError(
                f"{kind.__qualname__} has no serialize(value) method; an encoder turns a "
                "value into something JSON-encodable with it"
            )
        declared = getattr(wrapped, "__type__", None)
        is_type = getattr(wrapped, "is_type", None)
        own_check = callable(is_type) and not _inherits_lilyas_is_type(kind)
        if declared is None and not own_check:
            raise _matches_nothing(kind)
        self._types = () if declared is None else _as_tuple(declared)
        self._is_type: Callable[[Any], Any] | None = is_type if own_check else None
        self.serialize = serialize  # type: ignore[method-assign]
        name = getattr(wrapped, "name", None)
        self.name = name if isinstance(name, str) and name else kind.__name__
        priority = getattr(wrapped, "priority", 0)
        self.priority = priority if type(priority) is int else 0

    def target_types(self) -> tuple[type, ...]:
        return self._types

    def is_type(self, value: object) -> bool:
        if self._is_type is not None:
            return bool(self._is_type(value))
        return super().is_type(value)

    @property
    def checks_values(self) -> bool:
        return self._is_type is not None


def _matches_nothing(kind: type) -> TypeError:
    return TypeError(
        f"{kind.__qualname__} has neither __type__ nor an is_type(value) method of its own, "
        "so it would match nothing: set __type__ to the class (or tuple of classes) it "
        "encodes, or define is_type(value)"
    )


def _as_tuple(declared: Any) -> tuple[Any, ...]:
    return declared if isinstance(declared, tuple) else (declared,)


def _inherits_lilyas_is_type(kind: type) -> bool:
    """True when `kind` inherits Lilya's `Encoder.is_type`, which matches by `__type__`."""
    owner = next((c for c in kind.__mro__ if "is_type" in c.__dict__), None)
    return (
        owner is not None
        and owner.__name__ == "Encoder"
        and owner.__module__.partition(".")[0] == "lilya"
    )


def is_encoder_class(target: type) -> bool:
    """An egress Encoder subclass, or a class shaped like one (`serialize` and `__type__`
    or `is_type`), rather than a class to register an encoder for."""
    return issubclass(target, Encoder) or (
        callable(getattr(target, "serialize", None))
        and (hasattr(target, "__type__") or hasattr(target, "is_type"))
    )


def as_encoder(candidate: Any) -> tuple[Encoder[Any], Any]:
    """`candidate` as dispatch calls it, and the object the registry keeps as registered:
    an Encoder, an Encoder class (instantiated), or a Lilya-shaped instance or class.
    TypeError, saying what is missing, for anything else."""
    if isinstance(candidate, type):
        if not is_encoder_class(candidate):
            raise TypeError(
                f"{candidate.__qualname__} is not an encoder: it needs serialize(value) "
                "and __type__ and/or is_type(value), or to subclass egress.Encoder"
            )
        candidate = candidate()
    if isinstance(candidate, Encoder):
        kind = type(candidate)
        if not (
            candidate.target_types()
            or candidate.checks_values
            or kind.matches_class is not Encoder.matches_class
        ):
            raise _matches_nothing(kind)
        return candidate, candidate
    return ShapedEncoder(candidate), candidate
