"""Sample types shared by the encoder tests."""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import sys
from typing import NamedTuple


@dataclasses.dataclass
class Point:
    x: int
    y: int
    _secret: str = "hidden"


@dataclasses.dataclass(slots=True)
class Slotted:
    a: int
    _b: int = 0


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Perm(enum.Flag):
    R = 4
    W = 2


class Pair(NamedTuple):
    left: int
    right: str


class Tag(str):
    """A str subclass, written natively by orjson unless an encoder takes it over."""


class Key(str):
    """A str subclass used as a dict key: written as its str value on every backend."""


if sys.version_info >= (3, 11):

    class Letter(enum.StrEnum):
        ALPHA = "alpha"
        BETA = "beta"

else:  # the same str-valued members before StrEnum existed

    class Letter(str, enum.Enum):
        ALPHA = "alpha"
        BETA = "beta"


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


@dataclasses.dataclass
class Account:
    """A dataclass with attributes that are not fields: never written."""

    name: str
    _plan: str = "free"

    def __post_init__(self) -> None:
        self.password_hash = "s3cr3t"

    @functools.cached_property
    def risk_score(self) -> int:
        return 97


def exponent_free(text: bytes) -> bytes:
    """`text` with `1e+16` written `1e16`: the one difference the backends may have."""
    return re.sub(rb"(?<=[0-9])e\+(?=[0-9])", b"e", text)
