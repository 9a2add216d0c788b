"""Resolve the `encoders=` argument of responses and pipelines to one registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from egress.encoders._registry import EncoderRegistry, registry

__all__ = ["registry_for"]


def registry_for(encoders: EncoderRegistry | Iterable[Any] | None) -> EncoderRegistry:
    """None: the default registry; a registry: itself; a sequence of encoders (egress or
    Lilya-shaped, instances or classes): the default registry layered with them
    (`EncoderRegistry.layered`, cached there)."""
    if encoders is None:
        return registry
    if isinstance(encoders, EncoderRegistry):
        return encoders
    if isinstance(encoders, (str, bytes)) or not isinstance(encoders, Iterable):
        raise TypeError(
            f"encoders= takes an EncoderRegistry or a sequence of encoders, got {encoders!r}"
        )
    return registry.layered(encoders)
