"""What egress.dumps makes of a mixed value, and how a registered encoder changes it."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from collections import deque
from pathlib import PurePosixPath

import egress


class Status(enum.Enum):
    ACTIVE = "active"


class Region(str, enum.Enum):  # a str subclass (enum.StrEnum from Python 3.11 on)
    EU = "eu"


@dataclasses.dataclass
class Order:
    id: uuid.UUID
    total: decimal.Decimal
    status: Status
    placed: datetime.datetime
    files: deque[PurePosixPath]


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


order = Order(
    id=uuid.UUID(int=7),
    total=decimal.Decimal("19.90"),
    status=Status.ACTIVE,
    placed=datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.timezone.utc),
    files=deque([PurePosixPath("/invoices/7.pdf")]),
)
out = egress.dumps({"order": order, "lines": (n for n in range(3))})
print(out.decode())
assert out == (
    b'{"order":{"id":"00000000-0000-0000-0000-000000000007","total":"19.90",'
    b'"status":"active","placed":"2024-05-01T09:30:00Z",'
    b'"files":["/invoices/7.pdf"]},"lines":[0,1,2]}'
)

registry = egress.EncoderRegistry()


@registry.register(Money)
def encode_money(value: Money) -> str:
    return f"{value.cents / 100:.2f}"


print(registry.dumps({"price": Money(1990)}).decode())
assert registry.dumps({"price": Money(1990)}) == b'{"price":"19.90"}'

try:
    egress.dumps({"price": Money(1)})
except egress.EncodeError as error:
    print(error)
    assert error.path == "$.price"

# A dict key that is a str subclass is written as its str value.
print(egress.dumps({Region.EU: 3}).decode())
assert egress.dumps({Region.EU: 3}) == b'{"eu":3}'


# An encoder for a class claims its subclasses, dataclasses defined later included.
@dataclasses.dataclass
class Refund(Money):
    cents: int
    reason: str


print(registry.dumps([Refund(500, "damaged"), Money(250)]).decode())
assert registry.dumps([Refund(500, "damaged"), Money(250)]) == b'["5.00","2.50"]'


class CentsEncoder:  # Lilya-shaped: serialize() and __type__, no egress base class
    __type__ = Money

    def serialize(self, value: Money) -> int:
        return value.cents


layered = egress.registry.layered([CentsEncoder])  # what encoders=[CentsEncoder] uses
print(layered.dumps({"price": Money(1990)}).decode())
assert layered.dumps({"price": Money(1990)}) == b'{"price":1990}'
