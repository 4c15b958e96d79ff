"""The consent ledger's rules.

Every change of consent is a ConsentEvent; the current state on Customer / TopicConsent is
written from it in the same transaction. Nothing else writes consent state.

- A withdrawn consent is never granted again by anyone but the person, through a confirmed
  double opt-in (request -> confirmation link -> confirm).
- An erased person's addresses are suppressed (kept as keyed hashes): no import or admin grant
  makes them reachable again; only their own confirmed double opt-in does.
"""

import dataclasses
import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from segmentation.consent import reach
from segmentation.consent.models import (
    ConsentAction,
    ConsentEvent,
    ConsentWording,
    Suppression,
    Topic,
    TopicConsent,
)
from segmentation.consent.tasks import send_confirmation
from segmentation.customers.models import Channel, ConsentStatus, Customer
from segmentation.shared.tokens import unsubscribe_url

STATUS_AFTER = {
    ConsentAction.REQUESTED: ConsentStatus.PENDING,
    ConsentAction.CONFIRMED: ConsentStatus.GRANTED,
    ConsentAction.GRANTED: ConsentStatus.GRANTED,
    ConsentAction.WITHDRAWN: ConsentStatus.WITHDRAWN,
}


class ConsentRefused(Exception):
    """The change would break a ledger rule; the message says why, for the person asking."""


@dataclasses.dataclass(frozen=True)
class Context:
    """Who made the change and how: goes into the event as proof."""

    source: str
    actor: str = ""
    ip: str | None = None
    user_agent: str = ""
    wording: ConsentWording | None = None
    evidence: str = ""


def address_hash(channel: str, address: str) -> str:
    """Keyed hash of an address: matches the same address later, reveals nothing by itself."""
    normalised = address.strip().lower() if channel == Channel.EMAIL else address.replace(" ", "")
    key = settings.SEGMENTA_IDENTITY_KEY.encode()
    return hmac.new(key, f"{channel}:{normalised}".encode(), hashlib.sha256).hexdigest()


def is_suppressed(channel: str, address: str | None) -> bool:
    if not address:
        return False
    return Suppression.objects.filter(address_hash=address_hash(channel, address)).exists()


def status_of(customer: Customer, channel: str, topic: Topic | None = None) -> str:
    if topic is None:
        return customer.consent_for(channel)
    state = TopicConsent.objects.filter(customer=customer, topic=topic, channel=channel).first()
    return state.status if state else ConsentStatus.NONE


def record(
    customer: Customer,
    channel: str,
    action: str,
    context: Context,
    topic: Topic | None = None,
    request: ConsentEvent | None = None,
) -> ConsentEvent | None:
    """Append one event and update the state; None when the change would change nothing.

    Raises ConsentRefused where the rules forbid the change.
    """
    with transaction.atomic():
        # Row lock: concurrent changes of one person's consent apply one after the other.
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        address = locked.address_for(channel)
        if not address:
            raise ConsentRefused(f"This customer has no {Channel(channel).label} address.")
        current = status_of(locked, channel, topic)
        if action == ConsentAction.GRANTED:
            _refuse_plain_grant(locked, channel, topic, current, address)
        if not _changes(current, action):
            return None
        event = ConsentEvent.objects.create(
            customer=locked,
            address_hash=address_hash(channel, address),
            channel=channel,
            topic=topic,
            action=action,
            source=context.source,
            actor=context.actor,
            ip=context.ip,
            user_agent=context.user_agent[:300],
            wording=context.wording,
            evidence=context.evidence,
            request=request,
        )
        _write_state(locked, channel, topic, STATUS_AFTER[action], event.created_at)
    setattr(customer, f"{channel}_consent", locked.consent_for(channel))
    return event


def _withdrawn_since_last_confirmation(customer: Customer, channel: str, topic) -> bool:
    scope = ConsentEvent.objects.filter(customer=customer, channel=channel, topic=topic)
    withdrawal = scope.filter(action=ConsentAction.WITHDRAWN).order_by("-pk").first()
    if withdrawal is None:
        return False
    return not scope.filter(action=ConsentAction.CONFIRMED, pk__gt=withdrawal.pk).exists()


def _refuse_plain_grant(customer: Customer, channel: str, topic, current: str, address: str):
    """A plain grant (import, admin, API): never over a withdrawal, never for an erased person.

    A new request after a withdrawal (status pending) is not consent yet: the withdrawal
    stands until a confirmation follows it.
    """
    withdrawn = current == ConsentStatus.WITHDRAWN or (
        current == ConsentStatus.PENDING
        and _withdrawn_since_last_confirmation(customer, channel, topic)
    )
    if withdrawn:
        raise ConsentRefused(
            "Consent was withdrawn by the person; only their own confirmed double opt-in "
            "can restore it."
        )
    if is_suppressed(channel, address):
        raise ConsentRefused(
            "This address belongs to an erased person; only their own confirmed double "
            "opt-in can make it reachable again."
        )


def _changes(current: str, action: str) -> bool:
    """Whether the action changes the state; repeating the current state writes nothing."""
    if action == ConsentAction.REQUESTED:
        return current not in (ConsentStatus.GRANTED, ConsentStatus.PENDING)
    return current != STATUS_AFTER[action]


def _write_state(customer: Customer, channel: str, topic, status: str, when) -> None:
    if topic is None:
        field = f"{channel}_consent"
        setattr(customer, field, status)
        Customer.objects.filter(pk=customer.pk).update(**{field: status})
        return
    TopicConsent.objects.update_or_create(
        customer=customer,
        topic=topic,
        channel=channel,
        defaults={"status": status, "changed_at": when},
    )


def request_opt_in(
    customer: Customer, channel: str, context: Context, topics=()
) -> list[ConsentEvent]:
    """Start a double opt-in for the channel and some of its topics, with one email.

    The link always travels by email (also for SMS consent): it proves the person holds it.
    Returns the request events written (none when everything asked for is already granted).
    """
    if not customer.email:
        raise ConsentRefused("A confirmation link needs an email address to go to.")
    # The channel itself is asked too (a no-op when already granted or pending).
    scopes = [None, *topics]
    events = [record(customer, channel, ConsentAction.REQUESTED, context, t) for t in scopes]
    events = [event for event in events if event is not None]
    if events:
        send_confirmation.delay_on_commit([event.pk for event in events])
    return events


def pending_request(customer: Customer, channel: str, topic: Topic | None) -> ConsentEvent | None:
    """The latest request for this scope that is still within its confirmation window."""
    oldest = timezone.now() - timedelta(seconds=settings.SEGMENTA_CONFIRMATION_MAX_AGE)
    return (
        ConsentEvent.objects.filter(
            customer=customer,
            channel=channel,
            topic=topic,
            action=ConsentAction.REQUESTED,
            created_at__gte=oldest,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def confirm(customer: Customer, channel: str, topic: Topic | None, context: Context) -> bool:
    """Confirm a pending double opt-in. Returns False when there was nothing to confirm.

    Only a request that is still pending counts: a withdrawal after the request, an expired
    request or a second click on the same link changes nothing. Confirming a topic also
    confirms the channel: the person asked to get that topic on it.
    """
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        request = pending_request(locked, channel, topic)
        if request is None or status_of(locked, channel, topic) != ConsentStatus.PENDING:
            return False
        record(locked, channel, ConsentAction.CONFIRMED, context, topic=topic, request=request)
        if topic is not None:
            record(locked, channel, ConsentAction.CONFIRMED, context, request=request)
    setattr(customer, f"{channel}_consent", locked.consent_for(channel))
    return True


def withdraw(
    customer: Customer, channel: str, context: Context, topic: Topic | None = None
) -> ConsentEvent | None:
    return record(customer, channel, ConsentAction.WITHDRAWN, context, topic=topic)


def is_reachable(customer: Customer, channel: str, topic: Topic | None = None) -> bool:
    if not reach.holds_for(customer, channel):
        return False
    return topic is None or status_of(customer, channel, topic) == ConsentStatus.GRANTED


def erase(customer: Customer, context: Context) -> dict[str, int]:
    """GDPR erasure: suppress the addresses, withdraw everything, delete the person.

    Ledger entries stay (their customer link is cleared, their address hash remains), orders
    stay unlinked for revenue figures, and the suppression list keeps the hashed addresses so
    that no import or admin edit brings the person back.
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        erasure = dataclasses.replace(context, evidence=context.evidence or "erasure")
        for state in TopicConsent.objects.filter(customer=customer).exclude(
            status=ConsentStatus.WITHDRAWN
        ):
            withdraw(customer, state.channel, erasure, topic=state.topic)
        suppressed = 0
        for channel in Channel.values:
            address = customer.address_for(channel)
            if not address:
                continue
            if customer.consent_for(channel) in (ConsentStatus.GRANTED, ConsentStatus.PENDING):
                withdraw(customer, channel, erasure)
            _, created = Suppression.objects.get_or_create(
                address_hash=address_hash(channel, address),
                defaults={"channel": channel, "reason": f"erasure via {context.source}"},
            )
            suppressed += created
        orders = customer.orders.count()
        events = customer.consent_events.count()
        customer.delete()
    return {"orders_unlinked": orders, "ledger_entries_kept": events, "suppressed": suppressed}


def derive_state(events) -> dict[tuple[str, int | None], str]:
    """The state the ledger implies: the last event per (channel, topic) decides."""
    state: dict[tuple[str, int | None], str] = {}
    for event in sorted(events, key=lambda e: (e.created_at, e.pk)):
        state[(event.channel, event.topic_id)] = STATUS_AFTER[event.action]
    return state


def list_unsubscribe_headers(customer: Customer, topic_slug: str = "", ref: str = "") -> dict:
    """RFC 2369 + RFC 8058 headers for one email: exactly one HTTPS URI, one-click POST."""
    links = [f"<{unsubscribe_url(customer, Channel.EMAIL, topic_slug, ref)}>"]
    if settings.SEGMENTA_UNSUBSCRIBE_MAILTO:
        links.append(f"<mailto:{settings.SEGMENTA_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
