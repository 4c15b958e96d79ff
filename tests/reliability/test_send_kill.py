"""SIGKILL the Celery worker (pool and all) at 10%, 50% and 90% of a 10,000-recipient campaign,
start a new one each time: every recipient has exactly one message at the SMTP server, none
is missing, and the campaign's state and progress say so."""

import pytest

from campaigns.models import Delivery
from campaigns.sending import lifecycle
from campaigns.sending.progress import progress
from campaigns.sending.requeue import requeue_stale
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
from tests.support.smtp import smtp_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RECIPIENTS = 10_000


@pytest.fixture
def recovery(settings):
    for name, value in FAST_RECOVERY.items():
        setattr(settings, name, value)


def test_a_worker_killed_three_times_sends_each_message_exactly_once(tmp_path, recovery):
    people = recipients(RECIPIENTS)
    draft = campaign(content=LEAN_EMAIL)
    lifecycle.launch(draft)
    log = tmp_path / "workers.log"

    with smtp_server() as server:
        try:
            for share in (0.1, 0.5, 0.9):
                with worker(log, **server.env) as process:
                    beat_until(
                        lambda: server.handler.total >= share * RECIPIENTS,  # noqa: B023
                        timeout=300,
                        what=f"{share:.0%} of the messages",
                    )
                    kill_group(process)
                in_flight = Delivery.objects.filter(campaign=draft, status="claimed").count()
                print(f"killed at {server.handler.total} accepted, {in_flight} rows claimed")
            with worker(log, **server.env):
                beat_until(finished(draft), timeout=300, what="the campaign to finish")
        except AssertionError:
            show_log(log)
            raise

        counts = dict(server.handler.counts)

    assert server.handler.duplicates() == {}
    assert counts == {person.email: 1 for person in people}
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

    assert server.handler.counts == {person.email: 1 for person in people}
