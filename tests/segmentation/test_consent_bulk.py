"""The bulk consent path decides exactly as ledger.record does, on the same inputs."""

import csv
import itertools

import pytest

from segmentation.consent import ledger
from segmentation.consent.models import ConsentEvent, Suppression
from segmentation.customers.models import ConsentStatus, Customer
from tests.segmentation.import_helpers import import_text

pytestmark = pytest.mark.django_db
STATES = [ConsentStatus.NONE, ConsentStatus.PENDING, ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN]
ACTIONS = ["granted", "withdrawn"]
SETUP = ledger.Context(source="admin", actor="setup")


def _person(prefix: str, n: int, state: str, suppressed: bool, with_phone: bool) -> Customer:
    person = Customer.objects.create(
        email=f"{prefix}{n}@example.com",
        phone=f"+49{151 if prefix == 'rec' else 152}{n:07d}" if with_phone else "",
    )
    for channel in ("email", "sms"):
        if person.address_for(channel) is None:
            continue
        steps = {
            "pending": ["requested"],
            "granted": ["granted"],
            "withdrawn": ["granted", "withdrawn"],
        }
        for action in steps.get(state, []):
            ledger.record(person, channel, action, SETUP)
        if suppressed:
            Suppression.objects.get_or_create(
                address_hash=ledger.address_hash(channel, person.address_for(channel)),
                defaults={"channel": channel},
            )
    return person


def test_it_matches_consent_record_for_every_case(tmp_path):
    cases = list(itertools.product(STATES, [False, True], [False, True], ACTIONS))
    by_record, by_import = [], []
    lines = ["email,newsletter,sms consent"]
    for n, (state, suppressed, with_phone, action) in enumerate(cases):
        one = _person("rec", n, state, suppressed, with_phone)
        for channel in ("email", "sms"):
            try:
                event = ledger.record(one, channel, action, ledger.Context(source="import"))
                by_record.append("apply" if event else "noop")
            except ledger.ConsentRefused:
                by_record.append("refused")
        one.refresh_from_db()
        by_record.append((one.email_consent, one.sms_consent))
        _person("imp", n, state, suppressed, with_phone)
        word = "yes" if action == "granted" else "no"
        lines.append(f"imp{n}@example.com,{word},{word}")

    import_text(
        tmp_path, "\n".join(lines) + "\n", actor="dataadmin", problems=tmp_path / "problems.csv"
    )

    imported = ConsentEvent.objects.filter(source="import", customer__email__startswith="imp")
    decided = {}
    with open(tmp_path / "problems.csv", newline="") as f:
        for issue in csv.DictReader(f):
            assert issue["outcome"] == "consent refused"
            decided[(int(issue["row"]), issue["field"].split()[0])] = "refused"
    for event in imported:
        row = int(event.evidence.rsplit(" ", 1)[1])
        decided[(row, event.channel)] = "apply"
    for n in range(len(cases)):
        person = Customer.objects.get(email=f"imp{n}@example.com")
        for channel in ("email", "sms"):
            by_import.append(decided.get((n + 2, channel), "noop"))
        by_import.append((person.email_consent, person.sms_consent))
    assert by_import == by_record


def test_its_fast_hash_equals_the_ledgers():
    from segmentation.consent.bulk import fast_address_hash

    for channel, address in (("email", "ann@example.com"), ("sms", "+4915112345678")):
        assert fast_address_hash(channel, address) == ledger.address_hash(channel, address)
