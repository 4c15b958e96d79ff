"""The rows COPY writes: the columns of each table, and the text of the values it takes."""

import enum
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

CUSTOMER_COLUMNS = (
    "id", "email", "phone", "external_id", "first_name", "last_name", "first_name_lower",
    "last_name_lower", "locale", "birth_date", "gender", "income", "education", "occupation",
    "country", "region", "city", "postal_code", "device_type", "os", "attributes",
    "order_count", "total_spent", "avg_order_value", "first_order_at", "last_order_at",
    "created_at", "updated_at",
)  # fmt: skip
ORDER_COLUMNS = ("external_id", "customer_id", "placed_at", "total", "currency", "items")
INTEREST_COLUMNS = ("customer_id", "interest_id")


class Timestamps:
    """Epoch seconds -> the text COPY reads as a UTC timestamp (cached by day)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        ]

    def __call__(self, epoch: int) -> str:
        day, second = divmod(epoch, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
        return text + self.clock[second]


class Extras:
    """Values for the model's other columns (fields the generator does not know about).

    Constant defaults are prepared once; a UUID default gets a deterministic value per row.
    A field with neither a default nor NULL allowed stops the seed with a clear message.
    """

    def __init__(self, model: type[models.Model], generated: Sequence[str], seed: str) -> None:
        self.columns: list[str] = []
        self.constant: list[object] = []
        self.uuid_positions: list[int] = []
        self.rng = random.Random(seed)
        for f in model._meta.concrete_fields:
            if f.column in generated or f.primary_key:
                continue
            self.columns.append(f.column)
            if isinstance(f, models.UUIDField) and f.has_default():
                self.uuid_positions.append(len(self.constant))
                self.constant.append(None)
            else:
                self.constant.append(_constant(model, f))
        self.constant_tuple = tuple(self.constant)

    def values(self) -> tuple:
        if not self.uuid_positions:
            return self.constant_tuple
        values = list(self.constant)
        for position in self.uuid_positions:
            # A version 4 UUID as 32 hex digits (COPY reads it as a uuid), made from the seed.
            bits = self.rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)
            values[position] = f"{bits | (0x4000 << 64) | (0x8000 << 48):032x}"
        return tuple(values)


def _constant(model: type[models.Model], f: models.Field) -> object:
    if f.has_default() and not f.unique:
        value = f.get_db_prep_save(f.get_default(), connection)
        return value.value if isinstance(value, enum.Enum) else value
    if f.null:
        return None
    raise ImproperlyConfigured(f"seed_demo does not know how to fill {model.__name__}.{f.name}.")
