import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from segmentation.consent import ledger
from segmentation.consent.ledger import ConsentRefused, Context
from segmentation.consent.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    Suppression,
    Topic,
)
from segmentation.customers.models import Channel, ConsentStatus, Customer, Order

pytestmark = pytest.mark.django_db

IMPORT = Context(source=ConsentSource.IMPORT, evidence="customers.csv row 2")
ADMIN = Context(source=ConsentSource.ADMIN, actor="dataadmin", evidence="phoned us")
LINK = Context(source=ConsentSource.UNSUBSCRIBE_LINK, ip="203.0.113.9", user_agent="Mail")
SIGNUP = Context(source=ConsentSource.SIGNUP_FORM, ip="203.0.113.9")


@pytest.fixture
def alice():
    return Customer.objects.create(email="alice@example.com", phone="+4915100000001")


def _state_matches_ledger(customer: Customer) -> bool:
    customer.refresh_from_db()
    derived = ledger.derive_state(customer.consent_events.all())
    for channel in Channel.values:
        if customer.consent_for(channel) != derived.get((channel, None), ConsentStatus.NONE):
            return False
    topics = {(s.channel, s.topic_id): s.status for s in customer.topic_consents.all()}
    return all(derived[key] == status for key, status in topics.items())


def test_a_grant_is_an_event_and_the_state_follows(alice):
    event = ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)

    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.GRANTED
    assert (event.source, event.evidence) == ("import", "customers.csv row 2")
    assert event.address_hash == ledger.address_hash("email", "alice@example.com")
    assert _state_matches_ledger(alice)


def test_an_import_never_regrants_a_withdrawn_consent(alice):
    ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    ledger.withdraw(alice, Channel.EMAIL, LINK)

    with pytest.raises(ConsentRefused, match="withdrawn"):
        ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    with pytest.raises(ConsentRefused):
        ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, ADMIN)

    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.WITHDRAWN
    assert alice.consent_events.count() == 2


def test_a_new_request_after_a_withdrawal_does_not_let_an_import_regrant(alice, eager_tasks):
    ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    ledger.withdraw(alice, Channel.EMAIL, LINK)
    ledger.request_opt_in(alice, Channel.EMAIL, SIGNUP)

    with pytest.raises(ConsentRefused, match="withdrawn"):
        ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)

    assert ledger.confirm(alice, Channel.EMAIL, None, SIGNUP)
    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.GRANTED


def test_repeating_a_change_writes_no_second_event(alice):
    ledger.withdraw(alice, Channel.EMAIL, LINK)
    assert ledger.withdraw(alice, Channel.EMAIL, LINK) is None
    assert alice.consent_events.count() == 1


def test_a_channel_without_an_address_cannot_be_granted():
    bob = Customer.objects.create(email="bob@example.com")
    with pytest.raises(ConsentRefused, match="SMS"):
        ledger.record(bob, Channel.SMS, ConsentAction.GRANTED, IMPORT)


def test_double_opt_in_grants_only_on_confirmation(alice, run_on_commit, mailoutbox):
    with run_on_commit():
        ledger.request_opt_in(alice, Channel.EMAIL, SIGNUP)
    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.PENDING
    assert len(mailoutbox) == 1

    assert ledger.confirm(alice, Channel.EMAIL, None, SIGNUP) is True
    assert ledger.confirm(alice, Channel.EMAIL, None, SIGNUP) is False

    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.GRANTED
    confirmation = alice.consent_events.get(action=ConsentAction.CONFIRMED)
    assert confirmation.request.action == ConsentAction.REQUESTED


def test_a_withdrawal_after_the_request_voids_its_confirmation_link(alice, eager_tasks):
    ledger.request_opt_in(alice, Channel.EMAIL, SIGNUP)
    ledger.withdraw(alice, Channel.EMAIL, LINK)

    assert ledger.confirm(alice, Channel.EMAIL, None, SIGNUP) is False
    alice.refresh_from_db()
    assert alice.email_consent == ConsentStatus.WITHDRAWN


def test_an_expired_request_cannot_be_confirmed(alice, settings, eager_tasks):
    ledger.request_opt_in(alice, Channel.EMAIL, SIGNUP)
    settings.SEGMENTA_CONFIRMATION_MAX_AGE = 0

    assert ledger.confirm(alice, Channel.EMAIL, None, SIGNUP) is False


def test_confirming_a_topic_also_confirms_its_channel(alice, eager_tasks):
    news = Topic.objects.create(slug="news", name="Newsletter")
    ledger.withdraw(alice, Channel.EMAIL, LINK)
    ledger.request_opt_in(alice, Channel.EMAIL, SIGNUP, topics=[news])

    assert ledger.confirm(alice, Channel.EMAIL, news, SIGNUP)

    alice.refresh_from_db()
    assert ledger.is_reachable(alice, Channel.EMAIL, news)
    assert _state_matches_ledger(alice)


def test_erasure_keeps_the_ledger_unlinks_orders_and_suppresses_addresses(alice):
    ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    order = Order.objects.create(customer=alice, total="12.00")

    receipt = ledger.erase(alice, LINK)

    assert not Customer.objects.filter(pk=alice.pk).exists()
    order.refresh_from_db()
    assert order.customer is None
    alice_hash = ledger.address_hash("email", "alice@example.com")
    kept = ConsentEvent.objects.filter(address_hash=alice_hash)
    assert [e.action for e in kept] == ["granted", "withdrawn"]
    assert all(e.customer_id is None for e in kept)
    assert Suppression.objects.count() == 2  # email and phone
    assert receipt == {"orders_unlinked": 1, "ledger_entries_kept": 2, "suppressed": 2}


def test_an_erased_person_comes_back_only_through_their_own_double_opt_in(alice, eager_tasks):
    ledger.erase(alice, LINK)
    again = Customer.objects.create(email="ALICE@example.com")

    with pytest.raises(ConsentRefused, match="erased"):
        ledger.record(again, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)

    ledger.request_opt_in(again, Channel.EMAIL, SIGNUP)
    assert ledger.confirm(again, Channel.EMAIL, None, SIGNUP)
    again.refresh_from_db()
    assert ledger.is_reachable(again, Channel.EMAIL)


def test_events_cannot_be_changed_or_deleted_through_the_orm(alice):
    event = ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    event.evidence = "forged"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        ConsentEvent.objects.filter(pk=event.pk).update(action="withdrawn")
    with pytest.raises(TypeError, match="append-only"):
        ConsentEvent.objects.all().delete()
    assert ConsentEvent.objects.get(pk=event.pk).evidence == "customers.csv row 2"


def test_the_database_refuses_raw_changes_to_the_ledger(alice):
    event = ledger.record(alice, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    for sql in (
        "UPDATE segmentation_consentevent SET action = 'withdrawn' WHERE id = %s",
        "DELETE FROM segmentation_consentevent WHERE id = %s",
        "UPDATE segmentation_consentevent SET customer_id = NULL, evidence = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).action == ConsentAction.GRANTED


def test_list_unsubscribe_headers_follow_rfc_8058(alice, settings):
    settings.SITE_URL = "https://segmenta.example.com"
    headers = ledger.list_unsubscribe_headers(alice, ref="d-1")

    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    uris = [part.strip(" <>") for part in headers["List-Unsubscribe"].split(",")]
    assert len(uris) == 1
    assert uris[0].startswith("https://segmenta.example.com/u/")


def test_a_mailto_link_is_added_when_configured(alice, settings):
    settings.SEGMENTA_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    value = ledger.list_unsubscribe_headers(alice)["List-Unsubscribe"]
    assert value.count("<") == 2
    assert "<mailto:unsubscribe@example.com?subject=unsubscribe>" in value
