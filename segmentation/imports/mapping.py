"""What a column can go to, guessing that from the headers, and remembering the admin's choice."""

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from segmentation.imports import normalise as n
from segmentation.imports.models import ImportKind, ImportMapping

IGNORE = ""


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    convert: Callable
    sql_type: str = "text"  # text, date, int, numeric, timestamptz
    synonyms: tuple[str, ...] = ()
    # Value stored when the admin chooses that empty cells clear a field (None: NULL).
    empty: object = ""
    # Also stored: the lower-cased copy the model keeps for indexed search.
    lower_copy: str = ""


CUSTOMER_TARGETS = (
    Target(
        "email",
        "Email",
        n.email,
        synonyms=(
            "email",
            "e-mail",
            "mail",
            "email address",
            "e-mail address",
            "emailaddress",
            "e-mail-adresse",
            "courriel",
            "adresse e-mail",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "external_id",
        "External ID",
        n.text(100),
        synonyms=(
            "external id",
            "externalid",
            "customer id",
            "customer number",
            "customer no",
            "kundennummer",
            "kunden-nr",
            "client id",
            "id",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "first_name",
        "First name",
        n.text(100),
        lower_copy="first_name_lower",
        synonyms=(
            "first name",
            "firstname",
            "given name",
            "forename",
            "vorname",
            "prénom",
            "prenom",
        ),
    ),  # fmt: skip
    Target(
        "last_name",
        "Last name",
        n.text(100),
        lower_copy="last_name_lower",
        synonyms=(
            "last name",
            "lastname",
            "surname",
            "family name",
            "nachname",
            "nom",
            "name",
        ),
    ),  # fmt: skip
    Target(
        "phone",
        "Phone",
        n.phone,
        synonyms=(
            "phone",
            "phone number",
            "telephone",
            "tel",
            "mobile",
            "mobile phone",
            "cell",
            "telefon",
            "handy",
            "téléphone",
        ),
    ),  # fmt: skip
    Target("locale", "Locale", n.locale, synonyms=("locale", "language", "lang", "sprache")),
    Target(
        "birth_date",
        "Birth date",
        n.birth_date,
        "date",
        synonyms=(
            "birth date",
            "birthdate",
            "date of birth",
            "dob",
            "birthday",
            "geburtsdatum",
        ),
        empty=None,
    ),  # fmt: skip
    Target("gender", "Gender", n.gender, synonyms=("gender", "sex", "geschlecht")),
    Target(
        "income",
        "Income",
        n.income,
        "int",
        synonyms=(
            "income",
            "yearly income",
            "annual income",
            "einkommen",
        ),
        empty=None,
    ),  # fmt: skip
    Target("education", "Education", n.education, synonyms=("education", "bildung")),
    Target("occupation", "Occupation", n.text(100), synonyms=("occupation", "job", "beruf")),
    Target(
        "country",
        "Country",
        n.country,
        synonyms=(
            "country",
            "country code",
            "land",
            "pays",
        ),
    ),  # fmt: skip
    Target("region", "Region", n.text(100), synonyms=("region", "state", "province", "bundesland")),
    Target("city", "City", n.text(100), synonyms=("city", "town", "stadt", "ort", "ville")),
    Target(
        "postal_code",
        "Postal code",
        n.text(20),
        synonyms=(
            "postal code",
            "postcode",
            "zip",
            "zip code",
            "plz",
            "postleitzahl",
            "code postal",
        ),
    ),  # fmt: skip
    Target("device_type", "Device type", n.device_type, synonyms=("device", "device type")),
    Target("os", "OS", n.operating_system, synonyms=("os", "operating system")),
    Target(
        "email_consent",
        "Email consent",
        n.consent,
        synonyms=(
            "email consent",
            "email opt-in",
            "email optin",
            "newsletter",
            "marketing email",
            "subscribed",
            "email marketing",
            "consent email",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "sms_consent",
        "SMS consent",
        n.consent,
        synonyms=(
            "sms consent",
            "sms opt-in",
            "sms optin",
            "sms marketing",
            "consent sms",
        ),
        empty=None,
    ),  # fmt: skip
)

ORDER_TARGETS = (
    Target(
        "external_id",
        "Order ID",
        n.text(100),
        synonyms=(
            "order id",
            "orderid",
            "order number",
            "order no",
            "order",
            "bestellnummer",
            "external id",
            "id",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "customer_email",
        "Customer email",
        n.email,
        synonyms=(
            "customer email",
            "email",
            "e-mail",
            "mail",
            "email address",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "customer_external_id",
        "Customer external ID",
        n.text(100),
        synonyms=(
            "customer id",
            "customer external id",
            "customer number",
            "kundennummer",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "placed_at",
        "Placed at",
        n.parse_datetime,
        "timestamptz",
        synonyms=(
            "placed at",
            "date",
            "order date",
            "ordered at",
            "created at",
            "datum",
            "bestelldatum",
        ),
        empty=None,
    ),  # fmt: skip
    Target(
        "total",
        "Total",
        n.money,
        "numeric",
        synonyms=(
            "total",
            "amount",
            "order total",
            "sum",
            "value",
            "betrag",
            "summe",
            "montant",
        ),
        empty=None,
    ),  # fmt: skip
    Target("currency", "Currency", n.currency, synonyms=("currency", "währung", "devise")),
)

TARGETS = {ImportKind.CUSTOMERS: CUSTOMER_TARGETS, ImportKind.ORDERS: ORDER_TARGETS}
CONSENT_FIELDS = ("email_consent", "sms_consent")


def targets(kind: str) -> dict[str, Target]:
    return {target.name: target for target in TARGETS[kind]}


def normalise_header(header: str) -> str:
    """'  E-Mail Address ' -> 'e-mail address'; accents kept for 'prénom', case and spacing not."""
    header = unicodedata.normalize("NFC", header).casefold()
    header = re.sub(r"[_\s]+", " ", header)
    return header.strip(" .:*#")


def guess(kind: str, headers: list[str]) -> dict[int, str]:
    """Column index -> field, from the headers' names; each field taken by one column at most."""
    by_synonym = {}
    for target in TARGETS[kind]:
        for synonym in (target.name.replace("_", " "), *target.synonyms):
            by_synonym.setdefault(synonym, target.name)
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = by_synonym.get(normalise_header(header))
        if field and field not in mapping.values():
            mapping[index] = field
    return mapping


def signature(headers: list[str]) -> str:
    joined = "\x1f".join(normalise_header(h) for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


def remembered_or_guessed(kind: str, headers: list[str]) -> tuple[dict[int, str], bool]:
    saved = ImportMapping.objects.filter(kind=kind, signature=signature(headers)).first()
    if saved is not None:
        valid = targets(kind)
        mapping = {
            int(index): field
            for index, field in saved.mapping.items()
            if field in valid and int(index) < len(headers)
        }
        return mapping, True
    return guess(kind, headers), False


def remember(kind: str, headers: list[str], mapping: dict[int, str]) -> None:
    ImportMapping.objects.update_or_create(
        kind=kind,
        signature=signature(headers),
        defaults={"mapping": {str(index): field for index, field in mapping.items()}},
    )


def problems(kind: str, headers: list[str], mapping: dict[int, str]) -> list[str]:
    """Why this mapping cannot be imported (an empty list when it can)."""
    found = []
    valid = targets(kind)
    seen: dict[str, int] = {}
    for index, field in sorted(mapping.items()):
        if field not in valid:
            found.append(f"Column {index + 1} is mapped to an unknown field {field!r}.")
        elif field in seen:
            found.append(
                f"{valid[field].label} is chosen for two columns ({_column(headers, seen[field])} "
                f"and {_column(headers, index)}): choose one."
            )
        seen.setdefault(field, index)
    chosen = set(mapping.values())
    if kind == ImportKind.CUSTOMERS and not chosen & {"email", "external_id"}:
        found.append(
            "No column is mapped to Email or External ID: customers are matched by one of them."
        )
    if kind == ImportKind.ORDERS:
        if "external_id" not in chosen:
            found.append("No column is mapped to Order ID: orders are matched by it.")
        if not chosen & {"customer_email", "customer_external_id"}:
            found.append(
                "No column is mapped to Customer email or Customer external ID: "
                "each order needs its customer."
            )
    return found


def duplicate_headers(headers: list[str], mapping: dict[int, str]) -> list[str]:
    """Warnings for a mapped header that appears more than once (only one copy is imported)."""
    found = []
    valid = {t.name: t for kind in TARGETS.values() for t in kind}
    normalised = [normalise_header(h) for h in headers]
    for index, field in sorted(mapping.items()):
        if index >= len(headers) or not normalised[index]:
            continue
        twins = [i for i, h in enumerate(normalised) if i != index and h == normalised[index]]
        if twins and all(mapping.get(i) is None for i in twins):
            columns = ", ".join(str(i + 1) for i in sorted([index, *twins]))
            label = valid[field].label if field in valid else field
            found.append(
                f"The header {headers[index]!r} appears more than once (columns {columns}); "
                f"only column {index + 1} is imported, as {label}. Check the mapping and "
                "confirm it to import the file so."
            )
    return found


def _column(headers: list[str], index: int) -> str:
    name = headers[index] if index < len(headers) else ""
    return f"column {index + 1} {name!r}" if name else f"column {index + 1}"
