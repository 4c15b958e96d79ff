"""Cell normalisers: text in, the value to store out, or Invalid with a message for the report.

Each takes a non-empty, trimmed cell. They run once per cell of a million-row file, so the
common, already-clean forms take a fast path (a regex or a dict lookup) before anything slow.
"""

import re
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers

from segmentation.customers.models import DeviceType, Education, Gender, OperatingSystem


class Invalid(ValueError):
    """The cell cannot be used; the message says why, in the admin's words."""


class Ambiguous(Invalid):
    """The cell could mean two things (03/04/2020); reported, never guessed."""


# Close to Django's EmailValidator, as a single compiled pattern (cheap at a million rows).
EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PHONE_NOISE = re.compile(r"[\s().\-/]")


def email(value: str, _options=None) -> str:
    value = value.lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise Invalid(f"{value!r} is not a valid email address")
    return value


def text(max_length: int):
    def convert(value: str, _options=None) -> str:
        if len(value) > max_length:
            raise Invalid(f"longer than {max_length} characters")
        return value

    # The column-wise validator checks a whole column's lengths at once (importing.columns).
    convert.max_length = max_length
    return convert


def phone(value: str, options) -> str:
    compact = PHONE_NOISE.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if E164.match(compact):
        # Already international: keep it (the model's own E.164 rule), no library call.
        return compact
    try:
        number = phonenumbers.parse(value, options.default_region)
    except phonenumbers.NumberParseException as error:
        raise Invalid(f"{value!r} is not a phone number") from error
    reason = phonenumbers.is_possible_number_with_reason(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE or not E164.match(e164):
        raise Invalid(
            f"{value!r} is not a complete phone number (numbers without a +country prefix "
            f"are read as {options.default_region} numbers)"
        )
    return e164


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            label = getattr(country, attr, None)
            if label:
                names[label.casefold()] = country.alpha_2
    # Common names that ISO does not list.
    aliases = {
        "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
        "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US", "deutschland": "DE",
        "österreich": "AT", "schweiz": "CH", "suisse": "CH", "españa": "ES", "italia": "IT",
        "nederland": "NL", "holland": "NL", "polska": "PL", "россия": "RU", "russia": "RU",
        "türkiye": "TR", "turkey": "TR", "czech republic": "CZ", "south korea": "KR",
        "korea": "KR", "vietnam": "VN", "iran": "IR", "el": "GR",
    }  # fmt: skip
    names.update(aliases)
    return names


def country(value: str, _options=None) -> str:
    code = _countries().get(value.casefold())
    if code is None:
        raise Invalid(f"{value!r} is not a country name or ISO code")
    return code


def _choice(choices, aliases: dict[str, str]):
    table = {value.casefold(): value for value in choices.values}
    table.update({label.casefold(): value for value, label in choices.choices})
    table.update(aliases)

    def convert(value: str, _options=None) -> str:
        found = table.get(value.casefold())
        if found is None:
            allowed = ", ".join(choices.values)
            raise Invalid(f"{value!r} is not one of {allowed}")
        return found

    return convert


gender = _choice(
    Gender,
    {"f": "female", "w": "female", "woman": "female", "m": "male", "man": "male",
     "non-binary": "nonbinary", "non binary": "nonbinary", "x": "nonbinary", "d": "nonbinary"},
)  # fmt: skip
education = _choice(Education, {"phd": "doctorate", "msc": "master", "bsc": "bachelor"})
device_type = _choice(DeviceType, {"phone": "mobile", "smartphone": "mobile", "pc": "desktop"})
operating_system = _choice(OperatingSystem, {"mac": "macos", "os x": "macos", "osx": "macos"})


def income(value: str, _options=None) -> int:
    compact = value.replace(" ", "").replace("'", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", compact):
        compact = compact.replace(",", "").replace(".", "")
    elif compact.endswith((".0", ".00")):
        compact = compact.rsplit(".", 1)[0]
    if not compact.isdigit():
        raise Invalid(f"{value!r} is not a whole number")
    number = int(compact)
    if number > 2_147_483_647:
        raise Invalid(f"{value!r} is too large")
    return number


def money(value: str, _options=None) -> Decimal:
    compact = re.sub(r"[\s\u00a0'€$£]|EUR|USD|GBP", "", value)
    if "," in compact and "." in compact:
        # The later separator is the decimal one: 1.234,56 or 1,234.56.
        thousands = "." if compact.rfind(",") > compact.rfind(".") else ","
        compact = compact.replace(thousands, "").replace(",", ".")
    elif re.fullmatch(r"-?\d+,\d{1,2}", compact):
        compact = compact.replace(",", ".")
    try:
        amount = Decimal(compact)
    except InvalidOperation as error:
        raise Invalid(f"{value!r} is not an amount") from error
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise Invalid(f"{value!r} is not an amount")
    return amount.quantize(Decimal("0.01"))


def currency(value: str, _options=None) -> str:
    code = value.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise Invalid(f"{value!r} is not a three-letter currency code")
    return code


def locale(value: str, _options=None) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", value) or len(value) > 10:
        raise Invalid(f"{value!r} is not a locale such as de-DE")
    return value.replace("_", "-")


# --- dates -------------------------------------------------------------------------------------

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
NUMERIC_DATE = re.compile(r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})$")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "januar", "janvier"), ("feb", "february", "februar", "février"),
            ("mar", "march", "märz", "mars"), ("apr", "april", "avril"),
            ("may", "mai"), ("jun", "june", "juni", "juin"), ("jul", "july", "juli", "juillet"),
            ("aug", "august", "août"), ("sep", "sept", "september", "septembre"),
            ("oct", "october", "okt", "oktober", "octobre"), ("nov", "november", "novembre"),
            ("dec", "december", "dez", "dezember", "décembre"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
WORDY_DATE = re.compile(
    r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})$|^([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})$"
)


def _make(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise Invalid(f"{raw!r} is not a real date") from error


def parse_date(value: str, options) -> date:
    """ISO, D.M.Y, D/M/Y or M/D/Y (by the import's date order), '4 March 2020', 'March 4, 2020'.

    With the date order on "auto", 03/04/2020 is ambiguous and reported; 13/04/2020 is not.
    """
    if match := ISO_DATE.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]), value)
    if match := NUMERIC_DATE.match(value):
        first, separator, second, third = match.groups()
        if len(first) == 4:  # 2020/04/03: year first is always year-month-day
            return _make(int(first), int(second), int(third), value)
        if len(third) != 4:
            raise Ambiguous(f"{value!r} has a two-digit year: write the year in full")
        a, b, year = int(first), int(second), int(third)
        if separator == ".":  # 03.04.2020 is day.month.year wherever dots are used
            return _make(year, b, a, value)
        order = options.date_order
        if order == "dmy" or (order == "auto" and a > 12):
            return _make(year, b, a, value)
        if order == "mdy" or (order == "auto" and b > 12):
            return _make(year, a, b, value)
        if a == b:
            return _make(year, a, b, value)
        raise Ambiguous(
            f"{value!r} is ambiguous (day/month or month/day?): choose the date order "
            "or write it as YYYY-MM-DD"
        )
    if match := WORDY_DATE.match(value):
        if match[1]:
            day, month_name, year = match[1], match[2], match[3]
        else:
            month_name, day, year = match[4], match[5], match[6]
        month = MONTHS.get(month_name.casefold())
        if month is None:
            raise Invalid(f"{value!r} is not a date")
        return _make(int(year), month, int(day), value)
    raise Invalid(f"{value!r} is not a date (use YYYY-MM-DD)")


def _today() -> date:
    # One call per row of a million-row file adds up; a day's staleness at midnight does not.
    global _TODAY
    now = time.monotonic()
    if now - _TODAY[1] > 60:
        _TODAY = (date.today(), now)
    return _TODAY[0]


_TODAY = (date.min, -1e9)


def birth_date(value: str, options) -> date:
    if "T" in value:  # a date-time from a spreadsheet cell: the date part is the birthday
        value = value.split("T", 1)[0]
    day = parse_date(value, options)
    if not date(1900, 1, 1) <= day <= _today():
        raise Invalid(f"{value!r} is not a plausible birth date")
    return day


def parse_datetime(value: str, options) -> datetime:
    """An ISO date-time (with or without offset), or any date above (midnight, local time)."""
    zone = ZoneInfo(options.time_zone)
    if "T" in value or re.match(r"^\d{4}-\d{2}-\d{2} \d", value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise Invalid(f"{value!r} is not a date and time (use ISO 8601)") from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    parts = value.rsplit(" ", 1)
    clock = dtime(0)
    if len(parts) == 2 and (match := re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", parts[1])):
        value = parts[0]
        try:
            clock = dtime(int(match[1]), int(match[2]), int(match[3] or 0))
        except ValueError as error:
            raise Invalid(f"{parts[1]!r} is not a time of day") from error
    return datetime.combine(parse_date(value, options), clock, zone).astimezone(UTC)


# --- consent -----------------------------------------------------------------------------------

GRANT, WITHDRAW = "granted", "withdrawn"
CONSENT_WORDS = {
    **dict.fromkeys(
        ("yes", "y", "true", "1", "x", "granted", "opt-in", "opted in", "subscribed", "ja", "oui"),
        GRANT,
    ),
    **dict.fromkeys(
        ("no", "n", "false", "0", "withdrawn", "opt-out", "opted out", "unsubscribed", "nein",
         "non"),
        WITHDRAW,
    ),
}  # fmt: skip


def consent(value: str, _options=None) -> str:
    action = CONSENT_WORDS.get(value.casefold())
    if action is None:
        raise Invalid(f"{value!r} is not a consent answer (yes / no)")
    return action
