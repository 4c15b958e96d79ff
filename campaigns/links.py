"""Signed links that point at one delivery: the open pixel, tracked clicks, the SMS opt-out,
the feedback survey (feedback builds that URL: campaigns does not know its view).

A token is the delivery's public id in URL-safe base64 (22 characters), for clicks followed by
the link's number, then a signature with a salt per purpose. The signature is Django's HMAC
cut to 16 characters (96 bits): unforgeable in practice and short enough for an SMS.
"""

import base64
import uuid
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

from segmentation.shared.tokens import absolute

SALTS = {
    "open": "segmenta.track.open",
    "click": "segmenta.track.click",
    "sms_optout": "segmenta.track.sms-optout",
    "survey": "segmenta.feedback.survey",
}
SIGNATURE_LENGTH = 16


class ShortSigner(signing.Signer):
    def signature(self, value: str, key=None) -> str:
        return super().signature(value, key)[:SIGNATURE_LENGTH]


def _signer(purpose: str) -> ShortSigner:
    return _built_signer(purpose, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@lru_cache(maxsize=16)
def _built_signer(purpose: str, key: str, fallbacks: tuple[str, ...]) -> ShortSigner:
    # Once per purpose and keys (a key rotation builds new ones), not for every link.
    # "." cannot occur in base64url, so it separates the parts without escaping.
    return ShortSigner(key=key, fallback_keys=list(fallbacks), salt=SALTS[purpose], sep=".")


def _encode(public_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(public_id.bytes).rstrip(b"=").decode()


def _decode(text: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(text + "=="))


def make_token(purpose: str, public_id: uuid.UUID, index: int | None = None) -> str:
    value = _encode(public_id) if index is None else f"{_encode(public_id)}.{index}"
    return _signer(purpose).sign(value)


def read_token(purpose: str, token: str) -> tuple[uuid.UUID, int | None] | None:
    """(delivery public id, link index or None); None for anything tampered or malformed."""
    try:
        value = _signer(purpose).unsign(token)
        encoded, _, index = value.partition(".")
        return _decode(encoded), (int(index) if index else None)
    except (signing.BadSignature, ValueError):
        return None


@lru_cache(maxsize=8)
def _path_around(name: str) -> tuple[str, str]:
    """The URL path of a tracking view split where its token goes: reverse() once, not for
    every link of every message."""
    before, _, after = reverse(name, args=["TOKEN"]).partition("TOKEN")
    return before, after


def _url(name: str, token: str) -> str:
    before, after = _path_around(name)
    return absolute(before + token + after)


def open_url(public_id: uuid.UUID) -> str:
    return _url("track_open", make_token("open", public_id))


def click_url(public_id: uuid.UUID, index: int) -> str:
    return _url("track_click", make_token("click", public_id, index))


def sms_optout_url(public_id: uuid.UUID) -> str:
    return _url("sms_optout", make_token("sms_optout", public_id))
