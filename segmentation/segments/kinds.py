"""Value kinds of the field catalogue: which operators a field offers and how a value is read.

`clean(op, value)` turns what the builder sent (JSON) into a Python value or raises
`ValueError` with a sentence a marketer understands; the field's label is added by the caller.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date

Choices = Callable[[], Sequence[tuple[str, str]]]

# Operators take no value, one value, two (a range), a list, or a small dict of parameters.
NO_VALUE = {"is_set", "is_not_set", "is_true", "is_false"}

OPERATOR_LABELS = {
    "eq": "is",
    "ne": "is not",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "between": "is between",
    "starts_with": "starts with",
    "contains": "contains",
    "in": "is any of",
    "not_in": "is none of",
    "any_of": "has any of",
    "all_of": "has all of",
    "none_of": "has none of",
    "before": "is before",
    "after": "is after",
    "in_last_days": "is in the last ... days",
    "more_than_days_ago": "is more than ... days ago",
    "is_set": "is known",
    "is_not_set": "is unknown",
    "is_true": "yes",
    "is_false": "no",
    "at_least": "at least",
    "fewer_than": "fewer than",
    "has": "has",
    "has_not": "has not",
}

NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
MAX_DAYS = 36600  # a century: "in the last N days" beyond that is a typo


@dataclass(frozen=True)
class Kind:
    name: str  # also the widget the builder shows
    operators: tuple[str, ...]

    def clean(self, op: str, value):
        if op in NO_VALUE:
            return None
        if op == "between":
            return self.clean_range(value)
        if op in ("in", "not_in", "any_of", "all_of", "none_of"):
            return self.clean_list(value)
        return self.clean_one(op, value)

    def clean_one(self, op: str, value):
        raise NotImplementedError

    def clean_range(self, value):
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError("give a lower and an upper bound.")
        low, high = (self.clean_one("gte", v) for v in value)
        if low > high:
            raise ValueError("the lower bound is above the upper bound.")
        return low, high

    def clean_list(self, value):
        raise ValueError("this field takes no list.")


@dataclass(frozen=True)
class NumberKind(Kind):
    minimum: Decimal = Decimal("0")
    maximum: Decimal = Decimal("1000000000")
    whole: bool = False

    def clean_one(self, op: str, value):
        if isinstance(value, bool) or value in (None, ""):
            raise ValueError(self.expected())
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(self.expected()) from None
        if not number.is_finite() or not self.minimum <= number <= self.maximum:
            raise ValueError(self.expected())
        if self.whole and number != number.to_integral_value():
            raise ValueError(self.expected())
        return int(number) if self.whole else number

    def expected(self) -> str:
        what = "a whole number" if self.whole else "a number"
        return f"enter {what} between {self.minimum} and {self.maximum}."


@dataclass(frozen=True)
class TextKind(Kind):
    max_length: int = 200

    def clean_one(self, op: str, value):
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("enter some text.")
        text = str(value).strip()
        if not text:
            raise ValueError("enter some text.")
        if any(ord(ch) < 32 for ch in text):
            raise ValueError("remove the invisible control characters.")
        if len(text) > self.max_length:
            raise ValueError(f"use at most {self.max_length} characters.")
        return text

    def clean_list(self, value):
        if not isinstance(value, list) or not value:
            raise ValueError("choose at least one value.")
        return [self.clean_one("eq", v) for v in value]


@dataclass(frozen=True)
class ChoiceKind(Kind):
    """Values from a list (countries, interests, tiers...). `choices` is read when validating."""

    choices: Choices | None = None
    pattern_hint: str = ""
    # Free codes (countries) are checked by `accept` instead of a fixed list.
    accept: Callable[[str], bool] | None = None

    def allowed(self) -> dict[str, str]:
        return dict(self.choices()) if self.choices else {}

    def clean_list(self, value):
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ValueError("choose at least one value.")
        if len(value) > 500:
            raise ValueError("choose at most 500 values.")
        allowed = self.allowed()
        cleaned = []
        for item in value:
            code = str(item).strip() if not isinstance(item, bool) else ""
            if self.accept is not None:
                code = code.upper()
                ok = self.accept(code)
            else:
                ok = code in allowed
            if not ok:
                raise ValueError(f"'{item}' is not one of the choices{self.pattern_hint}.")
            cleaned.append(code)
        return sorted(set(cleaned))


@dataclass(frozen=True)
class DateKind(Kind):
    def clean_one(self, op: str, value):
        if op in ("in_last_days", "more_than_days_ago"):
            return DAYS.clean_one(op, value)
        if isinstance(value, dt.date):
            return value
        try:
            parsed = parse_date(value.strip()) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible, such as 2024-02-30
            parsed = None
        if parsed is None:
            raise ValueError("enter a date as YYYY-MM-DD.")
        return parsed


@dataclass(frozen=True)
class BooleanKind(Kind):
    def clean_one(self, op: str, value):
        return None


@dataclass(frozen=True)
class WindowKind(Kind):
    """Behaviour in a time window: the value is a dict of named whole-number parameters."""

    params: tuple[tuple[str, str, NumberKind], ...] = ()

    def clean_one(self, op: str, value):
        if not isinstance(value, dict):
            raise ValueError("fill in " + ", ".join(label for _, label, _ in self.params) + ".")
        cleaned = {}
        for key, label, kind in self.params:
            try:
                cleaned[key] = kind.clean_one("gte", value.get(key))
            except ValueError as error:
                raise ValueError(f"{label}: {error}") from None
        return cleaned


DAYS = NumberKind("number", NUMBER_OPS, Decimal(1), Decimal(MAX_DAYS), whole=True)
COUNT = NumberKind("number", NUMBER_OPS, Decimal(1), Decimal(100000), whole=True)
HOURS = NumberKind("number", NUMBER_OPS, Decimal(1), Decimal(24 * 365), whole=True)
AMOUNT = NumberKind("number", NUMBER_OPS, Decimal("0.01"), Decimal("1000000000"))
