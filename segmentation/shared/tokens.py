"""Signed tokens for customer-facing links: one salt per purpose, no database ids inside."""

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse

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
    return _signed(purpose, parts, settings.SECRET_KEY)


@lru_cache(maxsize=1024)
def _signed(purpose: str, parts: tuple[str, ...], key: str) -> str:
    # Signing is deterministic, and a campaign email signs its unsubscribe token twice (the
    # footer's link and the List-Unsubscribe header): the second is a lookup.
    return signing.dumps(list(parts), key=key, salt=PURPOSES[purpose], compress=True)


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


PLACEHOLDER = "TOKEN0"


@lru_cache(maxsize=16)
def _pattern(name: str, script_prefix: str) -> str:
    return reverse(name, args=[PLACEHOLDER])


@receiver(setting_changed)
def _urls_changed(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _pattern.cache_clear()


def link(name: str, token: str) -> str:
    """The absolute URL of a public link: resolved once per name, then filled in (a campaign
    sends thousands a second; tokens are URL-safe, so reverse() would not quote them)."""
    return absolute(_pattern(name, get_script_prefix()).replace(PLACEHOLDER, token))


def unsubscribe_url(customer, channel: str = "email", topic_slug: str = "", ref: str = "") -> str:
    """ref names what the person unsubscribed from (a delivery), for attribution."""
    token = make("unsubscribe", customer.public_id.hex, channel, topic_slug, ref)
    return link("unsubscribe", token)


def preferences_url(customer) -> str:
    return link("preferences", make("preferences", customer.public_id.hex))


def confirm_url(customer, channel: str, topic_slugs=()) -> str:
    token = make("confirm", customer.public_id.hex, channel, ",".join(topic_slugs))
    return link("confirm", token)
