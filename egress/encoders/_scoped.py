"""Resolve the `encoders=` argument of responses and pipelines to one registry."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from egress.encoders._encoder import Encoder
from egress.encoders._registry import EncoderRegistry, registry

__all__ = ["registry_for"]

_layers: dict[tuple[object, ...], EncoderRegistry] = {}
_lock = threading.Lock()
_MAX_LAYERS = 128


def registry_for(encoders: EncoderRegistry | Sequence[Any] | None) -> EncoderRegistry:
    """None: the default registry; a registry: itself; a sequence of encoders (instances
    or classes): a copy of the default registry with them registered on top.

    The copy is cached per sequence and per state of the default registry, so building a
    response with the same `encoders=` costs a dict lookup, and a later change to the
    default registry is seen by the next response.
    """
    if encoders is None:
        return registry
    if isinstance(encoders, EncoderRegistry):
        return encoders
    layer = tuple(encoders)
    for encoder in layer:
        if not (
            isinstance(encoder, Encoder)
            or (isinstance(encoder, type) and issubclass(encoder, Encoder))
        ):
            raise TypeError(
                f"encoders= takes an EncoderRegistry or Encoder instances/classes, got {encoder!r}"
            )
    key = (registry.state, *layer)
    found = _layers.get(key)
    if found is None:
        found = registry.copy()
        for encoder in layer:
            found.register(encoder)
        with _lock:
            if len(_layers) >= _MAX_LAYERS:
                _layers.clear()
            _layers[key] = found
    return found
