"""Resolve the `encoders=` argument of responses and pipelines to one registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from egress.encoders._registry import EncoderRegistry, registry


def registry_for(encoders: EncoderRegistry | Sequence[Any] | None) -> EncoderRegistry:
    """None: the default registry; a registry: itself; encoders: a layered copy (TEMPORARY)."""
    if encoders is None:
        return registry
    if isinstance(encoders, EncoderRegistry):
        return encoders
    raise NotImplementedError("layered encoders arrive with the real registry")
