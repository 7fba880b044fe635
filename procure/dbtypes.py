"""Column types shared by every package: UTC datetimes and exact money."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC; refuses naive input (ambiguous zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Money(TypeDecorator):
    """Yen amounts and unit prices as exact decimals (Numeric, never float)."""

    impl = Numeric(18, 4)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal or str, not float")
        return Decimal(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).normalize() if not isinstance(value, Decimal) else value


def enum_type(enum_cls, length: int = 20):
    """Store an enum by its value (readable in SQL and usable in CHECK constraints)."""
    from sqlalchemy import Enum

    return Enum(enum_cls, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])
