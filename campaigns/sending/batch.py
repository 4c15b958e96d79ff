"""One batch: claim queued rows, check them again, send each message, settle each row.

Each message, in this order:

1. Mark the row (sent_at, the Message-ID made from the delivery, attempts + 1) in a
   transaction that holds the customer's share lock and re-checks consent (mark.py). An
   opt-out that commits first means no message; one that arrives meanwhile waits for it.
2. Send the message and read the server's answer (smtp.py; SMS: transport.py).
3. 250 (accepted): COMMIT. The row keeps sent_at; its status flips to "sent" with the next
   group of rows. 4xx or a lost connection: roll back, keep the claim and retry with backoff.
   5xx: roll back, failed, with the server's answer.

A message is never lost; a worker killed in the middle of one message may send that one
message again, with the same Message-ID. Killed before its COMMIT reaches the database, the
transaction rolls back: the row is still claimed without sent_at, requeue_stale gives it back
after the claim timeout, and it is sent again (a second time if the server had accepted it,
with the same Message-ID, so receiving systems can drop the repeat). Killed after the COMMIT,
the row has sent_at and requeue_stale marks it sent. A worker process sends one message at a
time: a kill repeats at most one message per process.
"""

import dataclasses
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from campaigns import audience, sms
from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from campaigns.rendering.compiled import CompiledVariant, compile_variant
from campaigns.rendering.mail import build_email
from campaigns.sending import claims
from campaigns.sending.mark import MarkStatement, MessageTransaction, commits_without_flush
from campaigns.sending.ratelimit import RateLimiter, batch_size
from campaigns.sending.smtp import EmailTransport, outgoing_email
from campaigns.sending.transport import ACCEPTED, PERMANENT, Outgoing, Result, SmsTransport
from segmentation.consent.ledger import is_reachable
from segmentation.customers.models import Channel, Customer

log = logging.getLogger(__name__)

CLAIMED, SENT = DeliveryStatus.CLAIMED, DeliveryStatus.SENT
FAILED, SKIPPED = DeliveryStatus.FAILED, DeliveryStatus.SKIPPED
MAX_RETRY_DELAY = 300  # seconds; stays well below SEGMENTA_SEND_CLAIM_TIMEOUT
SENT_GROUP = 50  # accepted rows flip to "sent" in groups of this many
Transport = EmailTransport | SmsTransport


@dataclasses.dataclass
class BatchReport:
    claim: str = ""
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry_ids: list[int] = dataclasses.field(default_factory=list)
    retry_in: int = 0
    more: bool = False  # a fresh batch was claimed: its chain goes on


def run_batch(
    campaign_id: int, claim: str | None = None, delivery_ids: list[int] | None = None
) -> BatchReport:
    """Claim and send one batch (or, with claim and delivery_ids, retry rows of an earlier
    one). Safe to run twice: only rows claimed by this run's claim are ever sent."""
    campaign = Campaign.objects.select_related("topic").filter(pk=campaign_id).first()
    if campaign is None:
        return BatchReport()
    if delivery_ids:
        ids = claims.reclaim(campaign, claim or "", delivery_ids)
    else:
        claim = claims.new_claim()
        ids = claims.claim_queued(campaign, claim, batch_size(campaign.channel))
    if not ids:
        claims.finish_if_done(campaign_id)
        return BatchReport()
    report = _Batch(campaign, claim or "").run(ids)
    report.more = not delivery_ids
    if not report.more and not report.retry_ids:
        claims.finish_if_done(campaign_id)
    return report


def _transport_for(channel: str) -> Transport:
    return SmsTransport() if channel == Channel.SMS else EmailTransport()


class _Batch:
    def __init__(self, campaign: Campaign, claim: str) -> None:
        self.campaign = campaign
        self.claim = claim
        self.report = BatchReport(claim=claim)
        self.limiter = RateLimiter(campaign.channel)
        self.statement = MarkStatement(campaign, claim)
        self.compiled: dict[int, CompiledVariant] = {}
        self.accepted: list[int] = []
        self.retry: list[Delivery] = []

    def run(self, ids: list[int]) -> BatchReport:
        rows = self._load(ids)
        self.report.claimed = len(rows)
        rows = self._skip_ineligible(rows)
        transport = _transport_for(self.campaign.channel)
        try:
            with commits_without_flush(), self.statement:
                self._send_all(rows, transport)
        finally:
            transport.close()
            self._mark_sent()
        self._schedule_retries()
        return self.report

    def _send_all(self, rows: list[Delivery], transport: Transport) -> None:
        checked = time.monotonic()
        for index, row in enumerate(rows):
            # The rate limit's wait (up to a second) comes before the status check, so that a
            # pause during it stops the batch before one more message, not a second later.
            self.limiter.wait()
            if time.monotonic() - checked > 1:
                checked = time.monotonic()
                if not self._still_sending():
                    self._release(rows[index:])
                    return
                self._refresh_claim(rows[index:])
            self._send(row, transport)

    def _load(self, ids: list[int]) -> list[Delivery]:
        rows = list(self._held(ids).select_related("customer", "variant").order_by("pk"))
        for row in rows:
            row.campaign = self.campaign  # rendering reads it; saves a query per row
        return rows

    def _held(self, ids: list[int]) -> QuerySet[Delivery]:
        """These rows, as long as this batch's claim holds them."""
        return Delivery.objects.filter(pk__in=ids, status=CLAIMED, claimed_by=self.claim)

    def _still_sending(self) -> bool:
        status = Campaign.objects.filter(pk=self.campaign.pk).values_list("status", flat=True)
        self.campaign.status = status.first()
        return self.campaign.status == CampaignStatus.SENDING

    def _refresh_claim(self, rows: list[Delivery]) -> None:
        """A heartbeat: a batch that is alive, however slow, never looks stale."""
        self._held([row.pk for row in rows]).update(claimed_at=timezone.now())

    def _release(self, rows: list[Delivery]) -> None:
        """Paused or cancelled mid-batch: the rows not sent yet go back (or are cancelled)."""
        claims.give_back(self._held([row.pk for row in rows]), self.campaign.status)

    # --- frequency and erased customers, for the whole batch at once ---

    def _skip_ineligible(self, rows: list[Delivery]) -> list[Delivery]:
        reasons = _frequency_reasons(self.campaign, rows)
        keep = []
        for row in rows:
            reason = "erased" if row.customer is None else reasons.get(row.customer_id)
            if reason:
                self._skip(row, reason)
            else:
                keep.append(row)
        return keep

    def _skip(self, row: Delivery, reason: str) -> None:
        self.report.skipped += self._held([row.pk]).update(status=SKIPPED, error=reason)

    # --- one message ---

    def _send(self, row: Delivery, transport: Transport) -> None:
        try:
            out = self._render(row)
        except Exception as error:  # content that cannot render fails its row, not the batch
            log.exception("delivery %s did not render", row.pk)
            self._failed(row, f"render: {error.__class__.__name__}: {error}")
            return
        result = None
        with MessageTransaction(self.statement) as unit:
            if unit.mark(row, out.message_id):
                result = transport.send(out)
                if result.outcome == ACCEPTED:
                    unit.commit(row, result.provider_id)
        if result is None:
            self._not_sendable(row)
        else:
            self._settle(row, result)

    def _render(self, row: Delivery) -> Outgoing:
        compiled = self.compiled.get(row.variant_id)
        if compiled is None:
            compiled = compile_variant(row.variant, self.campaign.channel, self.campaign)
            self.compiled[row.variant_id] = compiled
        rendered = compiled.render(row.customer, row, self.campaign)
        if self.campaign.channel == Channel.SMS:
            message = sms.SmsMessage(
                to=row.customer.phone,
                text=rendered.sms,
                sender=self.campaign.sms_sender,
                reference=row.public_id.hex,
            )
            return Outgoing(sms_message=message)
        return outgoing_email(build_email(rendered, self.campaign, row.customer, row))

    def _not_sendable(self, row: Delivery) -> None:
        """The mark matched nothing: consent is gone, or the row is not ours any more."""
        customer = Customer.objects.filter(pk=row.customer_id).first()
        if customer is None:
            self._skip(row, "erased")
        elif not is_reachable(customer, self.campaign.channel):
            self._skip(row, audience.NO_CONSENT)
        elif not is_reachable(customer, self.campaign.channel, self.campaign.topic):
            self._skip(row, audience.TOPIC)
        # Otherwise another claim holds the row now (requeued as stale): not ours to touch.

    # --- outcomes (the mark was rolled back unless the message was accepted) ---

    def _settle(self, row: Delivery, result: Result) -> None:
        if result.outcome == ACCEPTED:
            self.accepted.append(row.pk)
            if len(self.accepted) >= SENT_GROUP:
                self._mark_sent()
        elif result.outcome == PERMANENT:
            self._failed(row, result.error)
        else:
            self._transient(row, result)

    def _failed(self, row: Delivery, error: str) -> None:
        self.report.failed += self._held([row.pk]).update(
            status=FAILED, error=error[:300], attempts=F("attempts") + 1
        )

    def _transient(self, row: Delivery, result: Result) -> None:
        attempts = row.attempts + 1
        if attempts >= settings.SEGMENTA_SEND_MAX_ATTEMPTS:
            self._failed(row, f"gave up after {attempts} attempts: {result.error}")
            return
        self._held([row.pk]).update(error=result.error[:300], attempts=attempts)
        row.attempts = attempts
        self.retry.append(row)

    def _mark_sent(self) -> None:
        if self.accepted:
            self.report.sent += self._held(self.accepted).update(status=SENT)
            self.accepted = []

    def _schedule_retries(self) -> None:
        if not self.retry:
            return
        first = min(row.attempts for row in self.retry)
        delay = settings.SEGMENTA_SEND_RETRY_SECONDS * 2 ** max(0, first - 1)
        self.report.retry_ids = [row.pk for row in self.retry]
        self.report.retry_in = min(MAX_RETRY_DELAY, delay)


def _frequency_reasons(campaign: Campaign, rows: list[Delivery]) -> dict[int, str]:
    """Customers of the batch whose frequency preference or the global cap forbids a message
    now (messages of other campaigns sent since freezing count too)."""
    now = timezone.now()
    cap = settings.SEGMENTA_FREQUENCY_CAP_MESSAGES
    cap_since = now - timedelta(days=settings.SEGMENTA_FREQUENCY_CAP_DAYS)
    preferences = {
        row.customer_id: row.customer.frequency_days
        for row in rows
        if row.customer is not None and row.customer.frequency_days
    }
    if cap <= 0 and not preferences:
        return {}
    windows = [now - timedelta(days=days) for days in preferences.values()]
    if cap > 0:
        windows.append(cap_since)
    customer_ids = [row.customer_id for row in rows if row.customer_id]
    history = (
        Delivery.objects.filter(customer_id__in=customer_ids, status=SENT)
        .filter(sent_at__gte=min(windows))
        .exclude(campaign=campaign)
        .order_by()
        .values("customer_id")
        .annotate(last=Max("sent_at"), recent=Count("id", filter=Q(sent_at__gte=cap_since)))
    )
    reasons = {}
    for entry in history:
        days = preferences.get(entry["customer_id"])
        if days and entry["last"] >= now - timedelta(days=days):
            reasons[entry["customer_id"]] = audience.FREQUENCY_PREFERENCE
        elif cap > 0 and entry["recent"] >= cap:
            reasons[entry["customer_id"]] = audience.FREQUENCY_CAP
    return reasons
