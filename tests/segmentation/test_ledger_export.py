import csv
import io

import pytest
from django.core.management import CommandError, call_command

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentAction, ConsentSource, ConsentWording
from segmentation.customers.models import Channel, Customer
from segmentation.shared.spreadsheet import safe_cell

pytestmark = pytest.mark.django_db


def _ledger_csv(address: str) -> list[dict]:
    out = io.StringIO()
    call_command("consent_ledger", address, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_an_auditor_gets_who_when_how_and_what_wording():
    wording = ConsentWording.objects.get(version="email-v1")
    customer = Customer.objects.create(email="audit@example.com")
    ledger.record(
        customer,
        Channel.EMAIL,
        ConsentAction.GRANTED,
        Context(ConsentSource.API, ip="198.51.100.4", user_agent="Shop/2", wording=wording),
    )

    [row] = _ledger_csv("Audit@Example.com")

    assert (row["action"], row["source"], row["ip"]) == ("granted", "api", "198.51.100.4")
    assert row["wording_version"] == "email-v1"
    assert row["wording_text"] == wording.text


def test_the_ledger_of_an_erased_person_is_still_found_by_their_address():
    customer = Customer.objects.create(email="gone@example.com")
    ledger.record(customer, Channel.EMAIL, ConsentAction.GRANTED, Context(ConsentSource.IMPORT))
    ledger.erase(customer, Context(ConsentSource.PREFERENCE_CENTER))

    actions = [row["action"] for row in _ledger_csv("gone@example.com")]

    assert actions == ["granted", "withdrawn"]


def test_an_unknown_address_is_a_clear_error():
    with pytest.raises(CommandError, match="No consent events for nobody@example.com"):
        call_command("consent_ledger", "nobody@example.com")


@pytest.mark.parametrize("value", ["=1+1", "+49", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_spreadsheets_would_execute_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_ordinary_cells_are_left_alone():
    assert [safe_cell(v) for v in ["alice", 3, None, "a=b"]] == ["alice", 3, None, "a=b"]
