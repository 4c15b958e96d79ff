"""The demo's world: names per language, countries with their cities, interests, education.

The data lives in reference.json beside this module and is read once, at import. Its order
matters: the generator draws by position, so reordering an entry changes the demo data.
"""

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True)
class City:
    region: str
    name: str
    postal: str  # pattern: '#' a digit, '?' an upper-case letter, anything else literal
    language: str = ""  # overrides the country's language (Switzerland, Belgium)


@dataclass(frozen=True)
class Country:
    code: str
    weight: int  # share of the customers, relative to the other countries
    language: str
    median_income: int  # yearly, EUR
    phone_prefixes: tuple[str, ...]
    phone_digits: int  # digits after the prefix
    ios_share: float  # of mobile phones
    cities: tuple[City, ...]


@dataclass(frozen=True)
class Interest:
    slug: str
    name: str
    popularity: float  # relative to the other interests
    sku: str  # prefix of the interest's product codes
    median_price: float  # EUR


@dataclass(frozen=True)
class Education:
    level: str
    weight: int  # share of the customers
    income: float  # factor on the country's median income
    occupations: tuple[str, ...]  # the jobs that people with this education commonly hold


def _country(row: dict) -> Country:
    cities = tuple(City(**city) for city in row["cities"])
    prefixes = tuple(row["phone_prefixes"])
    return Country(**{**row, "phone_prefixes": prefixes, "cities": cities})


def _education(row: dict) -> Education:
    return Education(**{**row, "occupations": tuple(row["occupations"])})


_DATA = json.loads(resources.files(__package__).joinpath("reference.json").read_text("utf-8"))

EMAIL_DOMAINS: tuple[str, ...] = tuple(_DATA["email_domains"])
NAMES: dict[str, Names] = {
    language: Names(tuple(n["female"]), tuple(n["male"]), tuple(n["last"]))
    for language, n in _DATA["names"].items()
}
COUNTRIES: tuple[Country, ...] = tuple(_country(row) for row in _DATA["countries"])
INTERESTS: tuple[Interest, ...] = tuple(Interest(**row) for row in _DATA["interests"])
EDUCATION: tuple[Education, ...] = tuple(_education(row) for row in _DATA["education"])
ACQUISITION_CHANNELS: tuple[str, ...] = tuple(c["channel"] for c in _DATA["acquisition_channels"])
ACQUISITION_WEIGHTS: tuple[int, ...] = tuple(c["weight"] for c in _DATA["acquisition_channels"])
STORE_SUFFIXES: tuple[str, ...] = tuple(_DATA["store_suffixes"])
