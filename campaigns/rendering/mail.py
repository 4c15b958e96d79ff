"""The email of one rendered message: its headers (Message-ID, List-Id, one-click
List-Unsubscribe) and its parts."""

from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from campaigns.models import Campaign, Delivery
from campaigns.rendering.compiled import Rendered
from campaigns.rendering.context import topic_slug
from segmentation.consent.ledger import list_unsubscribe_headers
from segmentation.customers.models import Customer


def mail_domain() -> str:
    return settings.SEGMENTA_MAIL_DOMAIN or urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(delivery: Delivery | None = None) -> str:
    """A delivery's Message-ID is derived from its public id: a send retried after a crash
    carries the same one, so receiving servers can tell it is the same message."""
    if delivery is None:
        return make_msgid(domain=mail_domain())
    return f"<{delivery.public_id.hex}@{mail_domain()}>"


def list_id(campaign: Campaign) -> str:
    """RFC 2919: one list per topic; campaigns without a topic go to the general list."""
    topic = campaign.topic if campaign.topic_id else None
    label = f"{topic.slug}.topics" if topic else "marketing"
    # formataddr quotes or encodes the name as a header needs; the "address" is the list id.
    return formataddr((topic.name if topic else "Marketing", f"{label}.{mail_domain()}"))


def sender(campaign: Campaign) -> str:
    if not campaign.sender_email:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((campaign.sender_name, campaign.sender_email))


def build_email(
    rendered: Rendered,
    campaign: Campaign,
    customer: Customer,
    delivery: Delivery | None = None,
    connection: BaseEmailBackend | None = None,
    to: str | None = None,
) -> EmailMultiAlternatives:
    """The email of one rendered message: text with an HTML alternative, Message-ID,
    List-Id and the one-click List-Unsubscribe headers (with the delivery as ref).

    to: a test send to that address (render it with sample=True). It gets no
    List-Unsubscribe: a mailbox's unsubscribe button would act for the sample customer.
    """
    headers = {"Message-ID": message_id(delivery), "List-Id": list_id(campaign)}
    if to is None:
        ref = delivery.public_id.hex if delivery is not None else ""
        headers.update(list_unsubscribe_headers(customer, topic_slug(campaign), ref))
    email = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        sender(campaign),
        [to or customer.email],
        headers=headers,
        connection=connection,
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    return email
