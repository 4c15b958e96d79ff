"""SIGKILL the Celery worker (pool and all) at 10%, 50% and 90% of a 10,000-recipient campaign,
start a new one each time: no message is lost, and the only repeats are messages that were in
flight when a kill landed, each with its original's Message-ID (campaigns.sending.batch).

A message is in flight from its mark to its COMMIT. After a kill, those the SMTP server had
accepted are exactly the repeats to come: the server has them, their rows have no sent_at, so
the rows come back and are sent again. A worker process sends one message at a time, so each
kill leaves at most one such message per pool process."""

import time

import pytest
from django.db import connection

from campaigns.models import Campaign, Delivery
from campaigns.sending import lifecycle
from campaigns.sending.progress import progress
from campaigns.sending.requeue import requeue_stale
from segmentation.customers.models import ConsentStatus
from tests.campaigns.sending_builders import LEAN_EMAIL, campaign, recipients
from tests.reliability.sendkit import (
    FAST_RECOVERY,
    beat_until,
    finished,
    kill_group,
    show_log,
    statuses,
    worker,
)
from tests.support.processes import wait_for
from tests.support.smtp import CountingHandler, smtp_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RECIPIENTS = 10_000
CONCURRENCY = 2  # pool processes per worker: at most this many messages in flight at a kill


@pytest.fixture
def recovery(settings):
    for name, value in FAST_RECOVERY.items():
        setattr(settings, name, value)


def other_sessions() -> int:
    """Database sessions other than this test's: the killed worker's, until they notice."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def in_flight_at_kill(draft: Campaign, server: CountingHandler) -> tuple[dict[str, int], int]:
    """Once the dead worker's transactions are rolled back: the addresses whose message the
    server accepted but whose row has no sent_at, with the server's count (they will be sent
    again), and the rows with sent_at whose status the dead batch had not flipped (they will
    not)."""
    wait_for(lambda: other_sessions() == 0, timeout=30, what="the dead worker's sessions")
    time.sleep(0.5)  # whatever reached the SMTP server before the kill has been handled
    with server.lock:
        accepted = dict(server.counts)
    unmarked = Delivery.objects.filter(campaign=draft, sent_at=None).exclude(status="sent")
    uncommitted = {
        address: accepted[address]
        for address in unmarked.values_list("customer__email", flat=True)
        if address in accepted
    }
    marked = Delivery.objects.filter(campaign=draft, status="claimed").exclude(sent_at=None)
    return uncommitted, marked.count()


def test_a_worker_killed_three_times_loses_nothing_and_repeats_only_messages_in_flight(
    tmp_path, recovery
):
    people = recipients(RECIPIENTS)
    recipients(200, start=RECIPIENTS, email_consent=ConsentStatus.WITHDRAWN)  # not eligible
    draft = campaign(content=LEAN_EMAIL)
    lifecycle.launch(draft)
    log = tmp_path / "workers.log"
    counted: dict[str, int] = {}  # copies at the server already put down to a kill
    repeats, in_flight = [], []

    with smtp_server() as server:
        handler = server.handler
        try:
            for share in (0.1, 0.5, 0.9):
                with worker(log, concurrency=CONCURRENCY, **server.env) as process:
                    beat_until(
                        lambda: handler.total >= share * RECIPIENTS,  # noqa: B023
                        timeout=300,
                        what=f"{share:.0%} of the messages",
                    )
                    kill_group(process)
                uncommitted, marked = in_flight_at_kill(draft, handler)
                caught = sum(n - counted.get(a, 0) for a, n in uncommitted.items())
                counted.update(uncommitted)
                print(
                    f"killed at {handler.total} accepted: {caught} accepted and not committed"
                    f" (will repeat), {marked} committed and not yet flipped"
                )
                assert caught <= CONCURRENCY  # one message at a time per pool process
                repeats.append(caught)
                in_flight.append(caught + marked)
            with worker(log, concurrency=CONCURRENCY, **server.env):
                beat_until(finished(draft), timeout=300, what="the campaign to finish")
        except AssertionError:
            show_log(log)
            raise

    counts, message_ids = dict(handler.counts), dict(handler.message_ids)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"duplicates: {duplicates}; in flight at the kills: {in_flight}, repeats {repeats}")
    assert set(counts) == {person.email for person in people}  # none lost, no one else
    assert duplicates <= sum(repeats) <= sum(in_flight)
    sent_ids = dict(
        Delivery.objects.filter(campaign=draft).values_list(
            "customer__email", "provider_message_id"
        )
    )
    for address, n in handler.duplicates().items():
        assert message_ids[address] == [sent_ids[address]] * n
    assert statuses(draft) == {"sent": RECIPIENTS}
    draft.refresh_from_db()
    figures = progress(draft)
    assert (figures["sent"], figures["remaining"], figures["failed"]) == (RECIPIENTS, 0, 0)
    assert figures["done"] is True


def test_a_campaign_is_not_finished_while_a_dead_workers_rows_wait(tmp_path, recovery):
    """The listmonk bug: a restart marked campaigns finished with recipients never mailed."""
    people = recipients(300)
    draft = campaign(content=LEAN_EMAIL)
    lifecycle.launch(draft)
    log = tmp_path / "workers.log"

    with smtp_server() as server:
        with worker(log, concurrency=1, **server.env) as process:
            wait_for(lambda: server.handler.total >= 50, timeout=60, what="the first messages")
            kill_group(process)
        # No worker runs now: whatever the dead one held is still claimed or queued.
        requeue_stale()
        draft.refresh_from_db()
        assert draft.status == "sending"
        with worker(log, concurrency=1, **server.env):
            beat_until(finished(draft), timeout=120, what="the campaign to finish")

    counts = server.handler.counts
    assert set(counts) == {person.email for person in people}
    assert sum(counts.values()) - len(people) <= 1  # one process: one message in flight
    for address in server.handler.duplicates():
        assert len(set(server.handler.message_ids[address])) == 1
