"""The Encoder base class, and the adapter that gives plain functions the same shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")

__all__ = ["Encoder", "FunctionEncoder"]


class Encoder(Generic[T]):
    """One type handler: `serialize` returns something the registry can encode further.

    Set `__type__` to match by isinstance(); or leave it None and override `is_type`
    to match by value (a predicate). Higher `priority` runs first; built-ins are negative.
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
