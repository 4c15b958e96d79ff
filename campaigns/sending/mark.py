"""One message's transaction: the row marked in flight under the customer's share lock,
committed once the message is accepted, rolled back otherwise.

The mark is one UPDATE: sent_at, the Message-ID, attempts + 1, only while the row is still
claimed by this batch and the customer is still reachable (consent and an address for the
channel, the campaign's topic), read FOR SHARE. A consent change locks the customer row FOR
UPDATE (segmentation.consent.ledger): one that committed first makes the UPDATE match nothing,
so no message; one that arrives while the message is being sent waits for this transaction.

The UPDATE is prepared once per batch (parsing and planning it costs the server more than
running it) and deallocated at the end: a worker's connection outlives its batches. The
connection stays in Django's autocommit mode; each message's BEGIN travels with its mark in
one round trip, and COMMIT or ROLLBACK is a statement of its own.
"""

import contextlib
import uuid
from collections.abc import Iterator
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from campaigns.models import Campaign, Delivery, DeliveryStatus
from segmentation.consent import reach
from segmentation.customers.models import Customer

TOPIC_SQL = """ AND EXISTS (SELECT 1 FROM segmentation_topicconsent t
    WHERE t.customer_id = c.id AND t.topic_id = %s AND t.channel = %s AND t.status = 'granted')"""
MARK_SQL = f"""
    UPDATE {Delivery._meta.db_table}
    SET sent_at = %s, provider_message_id = %s, attempts = attempts + 1, error = ''
    WHERE id = %s AND status = '{DeliveryStatus.CLAIMED.value}' AND claimed_by = %s
      AND sent_at IS NULL
      AND EXISTS (SELECT 1 FROM {Customer._meta.db_table} c
                  WHERE c.id = %s AND {{reachable}}{{topic}} FOR SHARE)
"""
PROVIDER_ID_SQL = f"UPDATE {Delivery._meta.db_table} SET provider_message_id = %s WHERE id = %s"


class MarkStatement:
    """The mark's UPDATE for one campaign and claim; `with` it to prepare it for a batch."""

    def __init__(self, campaign: Campaign, claim: str) -> None:
        self.claim = claim
        self.topic_params: list = []
        topic = ""
        if campaign.topic_id:
            topic, self.topic_params = TOPIC_SQL, [campaign.topic_id, campaign.channel]
        # Reachable now, by the same rule as the audience's and the preview's (consent.reach).
        self.sql = MARK_SQL.format(reachable=reach.sql(campaign.channel, "c"), topic=topic)
        self.name = f"segmenta_mark_{uuid.uuid4().hex[:12]}"
        self.prepared = False

    def __enter__(self) -> "MarkStatement":
        first, *rest = self.sql.split("%s")
        numbered = first + "".join(f"${n}{part}" for n, part in enumerate(rest, start=1))
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {self.name} AS {numbered}")
        self.prepared = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.prepared = False
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {self.name}")

    def statement(self, row: Delivery, message_id: str) -> tuple[str, list]:
        params = [timezone.now(), message_id[:200], row.pk, self.claim, row.customer_id]
        params += self.topic_params
        if not self.prepared:
            return self.sql, params
        return f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})", params


class MessageTransaction:
    """mark() begins the transaction with the mark, commit() ends it; leaving the block
    without a commit rolls it back. Inside a transaction already (eager tasks in tests) it is
    a savepoint instead."""

    def __init__(self, statement: MarkStatement) -> None:
        self.statement = statement
        self.nested = connection.in_atomic_block
        self.begun = self.committed = False
        self.savepoint = ""

    def __enter__(self) -> "MessageTransaction":
        return self

    def mark(self, row: Delivery, message_id: str) -> bool:
        """Whether the row was marked: still ours, and the customer still reachable."""
        sql, params = self.statement.statement(row, message_id)
        self.begun = True
        with connection.cursor() as cursor:
            if self.nested:
                self.savepoint = transaction.savepoint()
                cursor.execute(sql, params)
            else:
                cursor.execute("BEGIN; " + sql, params)
                cursor.nextset()
            return cursor.rowcount == 1

    def commit(self, row: Delivery, provider_id: str = "") -> None:
        """provider_id: an id the provider gave only now (SMS), kept with the mark."""
        with connection.cursor() as cursor:
            if provider_id:
                cursor.execute(PROVIDER_ID_SQL, [provider_id[:200], row.pk])
            if self.nested:
                transaction.savepoint_commit(self.savepoint)
            else:
                cursor.execute("COMMIT")
        self.committed = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.begun or self.committed:
            return
        if self.nested:
            transaction.savepoint_rollback(self.savepoint)
            return
        # Leaving on an error (a lost database connection among them): that error is the news.
        ignored = (DatabaseError,) if error is not None else ()
        with contextlib.suppress(*ignored), connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


@contextlib.contextmanager
def commits_without_flush() -> Iterator[None]:
    """This connection's commits return before their WAL is flushed to disk.

    A per-message COMMIT otherwise waits for an fsync, which bounds a worker process to a few
    hundred messages a second. A killed worker loses nothing by it: the database has the
    commit. A crash of the database server itself may forget the marks of the last fraction
    of a second; those messages are sent again, with the same Message-ID.
    SEGMENTA_SEND_SYNCHRONOUS_COMMIT keeps every commit flushed, at that cost.
    """
    if settings.SEGMENTA_SEND_SYNCHRONOUS_COMMIT or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
