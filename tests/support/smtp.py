"""A real SMTP server on loopback (aiosmtpd) that counts accepted messages per recipient.

    with smtp_server() as server:                  # a thread of this process
        settings: EMAIL_HOST=127.0.0.1, EMAIL_PORT=server.port
        server.handler.counts["ada@example.com"]   # messages accepted for that address
        server.handler.message_ids["ada@example.com"]  # their Message-IDs, in order
        server.handler.total

It offers PIPELINING (RFC 2920) as production MTAs do; `pipelining=False` does not.

Faults, for reliability tests (seeded, so a run can be repeated):
- refuse: the share of messages answered "451 try again later" at the end of DATA (not kept);
- drop: the share of messages whose connection is closed instead of an answer, at RCPT or at
  the end of DATA (not kept: a server that loses the connection before answering has not
  taken responsibility for the message, RFC 5321 section 4.1.1.4).

`smtp_server_process()` runs the same server in a child process (the benchmark: the server
must not share a GIL with the sender it measures); its counters are shared memory.
"""

import asyncio
import logging
import multiprocessing
import random
import re
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingHandler:
    def __init__(
        self,
        refuse: float = 0.0,
        drop: float = 0.0,
        seed: int = 1,
        keep: bool = False,
        pipelining: bool = True,
    ) -> None:
        self.pipelining = pipelining
        self.refuse = refuse
        self.drop = drop
        self.random = random.Random(seed)
        self.keep = keep
        self.counts: Counter[str] = Counter()
        self.message_ids: defaultdict[str, list[str]] = defaultdict(list)
        self.peers: set[tuple] = set()  # client addresses: one per SMTP connection used
        self.messages: list[bytes] = []
        self.total = 0
        self.refused = 0
        self.dropped = 0
        self.pipelined = 0  # transactions whose DATA had arrived with their RCPT
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.lock = threading.Lock()

    def _drop(self, server) -> bool:
        if self.drop and self.random.random() < self.drop / 2:
            self.dropped += 1
            server.transport.close()
            return True
        return False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """Offer PIPELINING as production MTAs do (aiosmtpd reads pipelined commands in order
        but does not say so); pipelining=False keeps the one-command-per-round-trip server."""
        session.host_name = hostname  # what aiosmtpd does itself without this hook
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self._drop(server):
            return "421 4.4.2 closing"  # never reaches the client
        if b"DATA\r\n" in getattr(server._reader, "_buffer", b""):
            self.pipelined += 1  # the client sent DATA without waiting for this answer
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self._drop(server):
            return "421 4.4.2 closing"
        if self.refuse and self.random.random() < self.refuse:
            self.refused += 1
            return "451 4.3.0 Try again later"
        message_id = _message_id(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.counts[recipient.lower()] += 1
                self.message_ids[recipient.lower()].append(message_id)
            self.total += 1
            self.peers.add(tuple(session.peer))
            now = time.monotonic()
            self.first_at = self.first_at or now
            self.last_at = now
            if self.keep:
                self.messages.append(envelope.content)
        return "250 2.0.0 OK queued"

    def duplicates(self) -> dict[str, int]:
        return {address: n for address, n in self.counts.items() if n > 1}


_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def _message_id(content: bytes) -> str:
    """The Message-ID header of a message as it arrived ("" without one)."""
    headers = re.split(rb"\r?\n\r?\n", content, maxsplit=1)[0]
    found = _MESSAGE_ID.search(headers)
    return found[1].decode("ascii", "replace") if found else ""


@dataclass
class Server:
    host: str
    port: int
    handler: CountingHandler

    @property
    def env(self) -> dict[str, str]:
        """Environment for worker processes that should send here."""
        return {
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_TIMEOUT": "10",
        }


@contextmanager
def smtp_server(**faults) -> Iterator[Server]:
    handler = CountingHandler(**faults)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        yield Server("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()


class SharedCounts:
    """Counters a server process publishes: total accepted, and monotonic times."""

    def __init__(self) -> None:
        self.total = multiprocessing.Value("q", 0, lock=False)
        self.first_at = multiprocessing.Value("d", 0.0, lock=False)
        self.last_at = multiprocessing.Value("d", 0.0, lock=False)


class _PublishingHandler(CountingHandler):
    def __init__(self, shared: SharedCounts, pipelining: bool) -> None:
        super().__init__(pipelining=pipelining)
        self.shared = shared

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        self.shared.total.value = self.total
        self.shared.first_at.value = self.first_at or 0.0
        self.shared.last_at.value = self.last_at or 0.0
        return answer


def _serve(port: int, shared: SharedCounts, ready, pipelining: bool) -> None:
    handler = _PublishingHandler(shared, pipelining)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        asyncio.run(asyncio.sleep(10**9))
    finally:
        controller.stop()


@contextmanager
def smtp_server_process(pipelining: bool = True) -> Iterator[tuple[int, SharedCounts]]:
    """The counting server in a child process: (port, shared counters)."""
    port, shared = free_port(), SharedCounts()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(
        target=_serve, args=(port, shared, ready, pipelining), daemon=True
    )
    process.start()
    try:
        if not ready.wait(20):
            raise RuntimeError("the SMTP server process did not start")
        yield port, shared
    finally:
        process.terminate()
        process.join(10)
