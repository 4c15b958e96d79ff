"""Signed tokens for customer-facing links: one salt per purpose, no database ids inside."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

PURPOSES = {
    "unsubscribe": "segmenta.link.unsubscribe",
    "preferences": "segmenta.link.preferences",
    "confirm": "segmenta.link.confirm",
}


class InvalidLink(Exception):
    """Tampered, unknown or otherwise unusable: every case looks the same to the visitor."""


class ExpiredLink(InvalidLink):
    pass


def make(purpose: str, *parts: str) -> str:
    return signing.dumps(list(parts), salt=PURPOSES[purpose], compress=True)


def read(purpose: str, token: str, max_age: int | None = None) -> list[str]:
    try:
        parts = signing.loads(token, salt=PURPOSES[purpose], max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredLink from error
    except signing.BadSignature as error:
        raise InvalidLink from error
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise InvalidLink
    return parts


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_url(customer, channel: str = "email", topic_slug: str = "", ref: str = "") -> str:
    """ref names what the person unsubscribed from (a delivery), for attribution."""
    token = make("unsubscribe", customer.public_id.hex, channel, topic_slug, ref)
    return absolute(reverse("unsubscribe", args=[token]))


def preferences_url(customer) -> str:
    return absolute(reverse("preferences", args=[make("preferences", customer.public_id.hex)]))


def confirm_url(customer, channel: str, topic_slugs=()) -> str:
    token = make("confirm", customer.public_id.hex, channel, ",".join(topic_slugs))
    return absolute(reverse("confirm", args=[token]))
