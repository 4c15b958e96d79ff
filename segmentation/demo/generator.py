"""Realistic, deterministic demo customers with their interests and orders.

The same seed and anchor give the same rows. Rows are generated in chunks of customers (each
with its orders), so memory stays bounded. Every draw comes from one random stream in a fixed
order: moving a draw, even between two helpers, changes the data.
"""

import functools
import json
import random
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from segmentation.customers.models import Customer, CustomerInterest, Order
from segmentation.demo.orders import OrderMaker, order_counts
from segmentation.demo.reference import (
    ACQUISITION_CHANNELS,
    ACQUISITION_WEIGHTS,
    COUNTRIES,
    EDUCATION,
    EMAIL_DOMAINS,
    INTERESTS,
    NAMES,
    STORE_SUFFIXES,
    City,
    Country,
)
from segmentation.demo.rows import CUSTOMER_COLUMNS, INTEREST_COLUMNS, ORDER_COLUMNS, Extras

CUSTOMER_ID_PREFIX = "CUS-"
HISTORY_DAYS = 3 * 365  # customers signed up over the last three years
INTERESTS_PER_CUSTOMER = (0, 1, 1, 2, 2, 2, 3, 3, 4, 1)


@functools.cache
def _ascii(text: str) -> str:
    """'Sørensen' -> 'sorensen', "O'Brien" -> 'obrien', 'van den Berg' -> 'vandenberg'."""
    text = text.lower().translate(str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "ł": "l"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum())


def _fill(pattern: str, rng: random.Random) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append("0123456789"[int(rng.random() * 10)])
        elif ch == "?":
            out.append("ABCDEFGHJKLMNPRSTUVWXY"[int(rng.random() * 22)])
        else:
            out.append(ch)
    return "".join(out)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _interest_weights(age: int) -> list[float]:
    """Popularity of each interest, shifted a little by age."""
    weights = []
    for interest in INTERESTS:
        w = interest.popularity
        if interest.slug == "gaming":
            w *= 2.0 if age < 30 else 0.3 if age > 55 else 1.0
        elif interest.slug == "home-garden" and age > 45:
            w *= 1.8
        weights.append(w)
    return weights


class DemoGenerator:
    """Generates customers (with interests and orders) for indexes [start, start + n)."""

    def __init__(
        self,
        *,
        seed: int,
        customers: int,
        orders: int,
        anchor: datetime,
        first_customer_id: int,
        first_number: int,
        first_order_number: int,
        interest_ids: Sequence[int],
        timestamp: Callable[[int], str],
    ) -> None:
        self.n = customers
        self.anchor_date = anchor.date()
        self.anchor_ts = int(anchor.timestamp())
        self.first_customer_id = first_customer_id
        self.first_number = first_number
        self.interest_ids = list(interest_ids)
        self.ts = timestamp
        stream = f"segmenta-demo:{seed}:{first_number}"
        self.rng = random.Random(stream)
        self.counts = order_counts(
            customers, orders, random.Random(stream + ":orders"), self._created_frac
        )
        self.customer_extras = Extras(Customer, CUSTOMER_COLUMNS, stream + ":c")
        self.interest_extras = Extras(CustomerInterest, INTEREST_COLUMNS, stream + ":i")
        order_extras = Extras(Order, ORDER_COLUMNS, stream + ":o")
        self.orders = OrderMaker(
            self.rng, self.anchor_ts, timestamp, order_extras, first_order_number
        )
        self.country_cum = _cumulative([c.weight for c in COUNTRIES])
        self.education_cum = _cumulative([e.weight for e in EDUCATION])
        self.channel_cum = _cumulative(ACQUISITION_WEIGHTS)
        self.interest_cum = [_cumulative(_interest_weights(age)) for age in (25, 40, 60)]
        self.updated_at = timestamp(self.anchor_ts)

    @property
    def order_extras(self) -> Extras:
        return self.orders.extras

    def _created_frac(self, i: int) -> float:
        """Where in the three-year window customer i signed up (0 = start, 1 = anchor).

        Sign-ups grow over time; customer ids follow sign-up order.
        """
        return ((i + 0.5) / self.n) ** (1 / 1.5)

    def _pick(self, cum: list[float]) -> int:
        return min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def _choice(self, items: Sequence):
        return items[int(self.rng.random() * len(items))]

    def chunk(self, start: int, stop: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        customers, memberships, orders = [], [], []
        for i in range(start, stop):
            customer, interests, order_rows = self._customer(i)
            customers.append(customer)
            memberships.extend(interests)
            orders.extend(order_rows)
        return customers, memberships, orders

    def _customer(self, i: int) -> tuple[tuple, list[tuple], list[tuple]]:
        pk = self.first_customer_id + i
        number = self.first_number + i + 1
        country = COUNTRIES[self._pick(self.country_cum)]
        city = self._choice(country.cities)
        language = city.language or country.language
        gender, first, last = self._name(language)
        email, phone = self._contact(country, first, last, number)
        age, birth_date = self._age()
        education, occupation, income = self._career(country, age)
        device, os_ = self._device(country, age)
        attributes = self._attributes(city)
        chosen = self._interests(age)
        memberships = [(pk, self.interest_ids[j], *self.interest_extras.values()) for j in chosen]
        created = self._created(i)
        orders, metrics = self.orders.orders(pk, created, self.counts[i], chosen)
        row = (
            pk, email, phone, f"{CUSTOMER_ID_PREFIX}{number:010d}", first, last,
            first.lower(), last.lower(), f"{language}-{country.code}", birth_date.isoformat(),
            gender, income, education, occupation, country.code, city.region,
            city.name, _fill(city.postal, self.rng), device, os_, json.dumps(attributes),
            *metrics, self.ts(created), self.updated_at, *self.customer_extras.values(),
        )  # fmt: skip
        return row, memberships, orders

    def _name(self, language: str) -> tuple[str, str, str]:
        """Gender, first and last name."""
        names = NAMES[language]
        females, males = names.female, names.male
        g = self.rng.random()
        if g < 0.50:
            gender, first = "female", self._choice(females)
        elif g < 0.97:
            gender, first = "male", self._choice(males)
        elif g < 0.99:
            gender = "nonbinary"
            first = self._choice(females if self.rng.random() < 0.5 else males)
        else:
            gender, first = "", self._choice(females + males)
        return gender, first, self._choice(names.last)

    def _contact(
        self, country: Country, first: str, last: str, number: int
    ) -> tuple[str | None, str]:
        """Email address (None for a few known by phone only) and phone number."""
        rand = self.rng.random
        email = None
        if rand() >= 0.03:
            domain = self._choice(EMAIL_DOMAINS)
            email = f"{_ascii(first)}.{_ascii(last)}.{number}@{domain}"
        phone = ""
        if email is None or rand() < 0.6:
            prefix = self._choice(country.phone_prefixes)
            digits = country.phone_digits
            phone = f"{prefix}{int(rand() * 10**digits):0{digits}d}"
        return email, phone

    def _age(self) -> tuple[int, date]:
        age = min(85, int(self.rng.triangular(18, 86, 36)))
        day = self.anchor_date
        leap_day = (day.month, day.day) == (2, 29)
        latest_birthday = day.replace(year=day.year - age, day=28 if leap_day else day.day)
        return age, latest_birthday - timedelta(days=int(self.rng.random() * 365))

    def _career(self, country: Country, age: int) -> tuple[str, str, int | None]:
        """Education level, occupation and yearly income (None for some who never said)."""
        rand = self.rng.random
        education_i = self._pick(self.education_cum)
        if age < 22 and education_i > 2:
            education_i = 1
        education = EDUCATION[education_i]
        if age >= 67 and rand() < 0.85:
            occupation = "Retired"
        elif age < 25 and rand() < 0.45:
            occupation = "Student"
        else:
            occupation = self._choice(education.occupations)
        if rand() < 0.08:
            return education.level, occupation, None
        career = min(1.0, 0.55 + (age - 18) / 60) * (0.7 if occupation == "Retired" else 1)
        if occupation == "Student":
            career = 0.3
        raw = country.median_income * education.income * career * self.rng.lognormvariate(0, 0.45)
        return education.level, occupation, max(3000, int(raw / 100) * 100)

    def _device(self, country: Country, age: int) -> tuple[str, str]:
        """Device type and operating system; older customers use desktops more."""
        rand = self.rng.random
        d = rand() + (0.15 if age > 55 else 0.0)
        if rand() < 0.04:
            return "", ""
        if d < 0.55:
            return "mobile", "ios" if rand() < country.ios_share else "android"
        if d < 0.65:
            return "tablet", "ios" if rand() < country.ios_share + 0.15 else "android"
        o = rand()
        return "desktop", (
            "windows" if o < 0.7 else "macos" if o < 0.92 else "linux" if o < 0.97 else "other"
        )

    def _attributes(self, city: City) -> dict[str, object]:
        rand = self.rng.random
        loyalty = rand() < 0.35
        attributes: dict[str, object] = {"loyalty_card": loyalty}
        if loyalty:
            attributes["preferred_store"] = f"{city.name} {self._choice(STORE_SUFFIXES)}"
        if rand() < 0.8:
            attributes["acquisition_channel"] = ACQUISITION_CHANNELS[self._pick(self.channel_cum)]
        if rand() < 0.15:
            attributes["newsletter_frequency"] = "weekly" if rand() < 0.6 else "monthly"
        return attributes

    def _interests(self, age: int) -> list[int]:
        """0-4 interests (positions in INTERESTS), popularity shifted a little by age."""
        rand = self.rng.random
        k = self._choice(INTERESTS_PER_CUSTOMER)
        chosen: list[int] = []
        if k:
            cum = self.interest_cum[0 if age < 30 else 2 if age > 55 else 1]
            while len(chosen) < k:
                j = min(bisect_right(cum, rand() * cum[-1]), len(cum) - 1)
                if j not in chosen:
                    chosen.append(j)
        return chosen

    def _created(self, i: int) -> int:
        """Sign-up time in epoch seconds, within the hour before the customer's place in line."""
        span = HISTORY_DAYS * 86400
        return (
            self.anchor_ts
            - span
            + int(self._created_frac(i) * span)
            - int(self.rng.random() * 3600)
        )
