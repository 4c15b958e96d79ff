"""What a transport is given and what it answers: one outgoing message, one outcome; and the
SMS transport (the email one is in smtp.py)."""

import dataclasses
import logging
from typing import Any

from campaigns import sms

log = logging.getLogger(__name__)

ACCEPTED, TRANSIENT, PERMANENT = "accepted", "transient", "permanent"


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """One rendered message, ready for its transport."""

    email: Any = None  # EmailMessage
    sender: str = ""
    recipients: tuple[str, ...] = ()
    data: bytes = b""  # the email as it goes over SMTP
    message_id: str = ""
    sms_message: sms.SmsMessage | None = None


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: str  # ACCEPTED, TRANSIENT (retry later) or PERMANENT (failed)
    provider_id: str = ""  # an id the provider gave only on acceptance (SMS)
    error: str = ""


def refusal(code: int, reply: bytes | str, stage: str) -> Result:
    """An SMTP server's refusal: 5xx permanent, anything else transient."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    outcome = PERMANENT if 500 <= code < 600 else TRANSIENT
    return Result(outcome, error=f"{stage}: {code} {text}"[:300])


def lost(error: Exception) -> Result:
    """No answer: not delivered as far as we know (RFC 5321 4.1.1.4), so tried again."""
    return Result(TRANSIENT, error=f"connection: {error.__class__.__name__} {error}"[:300])


class SmsTransport:
    """The configured SMS backend. A worker killed while the provider answers sends that one
    message again, unless the provider deduplicates on our reference (the delivery's public
    id)."""

    def __init__(self) -> None:
        self.backend = sms.get_backend()
        self.backend.open()

    def close(self) -> None:
        self.backend.close()

    def send(self, out: Outgoing) -> Result:
        try:
            result = self.backend.send_messages([out.sms_message])[0]
        except Exception as error:  # a backend's bug must not stop the batch
            log.exception("SMS backend failed")
            return lost(error)
        if not result.ok:
            return Result(TRANSIENT if result.transient else PERMANENT, error=result.error)
        return Result(ACCEPTED, provider_id=result.provider_id)
