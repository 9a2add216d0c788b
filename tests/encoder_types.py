"""Sample types shared by the encoder tests."""

from __future__ import annotations

import dataclasses
import enum
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


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents
