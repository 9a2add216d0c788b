"""TEMPORARY stand-in with the final public surface; the real registry replaces it."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import orjson

T = TypeVar("T")


class EncodeError(TypeError):
    pass


class Encoder(Generic[T]):
    __type__: type | tuple[type, ...] | None = None
    priority: int = 0

    def serialize(self, value: T) -> Any:
        raise NotImplementedError


class EncoderRegistry:
    def dumps(self, value: Any, *, backend: str | None = None) -> bytes:
        try:
            return orjson.dumps(value, default=str)
        except orjson.JSONEncodeError as exc:
            raise EncodeError(str(exc)) from exc

    def to_jsonable(self, value: Any) -> Any:
        return orjson.loads(self.dumps(value))

    def decode(self, raw: str, target: Any) -> Any:
        """Convert request text (a path or query parameter) to `target`; ValueError if not."""
        return target(raw)


registry = EncoderRegistry()
dumps = registry.dumps
to_jsonable = registry.to_jsonable


def register_encoder(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError
