"""For any sequence of consent operations, two promises hold after every step:

1. the state stored on customers equals the state derived from the ledger;
2. a person who withdrew or was erased is never reachable again until that same person
   confirms a new double opt-in.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.consent import ledger
from segmentation.consent.ledger import ConsentRefused, Context
from segmentation.consent.models import ConsentAction, ConsentSource
from segmentation.customers.models import Channel, ConsentStatus, Customer

ADDRESSES = ["ann@example.com", "ben@example.com"]
OPERATIONS = ["import_grant", "admin_grant", "admin_withdraw", "signup", "confirm", "opt_out",
              "erase"]  # fmt: skip


class Rollback(Exception):
    pass


def _customer(address: str) -> Customer | None:
    return Customer.objects.filter(email=address).first()


def _apply(operation: str, address: str) -> str:
    """Run one operation as the app would: 'skipped' (nobody there), 'done' or 'confirmed'."""
    customer = _customer(address)
    if operation in {"import_grant", "signup"} and customer is None:
        customer = Customer.objects.create(email=address)  # imports and signups create people
    if customer is None:
        return "skipped"
    ctx = {
        "import_grant": Context(ConsentSource.IMPORT, evidence="file.csv"),
        "admin_grant": Context(ConsentSource.ADMIN, actor="dataadmin", evidence="asked"),
        "admin_withdraw": Context(ConsentSource.ADMIN, actor="dataadmin", evidence="asked"),
        "signup": Context(ConsentSource.SIGNUP_FORM),
        "confirm": Context(ConsentSource.SIGNUP_FORM),
        "opt_out": Context(ConsentSource.UNSUBSCRIBE_LINK),
        "erase": Context(ConsentSource.PREFERENCE_CENTER),
    }[operation]
    try:
        if operation in {"import_grant", "admin_grant"}:
            ledger.record(customer, Channel.EMAIL, ConsentAction.GRANTED, ctx)
        elif operation in {"admin_withdraw", "opt_out"}:
            ledger.withdraw(customer, Channel.EMAIL, ctx)
        elif operation == "signup":
            ledger.request_opt_in(customer, Channel.EMAIL, ctx)
        elif operation == "confirm":
            return "confirmed" if ledger.confirm(customer, Channel.EMAIL, None, ctx) else "done"
        elif operation == "erase":
            ledger.erase(customer, ctx)
    except ConsentRefused:
        pass
    return "done"


def _check(address: str, blocked: bool) -> None:
    customer = _customer(address)
    if customer is None:
        return
    derived = ledger.derive_state(customer.consent_events.all())
    assert customer.email_consent == derived.get(("email", None), ConsentStatus.NONE)
    if blocked:
        assert not ledger.is_reachable(customer, Channel.EMAIL)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.sampled_from(ADDRESSES)), max_size=25)
)
def test_state_follows_the_ledger_and_withdrawals_stick(steps):
    try:
        with transaction.atomic():
            blocked = dict.fromkeys(ADDRESSES, False)
            for operation, address in steps:
                outcome = _apply(operation, address)
                if outcome == "done" and operation in {"admin_withdraw", "opt_out", "erase"}:
                    blocked[address] = True
                if outcome == "confirmed":
                    blocked[address] = False
                for each in ADDRESSES:
                    _check(each, blocked[each])
            raise Rollback
    except Rollback:
        pass
