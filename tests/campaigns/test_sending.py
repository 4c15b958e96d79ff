"""Launching, batches and states, in this process: a real SMTP server on loopback (aiosmtpd
in a thread) or Django's memory backend. Worker processes and faults: tests/reliability/."""

import time
from datetime import timedelta
from email import message_from_bytes
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection
from django.utils import timezone

from campaigns.models import Campaign, Delivery, Track, Variant
from campaigns.sending import claims, lifecycle
from campaigns.sending.batch import run_batch
from campaigns.sending.mark import MessageTransaction
from campaigns.sending.progress import progress
from campaigns.sending.ratelimit import RateLimiter
from campaigns.sending.requeue import requeue_stale
from campaigns.sending.smtp import EmailTransport
from config.celery import app
from segmentation.consent import ledger
from segmentation.consent.models import ConsentSource, Topic, TopicConsent
from segmentation.customers.models import ConsentStatus, Customer
from tests.campaigns.sending_builders import campaign, everyone, recipients

pytestmark = pytest.mark.django_db
WITHDRAWAL = ledger.Context(source=ConsentSource.UNSUBSCRIBE_LINK)


@pytest.fixture
def memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def statuses(of: Campaign) -> dict[str, int]:
    rows = Delivery.objects.filter(campaign=of).values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def started(of: Campaign) -> Campaign:
    """Launched now, with no batch run yet (the tasks are not executed here)."""
    lifecycle.launch(of)
    return of


# --- launching ---


def test_it_refuses_to_launch_without_tracks():
    empty = Campaign.objects.create(name="Empty")

    with pytest.raises(lifecycle.LaunchError) as refused:
        lifecycle.launch(empty)

    assert refused.value.problems == ["Add at least one track: a segment and its message."]


def test_it_refuses_weights_that_do_not_add_up_to_100():
    draft = campaign(weights=(50, 30))

    with pytest.raises(lifecycle.LaunchError, match="add up to 80, not 100"):
        lifecycle.launch(draft)
    assert not Delivery.objects.exists()


def test_it_refuses_missing_or_broken_content():
    draft = campaign()
    Variant.objects.filter(track__campaign=draft).update(subject="", text_body="{% if %}")

    problems = lifecycle.launch_problems(draft)

    assert any("subject" in p for p in problems), problems
    assert any("Text body" in p for p in problems), problems


def test_it_refuses_a_track_without_variants():
    draft = Campaign.objects.create(name="No content")
    Track.objects.create(campaign=draft, segment=everyone())

    assert lifecycle.launch_problems(draft) == ["Track 1 (Everyone): add a variant."]


def test_it_freezes_and_starts_a_campaign_launched_now(django_capture_on_commit_callbacks):
    recipients(3)
    draft = campaign(holdout_percent=0)

    with django_capture_on_commit_callbacks() as enqueued:
        plan = lifecycle.launch(draft)

    assert plan.recipients == 3
    assert draft.status == "sending" and draft.launched_at
    assert statuses(draft) == {"queued": 3}
    assert len(enqueued) == 4  # SEGMENTA_SEND_PARALLEL batch tasks, after the commit


def test_a_campaign_launches_once():
    recipients(1)
    draft = campaign()
    lifecycle.launch(draft)

    with pytest.raises(lifecycle.LaunchError, match="Only a draft"):
        lifecycle.launch(draft)
    assert Delivery.objects.count() == 1


def test_a_scheduled_campaign_starts_when_due():
    recipients(2)
    later = timezone.now() + timedelta(hours=2)
    draft = campaign(scheduled_at=later)

    assert lifecycle.launch(draft) is None
    assert draft.status == "scheduled" and not Delivery.objects.exists()

    assert lifecycle.start_due(now=later - timedelta(minutes=1)) == []
    assert lifecycle.start_due(now=later + timedelta(seconds=1)) == [draft.pk]
    draft.refresh_from_db()
    assert draft.status == "sending" and statuses(draft) == {"queued": 2}
    assert lifecycle.start_due(now=later + timedelta(seconds=2)) == []  # beat twice: once


def test_a_scheduled_campaign_broken_since_goes_back_to_draft():
    recipients(1)
    later = timezone.now() + timedelta(hours=1)
    draft = campaign(scheduled_at=later)
    lifecycle.launch(draft)
    Variant.objects.filter(track__campaign=draft).update(weight=40)

    assert lifecycle.start_due(now=later + timedelta(seconds=1)) == []
    draft.refresh_from_db()
    assert draft.status == "draft" and not Delivery.objects.exists()


# --- a batch over SMTP ---


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_a_batch_sends_each_claimed_row_once_over_one_connection(any_smtp):
    people = recipients(30)
    draft = started(campaign())

    report = run_batch(draft.pk)

    assert report.claimed == report.sent == 30
    assert any_smtp.counts == {p.email: 1 for p in people}
    assert len(any_smtp.peers) == 1
    # MAIL, RCPT and DATA go in one write where the server offers PIPELINING, never otherwise.
    assert any_smtp.pipelined == (30 if any_smtp.pipelining else 0)
    assert statuses(draft) == {"sent": 30}
    rows = Delivery.objects.filter(campaign=draft)
    assert not rows.filter(sent_at=None).exists()
    assert set(rows.values_list("attempts", flat=True)) == {1}


def test_a_batch_leaves_no_prepared_statement_behind(smtp):
    """A worker's connection lives on (CONN_MAX_AGE): a statement left prepared by each batch
    would pile up in the server's memory."""
    recipients(3)
    draft = started(campaign())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        before = cursor.fetchone()[0]

    report = run_batch(draft.pk)

    assert report.sent == 3 and smtp.total == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == before


def test_the_row_keeps_the_message_id_and_the_message_has_the_opt_out_headers(smtp):
    recipients(1)
    draft = started(campaign())

    run_batch(draft.pk)

    delivery = Delivery.objects.get()
    message = message_from_bytes(smtp.messages[0])
    assert (
        message["Message-ID"]
        == delivery.provider_message_id
        == f"<{delivery.public_id.hex}@127.0.0.1>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<http")


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_a_message_whose_commit_fails_goes_out_again_as_the_same_message(smtp, settings):
    """Accepted by the server, but its mark never committed: the row stays claimed without
    sent_at, comes back after the claim timeout and is sent again, with the same Message-ID."""
    settings.SEGMENTA_SEND_CLAIM_TIMEOUT = 60
    recipients(1)
    draft = started(campaign())

    failing = mock.patch.object(MessageTransaction, "commit", side_effect=DatabaseError("gone"))
    with failing, pytest.raises(DatabaseError):
        run_batch(draft.pk)

    delivery = Delivery.objects.get()
    assert (smtp.total, delivery.status, delivery.sent_at) == (1, "claimed", None)
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(minutes=5))
    assert requeue_stale()["requeued"] == 1
    assert run_batch(draft.pk).sent == 1
    first, again = (message_from_bytes(m)["Message-ID"] for m in smtp.messages)
    assert first == again == Delivery.objects.get().provider_message_id


def test_batches_walk_the_queue_in_id_order_and_stop_when_empty(smtp, settings):
    settings.SEGMENTA_SEND_BATCH_SIZE = 4
    recipients(10)
    draft = started(campaign())
    ids = sorted(Delivery.objects.values_list("pk", flat=True))

    first = claims.claim_queued(draft, "one", 4)
    second = claims.claim_queued(draft, "two", 4)

    assert first == ids[:4] and second == ids[4:8]
    assert run_batch(draft.pk).claimed == 2
    assert run_batch(draft.pk).claimed == 0


def test_the_campaign_is_sent_only_when_no_row_is_left(smtp, settings):
    settings.SEGMENTA_SEND_BATCH_SIZE = 5
    recipients(7)
    draft = started(campaign())
    claims.claim_queued(draft, "someone-else", 2)

    run_batch(draft.pk)
    run_batch(draft.pk)

    draft.refresh_from_db()
    assert draft.status == "sending"  # two rows are still claimed by another worker
    Delivery.objects.filter(status="claimed").update(status="sent")
    run_batch(draft.pk)
    draft.refresh_from_db()
    assert draft.status == "sent" and draft.finished_at


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_an_opt_out_after_freezing_skips_the_customer(smtp):
    keep, leave = recipients(2)
    draft = started(campaign())
    ledger.withdraw(Customer.objects.get(pk=leave.pk), "email", WITHDRAWAL)

    report = run_batch(draft.pk)

    assert smtp.counts == {keep.email: 1}
    assert report.skipped == 1
    skipped = Delivery.objects.get(customer=leave)
    assert (skipped.status, skipped.error) == ("skipped", "no_consent")
    assert progress(draft)["skipped_at_send"] == {"no_consent": 1}


def test_a_topic_opt_out_after_freezing_skips_the_customer(smtp):
    news = Topic.objects.create(slug="news", name="News")
    keep, leave = recipients(2)
    for person in (keep, leave):
        TopicConsent.objects.create(
            customer=person,
            topic=news,
            channel="email",
            status="granted",
            changed_at=timezone.now(),
        )
    draft = started(campaign(topic=news))
    TopicConsent.objects.filter(customer=leave).update(status="withdrawn")

    run_batch(draft.pk)

    assert smtp.counts == {keep.email: 1}
    assert Delivery.objects.get(customer=leave).error == "topic"


def test_the_frequency_cap_is_checked_again_when_sending(smtp, settings):
    settings.SEGMENTA_FREQUENCY_CAP_MESSAGES = 1
    first, second = recipients(2)
    other = started(campaign(name="Other"))
    draft = started(campaign(name="This one"))
    Delivery.objects.filter(campaign=other, customer=first).update(
        status="sent", sent_at=timezone.now()
    )

    run_batch(draft.pk)

    assert Delivery.objects.get(campaign=draft, customer=first).error == "frequency_cap"
    assert Delivery.objects.get(campaign=draft, customer=second).status == "sent"


def test_an_erased_customer_is_skipped(smtp):
    recipients(1)
    draft = started(campaign())
    Customer.objects.all().delete()

    run_batch(draft.pk)

    assert Delivery.objects.get().error == "erased"
    assert smtp.total == 0


# --- refusals and retries ---


def refusing(handler, answer: str):
    async def handle_DATA(server, session, envelope):  # noqa: N802
        return answer

    return mock.patch.object(handler, "handle_DATA", handle_DATA)


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_a_permanent_refusal_fails_the_row_with_the_reason(any_smtp):
    recipients(1)
    draft = started(campaign())

    with refusing(any_smtp, "550 5.1.1 No such mailbox"):
        report = run_batch(draft.pk)

    delivery = Delivery.objects.get()
    assert report.failed == 1 and delivery.status == "failed"
    assert delivery.error == "end of data: 550 5.1.1 No such mailbox"
    assert delivery.sent_at is None and delivery.attempts == 1
    run_batch(draft.pk)  # the chain's next batch finds nothing left
    draft.refresh_from_db()
    assert draft.status == "sent"  # finished, with a failure


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_a_transient_refusal_is_retried_with_backoff(any_smtp, settings):
    settings.SEGMENTA_SEND_RETRY_SECONDS = 10
    recipients(1)
    draft = started(campaign())

    with refusing(any_smtp, "451 4.3.0 Try again later"):
        report = run_batch(draft.pk)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.sent_at, delivery.attempts) == ("claimed", None, 1)
    assert report.retry_ids == [delivery.pk] and report.retry_in == 10

    retried = run_batch(draft.pk, report.claim, report.retry_ids)

    assert retried.sent == 1 and any_smtp.total == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 2, "")


def refusing_turn(handler, command: str, answer: str, turn: int, accept_anyway=False):
    """The server answers `answer` to the turn-th MAIL or RCPT of the connection (1-based);
    accept_anyway: a broken server that records that recipient still, so it takes DATA."""
    seen = []

    async def handle(server, session, envelope, address, options):
        seen.append(address)
        if len(seen) == turn:
            if accept_anyway:
                envelope.rcpt_tos.append(address)
            return answer
        if command == "RCPT":
            envelope.rcpt_tos.append(address)
        else:
            envelope.mail_from = address
        return "250 OK"

    return mock.patch.object(handler, f"handle_{command}", handle, create=True)


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
@pytest.mark.parametrize(
    "command, answer, status",
    [("RCPT", "550 5.1.1 No such mailbox", "failed"),
     ("RCPT", "452 4.2.2 Mailbox full", "claimed"),  # kept for a retry
     ("MAIL", "451 4.3.0 Sender check failed", "claimed")],
)  # fmt: skip
def test_a_refused_envelope_fails_or_retries_that_row_and_the_batch_goes_on(
    any_smtp, command, answer, status
):
    people = recipients(3)
    draft = started(campaign())

    with refusing_turn(any_smtp, command, answer, turn=2):
        report = run_batch(draft.pk)

    refused = Delivery.objects.exclude(status="sent").select_related("customer").get()
    assert refused.status == status and refused.sent_at is None
    assert refused.error == f"{command}: {answer}"
    # The others arrived once each over the same connection; nothing for the refused one.
    assert any_smtp.counts == {p.email: 1 for p in people if p != refused.customer}
    assert report.sent == 2 and len(any_smtp.peers) == 1


@pytest.mark.django_db(transaction=True)  # as in a worker: autocommit
def test_a_server_that_takes_data_after_refusing_the_recipient_gets_no_empty_message(smtp):
    """Pipelined, DATA's 354 may come after a refused RCPT; a "." would then deliver an empty
    message. The connection is dropped instead, and the next message takes a new one."""
    recipients(3)
    draft = started(campaign())

    with refusing_turn(smtp, "RCPT", "550 5.1.1 No such mailbox", turn=2, accept_anyway=True):
        report = run_batch(draft.pk)

    refused = Delivery.objects.exclude(status="sent").select_related("customer").get()
    assert (refused.status, refused.error) == ("failed", "RCPT: 550 5.1.1 No such mailbox")
    assert smtp.total == 2 and refused.customer.email not in smtp.counts
    assert report.sent == 2 and len(smtp.peers) == 2


def test_it_gives_up_after_the_last_attempt(smtp, settings):
    settings.SEGMENTA_SEND_MAX_ATTEMPTS = 2
    recipients(1)
    draft = started(campaign())

    with refusing(smtp, "451 4.3.0 Try again later"):
        report = run_batch(draft.pk)
        again = run_batch(draft.pk, report.claim, report.retry_ids)

    delivery = Delivery.objects.get()
    assert again.retry_ids == [] and delivery.status == "failed"
    assert delivery.error.startswith("gave up after 2 attempts: end of data: 451")


def test_a_retry_of_rows_no_longer_held_sends_nothing(smtp):
    recipients(1)
    draft = started(campaign())
    claims.claim_queued(draft, "dead-worker", 10)

    report = run_batch(
        draft.pk, "another-claim", list(Delivery.objects.values_list("pk", flat=True))
    )

    assert report.claimed == 0 and smtp.total == 0


def test_an_unreachable_server_is_a_transient_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard: nothing listens
    recipients(2)
    draft = started(campaign())

    report = run_batch(draft.pk)

    assert sorted(report.retry_ids) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("attempts", "status")) == {(1, "claimed")}


# --- pause, resume, cancel ---


def test_a_paused_campaign_is_claimed_no_more_and_resumes(smtp, django_capture_on_commit_callbacks):
    recipients(3)
    draft = started(campaign())

    assert lifecycle.pause(draft) and draft.status == "paused"
    assert run_batch(draft.pk).claimed == 0
    with django_capture_on_commit_callbacks() as enqueued:
        assert lifecycle.resume(draft)
    assert draft.status == "sending" and len(enqueued) == 4
    assert run_batch(draft.pk).sent == 3


def test_a_batch_in_flight_stops_within_a_second_of_a_pause(smtp, settings):
    recipients(40)
    draft = started(campaign())
    real_send = EmailTransport.send

    def slow_send(self, out):
        time.sleep(0.1)
        if Delivery.objects.filter(status="sent").count() + len(smtp.counts) >= 5:
            Campaign.objects.filter(pk=draft.pk).update(status="paused")
        return real_send(self, out)

    with mock.patch.object(EmailTransport, "send", slow_send):
        report = run_batch(draft.pk)

    assert 5 <= report.sent < 40
    assert statuses(draft) == {"sent": report.sent, "queued": 40 - report.sent}


def test_a_slow_batch_keeps_its_claim_fresh(smtp):
    recipients(8)
    draft = started(campaign())
    real_send = EmailTransport.send
    seen = []

    def slow_send(self, out):
        time.sleep(0.3)
        last = Delivery.objects.order_by("pk").last()
        seen.append(last.claimed_at)
        return real_send(self, out)

    with mock.patch.object(EmailTransport, "send", slow_send):
        run_batch(draft.pk)

    assert seen[-1] > seen[0]  # the last row's claim was refreshed while it waited


def test_cancel_stops_what_is_queued(smtp):
    recipients(4)
    draft = started(campaign())
    claims.claim_queued(draft, "in-flight", 1)

    assert lifecycle.cancel(draft) and draft.status == "cancelled"
    assert statuses(draft) == {"cancelled": 3, "claimed": 1}
    assert run_batch(draft.pk).claimed == 0
    assert not lifecycle.cancel(draft)


# --- recovery ---


def test_stale_claims_go_back_to_the_queue_or_count_as_sent(
    settings, django_capture_on_commit_callbacks
):
    settings.SEGMENTA_SEND_CLAIM_TIMEOUT = 60
    recipients(3)
    started(campaign())
    unsent, went_out, fresh = Delivery.objects.order_by("pk")
    long_ago = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk__in=[unsent.pk, went_out.pk]).update(
        status="claimed", claimed_by="dead", claimed_at=long_ago
    )
    Delivery.objects.filter(pk=went_out.pk).update(sent_at=long_ago)
    Delivery.objects.filter(pk=fresh.pk).update(
        status="claimed", claimed_by="alive", claimed_at=timezone.now()
    )

    totals = requeue_stale()

    assert (totals["requeued"], totals["sent"]) == (1, 1)
    assert dict(Delivery.objects.values_list("pk", "status")) == {
        unsent.pk: "queued",
        went_out.pk: "sent",
        fresh.pk: "claimed",
    }


def test_stale_claims_of_a_cancelled_campaign_are_cancelled(settings):
    settings.SEGMENTA_SEND_CLAIM_TIMEOUT = 60
    recipients(2)
    draft = started(campaign())
    Delivery.objects.update(
        status="claimed", claimed_by="dead", claimed_at=timezone.now() - timedelta(minutes=5)
    )
    lifecycle.cancel(draft)

    assert requeue_stale()["cancelled"] == 2
    assert statuses(draft) == {"cancelled": 2}


def test_a_stalled_campaign_gets_its_batches_again(settings, django_capture_on_commit_callbacks):
    settings.SEGMENTA_SEND_STALL_SECONDS = 60
    recipients(2)
    draft = started(campaign())
    Campaign.objects.filter(pk=draft.pk).update(launched_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks() as enqueued:
        totals = requeue_stale()

    assert totals["restarted"] == 1 and len(enqueued) == 4


def test_requeue_finishes_a_campaign_with_nothing_left():
    recipients(1)
    draft = started(campaign())
    Delivery.objects.update(status="sent", sent_at=timezone.now())

    assert requeue_stale()["finished"] == 1
    draft.refresh_from_db()
    assert draft.status == "sent"


# --- progress ---


def test_progress_counts_every_state(smtp, settings):
    settings.SEGMENTA_SEND_BATCH_SIZE = 3
    recipients(5)
    recipients(2, start=5, email_consent=ConsentStatus.WITHDRAWN)
    draft = started(campaign())
    run_batch(draft.pk)

    figures = progress(draft)

    assert figures["frozen"] == 5
    assert figures["sent"] == 3 and figures["remaining"] == 2
    assert figures["skipped_at_freeze"] == {"no_consent": 2}
    assert figures["skipped"] == 2 and figures["failed"] == 0
    assert figures["rate"] > 0 and figures["done"] is False


def test_progress_counts_messages_in_flight_as_sent():
    recipients(2)
    draft = started(campaign())
    first = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(status="claimed", sent_at=timezone.now())

    figures = progress(draft)

    assert (figures["sent"], figures["remaining"]) == (1, 1)


# --- eager tasks: the whole campaign in this process ---


def test_a_launched_campaign_is_sent_end_to_end(memory_mail, run_on_commit):
    recipients(12)
    draft = campaign()

    with run_on_commit():
        lifecycle.launch(draft)

    draft.refresh_from_db()
    assert draft.status == "sent"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"r{i}@example.com" for i in range(12))
    assert progress(draft)["done"] is True


# --- the rate limit and the consent condition ---


def test_the_rate_limit_holds_across_limiters_within_a_second(settings):
    settings.SEGMENTA_SEND_RATE_EMAIL = 40
    first, second = RateLimiter("email"), RateLimiter("email")
    taken = 0
    with mock.patch("campaigns.sending.ratelimit.time.time", return_value=1_000_000.5):
        for limiter in (first, second) * 50:
            got = limiter._take(1_000_000)
            taken += got
    assert taken == 40


def test_an_unlimited_channel_never_waits(settings):
    settings.SEGMENTA_SEND_RATE_SMS = 0
    with mock.patch("campaigns.sending.ratelimit.time.sleep") as sleep:
        for _ in range(1000):
            RateLimiter("sms").wait()
    sleep.assert_not_called()


def test_a_limited_channel_waits_for_the_next_second(settings):
    settings.SEGMENTA_SEND_RATE_EMAIL = 3
    limiter = RateLimiter("email")
    began = time.monotonic()
    for _ in range(7):
        limiter.wait()
    assert time.monotonic() - began > 1.0


def test_the_beat_entries_of_campaigns_name_registered_tasks():
    app.loader.import_default_modules()
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    campaigns = [name for name in names if name.startswith("campaigns.")]
    assert len(campaigns) == 5
    assert all(name in app.tasks for name in campaigns)
