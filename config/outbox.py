"""Development email backend: each message becomes one .eml file in EMAIL_OUTBOX_DIR.

One file per message (written atomically) lets the UI list and open them, and lets a
worker and the web process write at the same time without interleaving.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class OutboxBackend(BaseEmailBackend):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(settings.EMAIL_OUTBOX_DIR)

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            self._write(message)
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> None:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(message.message().as_bytes(linesep="\n"))
        os.replace(tmp, self.directory / name)
