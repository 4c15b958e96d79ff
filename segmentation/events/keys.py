"""API keys for integrations: `sk_<prefix>_<secret>`, of which only a SHA-256 is stored.

The prefix finds the row (it is unique and shown in the admin); the hash of the whole key,
compared in constant time, proves the secret. The full key exists only in the response to
the admin who created it.
"""

import hashlib
import hmac
import re
import secrets
import string
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from segmentation.events.models import ApiKey

PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
SECRET_BYTES = 32  # token_urlsafe(32) gives 43 characters
KEY_PATTERN = re.compile(r"sk_([a-z0-9]{8})_([A-Za-z0-9_-]{32,200})")
# Writing last_used_at on every request would make each request also a write to one hot row.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh (prefix, full key). The caller stores the prefix and hash_key(full key)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"sk_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def issue(api_key: ApiKey) -> str:
    """Give an unsaved ApiKey its prefix and hash; returns the full key, to be shown once."""
    while True:
        prefix, key = new_key()
        # 36^8 prefixes: a clash is very unlikely, but the unique index would make it a 500.
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    api_key.prefix = prefix
    api_key.key_hash = hash_key(key)
    return key


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(request: HttpRequest) -> ApiKey | None:
    """The active key the request's `Authorization: Bearer` header names, or None."""
    token = bearer_token(request)
    match = KEY_PATTERN.fullmatch(token or "")
    if not match:
        return None
    api_key = ApiKey.objects.filter(prefix=match[1], is_active=True).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_key(token)):
        return None
    _touch(api_key)
    return api_key


def _touch(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
