"""Who holds which delivery rows, and when a campaign has nothing left to send.

A batch claims up to a batch size of queued rows of its campaign in one statement, lowest ids
first (a keyset walk over the (campaign, status, id) index, FOR UPDATE SKIP LOCKED), and only
while the campaign is "sending". A claim is a value that later statements check (claimed_by,
claimed_at), not a lock held while sending: a row is sent only by the claim that holds it, so
a second worker, a task run twice or two beats never send it twice, and a paused or cancelled
campaign is claimed no more.
"""

import os
import socket
import uuid

from django.db import connection
from django.db.models import Exists, QuerySet
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus

SENDING, CANCELLED = CampaignStatus.SENDING, CampaignStatus.CANCELLED
QUEUED, CLAIMED = DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED

# A materialised CTE, not "id IN (SELECT ... LIMIT)": PostgreSQL may run such a subquery again
# for every row of a semi-join, and LIMIT then no longer bounds the claim.
CLAIM_SQL = f"""
    WITH picked AS MATERIALIZED (
        SELECT d.id FROM {Delivery._meta.db_table} d
        WHERE d.campaign_id = %s AND d.status = %s
          AND EXISTS (SELECT 1 FROM {Campaign._meta.db_table} c WHERE c.id = %s AND c.status = %s)
        ORDER BY d.id LIMIT %s
        FOR UPDATE OF d SKIP LOCKED)
    UPDATE {Delivery._meta.db_table} SET status = %s, claimed_at = %s, claimed_by = %s
    WHERE status = %s AND id IN (SELECT id FROM picked)
    RETURNING id
"""


def new_claim() -> str:
    """A claim names its worker process, for whoever reads the rows of a dead one."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:100]


def claim_queued(campaign: Campaign, claim: str, size: int) -> list[int]:
    """One statement: the lowest queued ids of a campaign that is sending become ours."""
    params = [campaign.pk, QUEUED, campaign.pk, SENDING, size]
    params += [CLAIMED, timezone.now(), claim, QUEUED]
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, params)
        return sorted(row[0] for row in cursor.fetchall())


def reclaim(campaign: Campaign, claim: str, ids: list[int]) -> list[int]:
    """A retry: the rows this claim still holds, refreshed, if the campaign still sends."""
    held = Delivery.objects.filter(pk__in=ids, status=CLAIMED, claimed_by=claim, sent_at=None)
    if campaign.status != SENDING:
        give_back(held, campaign.status)
        return []
    held.update(claimed_at=timezone.now())
    return sorted(held.values_list("pk", flat=True))


def give_back(rows: QuerySet, campaign_status: str) -> int:
    """Rows not sent go back to the queue, or are cancelled with their campaign."""
    back = DeliveryStatus.CANCELLED if campaign_status == CANCELLED else QUEUED
    return rows.filter(sent_at=None).update(status=back, claimed_by="")


def finish_if_done(campaign_id: int) -> bool:
    """Sent once no row is queued, claimed or waiting for an A/B winner any more; one
    statement, so never too early."""
    unsent = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[QUEUED, CLAIMED, DeliveryStatus.WAITING]
    )
    finished = (
        Campaign.objects.filter(pk=campaign_id, status=SENDING)
        .exclude(Exists(unsent))
        .update(status=CampaignStatus.SENT, finished_at=timezone.now())
    )
    return bool(finished)
