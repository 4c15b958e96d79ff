"""Cell normalisers, header guessing and remembered mappings."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from segmentation.imports import mapping
from segmentation.imports import normalise as n
from segmentation.imports.options import Options
from segmentation.imports.readers import detect_delimiter

OPTIONS = Options(kind="customers", mapping={0: "email"}, default_region="DE", time_zone="UTC")


@pytest.mark.parametrize(
    "raw, expected",
    [("0151 1234567", "+491511234567"), ("+44 20 7946 0958", "+442079460958"),
     ("0049 151 1234567", "+491511234567"), ("(030) 1234567", "+49301234567")],
)  # fmt: skip
def test_it_writes_phones_in_e164(raw, expected):
    assert n.phone(raw, OPTIONS) == expected


@pytest.mark.parametrize("raw", ["12", "call me", "+1"])
def test_it_rejects_incomplete_phones(raw):
    with pytest.raises(n.Invalid):
        n.phone(raw, OPTIONS)


@pytest.mark.parametrize(
    "raw, code",
    [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("Deutschland", "DE"),
     ("United Kingdom", "GB"), ("UK", "GB"), ("Côte d'Ivoire", "CI"), ("france", "FR")],
)  # fmt: skip
def test_it_reads_countries_from_names_or_codes(raw, code):
    assert n.country(raw) == code


@pytest.mark.parametrize(
    "raw, day",
    [("2020-04-03", date(2020, 4, 3)), ("03.04.2020", date(2020, 4, 3)),
     ("13/04/2020", date(2020, 4, 13)), ("04/13/2020", date(2020, 4, 13)),
     ("2020/04/03", date(2020, 4, 3)), ("3 April 2020", date(2020, 4, 3)),
     ("April 3, 2020", date(2020, 4, 3)), ("05/05/2020", date(2020, 5, 5))],
)  # fmt: skip
def test_it_reads_common_date_formats(raw, day):
    assert n.parse_date(raw, OPTIONS) == day


@pytest.mark.parametrize("raw", ["03/04/2020", "03/04/20", "31.02.2020", "soon"])
def test_it_reports_ambiguous_or_wrong_dates(raw):
    with pytest.raises(n.Invalid):
        n.parse_date(raw, OPTIONS)


def test_it_reads_order_times_as_utc():
    assert n.parse_datetime("2026-01-05T10:00:00+01:00", OPTIONS) == datetime(
        2026, 1, 5, 9, tzinfo=UTC
    )
    assert n.parse_datetime("2026-03-01 14:30", OPTIONS) == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw, amount", [("19,90", "19.90"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
                    ("€ 5", "5.00")],
)  # fmt: skip
def test_it_reads_amounts(raw, amount):
    assert n.money(raw) == Decimal(amount)


def test_it_lower_cases_emails_and_rejects_bad_ones():
    assert n.email("Ann@Example.COM") == "ann@example.com"
    for bad in ("ann", "ann@", "a b@example.com", "ann@example"):
        with pytest.raises(n.Invalid):
            n.email(bad)


def test_it_detects_delimiters():
    assert detect_delimiter("a;b;c\n1;2;3\n") == ";"
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    assert detect_delimiter("a,b\n1,2\n") == ","


def test_it_guesses_the_mapping_from_headers():
    headers = ["E-Mail", "Vorname", "Nachname", "PLZ", "Notes", "Newsletter"]
    assert mapping.guess("customers", headers) == {
        0: "email", 1: "first_name", 2: "last_name", 3: "postal_code", 5: "email_consent",
    }  # fmt: skip


@pytest.mark.django_db
def test_it_remembers_a_mapping_for_the_same_headers():
    headers = ["Mail", "Col B"]
    assert mapping.remembered_or_guessed("customers", headers) == ({0: "email"}, False)
    mapping.remember("customers", headers, {0: "email", 1: "city"})
    assert mapping.remembered_or_guessed("customers", [" mail ", "col b"]) == (
        {0: "email", 1: "city"},
        True,
    )
