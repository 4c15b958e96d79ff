"""What recipients do with a message: opens (pixel), clicks (signed redirect), opt-outs.

Public, no login: a signed token is the only credential, and every bad token (tampered,
unknown delivery, erased recipient, a link number the message did not have) gets the same 404
page and changes nothing.

Events: the first open of a delivery writes one MESSAGE_OPEN event for the customer, the first
click on each link of a delivery one MESSAGE_CLICK event (with the URL); later opens and clicks
only count on the delivery. The segment fields "opened / clicked a message in the last D days"
read these events.
"""

import base64
import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns import links
from campaigns.models import Delivery
from campaigns.rendering.compiled import ContentError, compile_variant
from segmentation.consent.public_views import invalid_link
from segmentation.customers.models import Customer
from segmentation.events.models import Event, EventKind
from segmentation.shared import tokens
from segmentation.shared.ratelimit import WINDOW_SECONDS, client_ip, over_limit, rate_limited

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_URL_IN_EVENT = 2000


def clicks_rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Per client IP, with its own (higher) limit than the public pages: whole offices behind
    one address and link scanners click many links a minute."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit = settings.SEGMENTA_CLICK_RATE_LIMIT
        if over_limit("click", client_ip(request), limit):
            response = render(request, "public/too_many.html", status=429)
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        return view(request, *args, **kwargs)

    return wrapped


# Not rate limited: mailbox providers fetch images for many recipients from a few addresses,
# and a pixel costs one indexed UPDATE.
@require_GET
@never_cache
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    found = links.read_token("open", token)
    if found is None or found[1] is not None:
        return invalid_link(request)
    delivery = (
        Delivery.objects.filter(public_id=found[0])
        .only("public_id", "customer", "campaign")
        .first()
    )
    if delivery is None:
        return invalid_link(request)
    if delivery.customer_id is not None:  # erased: answer as usual, record nothing
        record_open(delivery)
    return HttpResponse(PIXEL, content_type="image/gif")


@require_GET
@never_cache
@clicks_rate_limited
def click(request: HttpRequest, token: str) -> HttpResponse:
    found = links.read_token("click", token)
    if found is None or found[1] is None:
        return invalid_link(request)
    delivery = (
        Delivery.objects.select_related("campaign__topic", "variant", "customer")
        .filter(public_id=found[0])
        .first()
    )
    url = link_of(delivery, found[1])
    if url is None:
        return invalid_link(request)
    record_click(delivery, found[1], url)
    return HttpResponseRedirect(url)


@require_GET
@never_cache
@rate_limited("public")
def sms_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The short opt-out link of an SMS: on to the unsubscribe page, which asks to confirm."""
    found = links.read_token("sms_optout", token)
    delivery = None
    if found is not None and found[1] is None:
        delivery = (
            Delivery.objects.select_related("campaign__topic", "customer")
            .filter(public_id=found[0], customer__isnull=False)
            .first()
        )
    if delivery is None:
        return invalid_link(request)
    topic = delivery.campaign.topic.slug if delivery.campaign.topic_id else ""
    ref = delivery.public_id.hex
    return HttpResponseRedirect(tokens.unsubscribe_url(delivery.customer, "sms", topic, ref))


def link_of(delivery: Delivery | None, index: int) -> str | None:
    """The URL with this number in the delivery's message, rendered again for its recipient;
    None when there is no such link (so nothing else can be reached through a click link)."""
    if delivery is None or delivery.customer is None or delivery.variant is None:
        return None
    try:
        compiled = compile_variant(delivery.variant, delivery.campaign.channel, delivery.campaign)
    except ContentError:
        return None
    urls = compiled.render(delivery.customer, delivery).links
    return urls[index] if 0 <= index < len(urls) else None


def _first_open(delivery: Delivery, when: datetime) -> bool:
    """Set opened_at and write the open event, unless an open was recorded already. The
    conditional UPDATE decides, so two simultaneous first opens write one event."""
    first = Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(
        opened_at=when, opens=F("opens") + 1
    )
    if first:
        _event(delivery, EventKind.MESSAGE_OPEN, f"open:{delivery.public_id.hex}", when, {})
    return bool(first)


def record_open(delivery: Delivery, when: datetime | None = None) -> bool:
    """Count one open; True when it was the first."""
    when = when or timezone.now()
    with transaction.atomic():
        if _first_open(delivery, when):
            return True
        Delivery.objects.filter(pk=delivery.pk).update(opens=F("opens") + 1)
    return False


def record_click(delivery: Delivery, index: int, url: str, when: datetime | None = None) -> None:
    """Count one click; a click without a recorded open also counts as the open."""
    when = when or timezone.now()
    event_id = f"click:{delivery.public_id.hex}:{index}"
    with transaction.atomic():
        # Updating the row first locks it, so the check for the event below cannot race
        # with another click on the same delivery.
        Delivery.objects.filter(pk=delivery.pk).update(
            clicks=F("clicks") + 1, clicked_at=Coalesce(F("clicked_at"), Value(when))
        )
        _first_open(delivery, when)
        if not Event.objects.filter(integration=None, event_id=event_id).exists():
            data = {"link": index, "url": url[:MAX_URL_IN_EVENT]}
            _event(delivery, EventKind.MESSAGE_CLICK, event_id, when, data)


def _event(delivery: Delivery, kind: str, event_id: str, when: datetime, data: dict) -> None:
    # Internal events: no integration; the event_id names the delivery (and link).
    data = {"delivery": delivery.public_id.hex, "campaign": delivery.campaign_id, **data}
    Event.objects.create(
        event_id=event_id, kind=kind, customer_id=delivery.customer_id, occurred_at=when, data=data
    )


def record_unsubscribe(sender: Any, customer: Customer, ref: str = "", **kwargs: Any) -> int:
    """segmentation.consent.signals.unsubscribed: mark the delivery the opt-out link came from."""
    try:
        public_id = uuid.UUID(hex=ref)
    except ValueError:
        return 0
    return Delivery.objects.filter(
        public_id=public_id, customer=customer, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=timezone.now())
