"""The email transport: Django's email backend, opened once per batch.

With Django's SMTP backend it speaks the SMTP transaction itself, so that a batch sends many
messages over one connection and, where the server offers PIPELINING (RFC 2920), each
message's MAIL, RCPT and DATA go in one write. A message is accepted when the server answers
250 to its final "."; other backends (the outbox, memory) accept what they were given.
"""

import contextlib
import functools
import re
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from campaigns.mime import to_bytes as mime_bytes
from campaigns.sending.transport import ACCEPTED, Outgoing, Result, lost, refusal

SmtpErrors = (OSError, smtplib.SMTPException)


class EmailTransport:
    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.smtp = isinstance(self.backend, SmtpBackend)
        self.ready = False
        self.pipelining = False  # the server offers PIPELINING

    def close(self) -> None:
        try:
            self.backend.close()
        except SmtpErrors:
            self._abandon()
        self.ready = False

    def send(self, out: Outgoing) -> Result:
        """Send one message and read the server's answer to it."""
        if not self.smtp:
            return self._send_plain(out)
        try:
            self._connect()
            return self._send_smtp(self.backend.connection, out)
        except SmtpErrors as error:
            self._abandon()
            return lost(error)

    def _send_plain(self, out: Outgoing) -> Result:
        try:
            self.backend.send_messages([out.email])
        except SmtpErrors as error:
            return lost(error)
        return Result(ACCEPTED)

    def _connect(self) -> None:
        if not self.ready:
            self.backend.open()
            self.backend.connection.ehlo_or_helo_if_needed()
            self.pipelining = bool(self.backend.connection.has_extn("pipelining"))
            self.ready = True

    def _send_smtp(self, smtp: smtplib.SMTP, out: Outgoing) -> Result:
        refused = self._envelope(smtp, out)
        if refused:
            return refused
        smtp.send(_stuffed(out.data))
        code, reply = smtp.getreply()
        if code != 250:
            return self._refused(smtp, refusal(code, reply, "end of data"), code)
        return Result(ACCEPTED)

    def _envelope(self, smtp: smtplib.SMTP, out: Outgoing) -> Result | None:
        """MAIL, RCPT, DATA: a Result when the server refuses one of them."""
        if self.pipelining:
            return self._envelope_pipelined(smtp, out)
        code, reply = smtp.mail(out.sender)
        if code != 250:
            return self._refused(smtp, refusal(code, reply, "MAIL"), code)
        for recipient in out.recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(smtp, refusal(code, reply, "RCPT"), code)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            return self._refused(smtp, refusal(code, reply, "DATA"), code)
        return None

    def _envelope_pipelined(self, smtp: smtplib.SMTP, out: Outgoing) -> Result | None:
        """MAIL, every RCPT and DATA in one write, then their replies in order: one round trip
        instead of two or more. RFC 2920: DATA ends the group (the message waits for 354), and
        a refused MAIL or RCPT is known only from the replies, all of which are read."""
        commands = [f"MAIL FROM:{smtplib.quoteaddr(out.sender)}"]
        commands += [f"RCPT TO:{smtplib.quoteaddr(recipient)}" for recipient in out.recipients]
        smtp.send("".join(f"{command}\r\n" for command in commands) + "DATA\r\n")
        replies = [smtp.getreply() for _ in range(len(commands) + 1)]
        refused = _first_refusal(replies)
        if refused is None:
            return None
        code, result = refused
        if replies[-1][0] == 354:
            # The server waits for the message although a recipient was refused: a "." would
            # deliver an empty one. Closing the connection abandons the transaction instead
            # (a QUIT would be read as message text).
            self._abandon()
            return result
        return self._refused(smtp, result, code)

    def _refused(self, smtp: smtplib.SMTP, result: Result, code: int) -> Result:
        """Reset the SMTP transaction for the next message (or reconnect after a 421)."""
        try:
            if code == 421:
                raise smtplib.SMTPServerDisconnected("421")
            smtp.rset()
        except SmtpErrors:
            self._abandon()
        return result

    def _abandon(self) -> None:
        """Close the connection without QUIT (lost, or in the middle of DATA); the server
        discards an unfinished message. The next message opens a new connection."""
        smtp = self.backend.connection
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()
        self.backend.connection = None
        self.ready = False


def _first_refusal(replies: list[tuple[int, bytes]]) -> tuple[int, Result] | None:
    """The pipelined replies to MAIL, each RCPT and DATA: the first refusal, if any."""
    (mail_code, mail_reply), (data_code, data_reply) = replies[0], replies[-1]
    if mail_code != 250:
        return mail_code, refusal(mail_code, mail_reply, "MAIL")
    for code, reply in replies[1:-1]:
        if code not in (250, 251):
            return code, refusal(code, reply, "RCPT")
    if data_code != 354:
        return data_code, refusal(data_code, data_reply, "DATA")
    return None


def _stuffed(data: bytes) -> bytes:
    """DATA's transparency (RFC 5321 4.5.2) and its terminating "." line, as smtplib does."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def outgoing_email(message: Any) -> Outgoing:
    """An EmailMessage in the form SMTP sends: its MIME bytes once, its envelope, and its
    Message-ID for the row."""
    mime = message.message()
    message_id = str(mime["Message-ID"] or "")
    if message_id:
        message.extra_headers.setdefault("Message-ID", message_id)
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return Outgoing(
        email=message,
        sender=envelope_address(message.from_email, encoding),
        recipients=tuple(envelope_address(a, encoding) for a in message.recipients()),
        data=mime_bytes(mime),
        message_id=message_id,
    )


# A bare ASCII address (dot-atom local part, plain domain), as customers' addresses are.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")


def envelope_address(address: str, encoding: str) -> str:
    """What Django's sanitize_address gives for MAIL FROM / RCPT TO. A bare ASCII address is
    its own answer, so the standard library's header parser, slow for something done twice
    per message, runs only for the others; the sender's answer is remembered."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address, encoding)


@functools.lru_cache(maxsize=256)
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)
