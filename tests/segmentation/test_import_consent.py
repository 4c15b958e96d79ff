"""Consent through imports: withdrawn stays withdrawn, erased stays unreachable."""

import pytest

from segmentation.consent import ledger
from segmentation.consent.models import ConsentEvent, Suppression
from segmentation.customers.models import Customer
from tests.segmentation.import_helpers import import_text

pytestmark = pytest.mark.django_db
ADMIN = ledger.Context(source="admin", actor="dataadmin")


def test_it_records_import_events_with_file_row_and_importer(tmp_path):
    import_text(tmp_path, "email,newsletter\nann@example.com,yes\n", actor="dataadmin")
    event = ConsentEvent.objects.get()
    ann = Customer.objects.get()
    assert (event.customer, event.action, event.source) == (ann, "granted", "import")
    assert (event.evidence, event.actor) == ("file people.csv row 2", "dataadmin")
    assert event.address_hash == ledger.address_hash("email", "ann@example.com")
    assert ann.email_consent == "granted"


def test_it_never_regrants_a_withdrawn_consent(tmp_path):
    ann = Customer.objects.create(email="ann@example.com")
    ledger.record(ann, "email", "granted", ADMIN)
    ledger.withdraw(ann, "email", ledger.Context(source="unsubscribe_link"))
    report = import_text(tmp_path, "email,first name,newsletter\nann@example.com,Ann,yes\n")
    ann.refresh_from_db()
    assert ann.email_consent == "withdrawn"
    assert ann.first_name == "Ann"  # the rest of the row is imported
    assert report["consent"]["refused_by_reason"] == {"withdrawn": 1}
    issue = report["issues"][0]
    assert (issue["row"], issue["outcome"]) == (2, "consent refused")
    assert ConsentEvent.objects.filter(source="import").count() == 0


def test_it_never_makes_an_erased_person_reachable(tmp_path):
    ann = Customer.objects.create(email="ann@example.com")
    ledger.erase(ann, ADMIN)
    assert Suppression.objects.count() == 1
    report = import_text(tmp_path, "email,newsletter\nANN@example.com,yes\n")
    ann = Customer.objects.get(email="ann@example.com")  # re-created, but not reachable
    assert ann.email_consent == "none"
    assert not ledger.is_reachable(ann, "email")
    assert report["consent"]["refused_by_reason"] == {"suppressed": 1}


def test_it_records_a_withdrawal_from_the_file(tmp_path):
    ann = Customer.objects.create(email="ann@example.com")
    ledger.record(ann, "email", "granted", ADMIN)
    import_text(tmp_path, "email,newsletter\nann@example.com,no\n")
    ann.refresh_from_db()
    assert ann.email_consent == "withdrawn"
    assert ConsentEvent.objects.filter(source="import", action="withdrawn").count() == 1


def test_each_channel_s_event_is_keyed_by_that_channel_s_address_in_the_file(tmp_path):
    import_text(
        tmp_path,
        "sms consent,phone,email,newsletter\nyes,+49 151 1234567,Ann@Example.com,no\n",
    )
    hashes = dict(ConsentEvent.objects.values_list("channel", "address_hash"))
    assert hashes == {
        "email": ledger.address_hash("email", "ann@example.com"),
        "sms": ledger.address_hash("sms", "+491511234567"),
    }
    ann = Customer.objects.get()
    assert (ann.email_consent, ann.sms_consent) == ("withdrawn", "granted")


def test_sms_consent_needs_a_phone(tmp_path):
    report = import_text(tmp_path, "email,sms consent\nann@example.com,yes\n")
    assert report["consent"]["refused_by_reason"] == {"no_address": 1}
    import_text(tmp_path, "email,phone\nann@example.com,+4915112345678\n")
    import_text(tmp_path, "email,sms consent\nann@example.com,yes\n")
    assert Customer.objects.get().sms_consent == "granted"
    event = ConsentEvent.objects.get(channel="sms")
    assert event.address_hash == ledger.address_hash("sms", "+4915112345678")


def test_a_strict_refusal_writes_no_consent_events(tmp_path):
    import_text(tmp_path, "email,newsletter\nann@example.com,yes\nbad,yes\n", strict=True)
    assert ConsentEvent.objects.count() == 0


def test_it_keeps_the_wording_people_agreed_to_with_the_events(tmp_path):
    from segmentation.consent.models import ConsentWording

    wording = ConsentWording.objects.create(version="import-v1", text="Yes, send me news.")
    import_text(tmp_path, "email,newsletter\nann@example.com,yes\n", wording_id=wording.pk)
    assert ConsentEvent.objects.get().wording == wording
