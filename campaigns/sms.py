"""SMS backends: one interface, a folder outbox for development, an HTTP provider for production.

    backend = get_backend()
    backend.open()
    results = backend.send_messages([SmsMessage(to="+49...", text="...", sender="Shop",
                                                reference=delivery.public_id.hex)])
    backend.close()

Each result carries the provider's id of the accepted message, or an error marked transient
(try again later: timeouts, connection errors, 429, 5xx) or permanent (4xx: a bad number, a
refused sender). `reference` is our delivery's public id: providers that deduplicate on a
client reference then drop a message we had to send again after a crash.
"""

import base64
import dataclasses
import http.client
import json
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclasses.dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    text: str
    sender: str = ""
    reference: str = ""


@dataclasses.dataclass(frozen=True)
class SmsResult:
    provider_id: str = ""
    error: str = ""
    transient: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


def accepted(provider_id: str) -> SmsResult:
    return SmsResult(provider_id=provider_id)


def refused(error: str, transient: bool) -> SmsResult:
    return SmsResult(error=error[:300], transient=transient)


class BaseSmsBackend:
    """Subclasses implement send_one; open/close hold a connection across a batch."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[SmsMessage]) -> list[SmsResult]:
        return [self.send_one(message) for message in messages]

    def send_one(self, message: SmsMessage) -> SmsResult:
        raise NotImplementedError


def get_backend(path: str | None = None, **options: Any) -> BaseSmsBackend:
    return import_string(path or settings.SEGMENTA_SMS_BACKEND)(**options)


class OutboxSmsBackend(BaseSmsBackend):
    """Each message becomes one JSON file in SEGMENTA_SMS_OUTBOX_DIR, written atomically."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.SEGMENTA_SMS_OUTBOX_DIR)

    def send_one(self, message: SmsMessage) -> SmsResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}"
        record = {**dataclasses.asdict(message), "sent_at": timezone.now().isoformat()}
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1))
        os.replace(tmp, self.directory / f"{name}.json")
        return accepted(name)


class MemorySmsBackend(BaseSmsBackend):
    """For tests: messages land in MemorySmsBackend.outbox (like Django's locmem email)."""

    outbox: list[SmsMessage] = []

    def send_one(self, message: SmsMessage) -> SmsResult:
        MemorySmsBackend.outbox.append(message)
        return accepted(f"mem-{len(MemorySmsBackend.outbox)}")


class HttpSmsBackend(BaseSmsBackend):
    """POST one request per message to SEGMENTA_SMS_HTTP_URL over one kept-alive connection.

    The body is SEGMENTA_SMS_HTTP_PAYLOAD with "$to", "$text", "$sender", "$reference"
    replaced (JSON, or form-encoded when SEGMENTA_SMS_HTTP_FORMAT is "form"); a 2xx answer
    is JSON holding the message id at SEGMENTA_SMS_HTTP_ID_FIELD.
    """

    def __init__(self, url: str | None = None, **options: Any) -> None:
        self.url = urlsplit(url or settings.SEGMENTA_SMS_HTTP_URL)
        if self.url.scheme not in ("http", "https") or not self.url.hostname:
            raise ValueError("SEGMENTA_SMS_HTTP_URL must be an http(s) URL.")
        self.options = {
            "user": settings.SEGMENTA_SMS_HTTP_USER,
            "password": settings.SEGMENTA_SMS_HTTP_PASSWORD,
            "token": settings.SEGMENTA_SMS_HTTP_TOKEN,
            "payload": settings.SEGMENTA_SMS_HTTP_PAYLOAD,
            "format": settings.SEGMENTA_SMS_HTTP_FORMAT,
            "id_field": settings.SEGMENTA_SMS_HTTP_ID_FIELD,
            "timeout": settings.SEGMENTA_SMS_HTTP_TIMEOUT,
            **options,
        }
        self.template = json.loads(self.options["payload"])
        self.connection: http.client.HTTPConnection | None = None

    def open(self) -> None:
        if self.connection is None:
            cls = (
                http.client.HTTPSConnection
                if self.url.scheme == "https"
                else http.client.HTTPConnection
            )
            self.connection = cls(self.url.hostname, self.url.port, timeout=self.options["timeout"])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send_one(self, message: SmsMessage) -> SmsResult:
        self.open()
        body, content_type = self._body(message)
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        headers.update(self._auth())
        path = self.url.path or "/"
        if self.url.query:
            path += "?" + self.url.query
        try:
            self.connection.request("POST", path, body=body, headers=headers)
            response = self.connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            # The request may or may not have reached the provider: a retry can duplicate
            # unless the provider deduplicates on the reference.
            self.close()
            return refused(f"connection: {error.__class__.__name__}: {error}", transient=True)
        return self._result(response.status, answer)

    def _body(self, message: SmsMessage) -> tuple[bytes, str]:
        values = {
            "$to": message.to,
            "$text": message.text,
            "$sender": message.sender,
            "$reference": message.reference,
        }
        payload = _fill(self.template, values)
        if self.options["format"] == "form":
            return urlencode(payload).encode(), "application/x-www-form-urlencoded"
        return json.dumps(payload).encode(), "application/json"

    def _auth(self) -> dict[str, str]:
        if self.options["token"]:
            return {"Authorization": f"Bearer {self.options['token']}"}
        if self.options["user"]:
            pair = f"{self.options['user']}:{self.options['password']}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}

    def _result(self, status: int, answer: bytes) -> SmsResult:
        if 200 <= status < 300:
            provider_id = _lookup(_json(answer), self.options["id_field"])
            if provider_id in (None, ""):
                # Accepted without an id we can read: record the send, say so.
                return accepted("(no id in answer)")
            return accepted(str(provider_id))
        detail = answer[:200].decode("utf-8", "replace").strip()
        transient = status == 429 or status >= 500 or status == 408
        return refused(f"HTTP {status}: {detail}", transient=transient)


def _fill(template: Any, values: dict[str, str]) -> Any:
    """The payload template with placeholder strings replaced (anywhere in the structure)."""
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    if isinstance(template, str):
        return values.get(template, template)
    return template


def _json(answer: bytes) -> Any:
    try:
        return json.loads(answer)
    except ValueError:
        return None


def _lookup(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data
