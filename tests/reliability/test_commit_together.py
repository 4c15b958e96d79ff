"""The message's "." and its row's COMMIT leave together or not at all, whenever the worker is
killed: just before the one system call that arms both (neither: the row is not marked, the
SMTP server has nothing) or just after it (both, although the process never released them).
PostgreSQL over TCP on Linux 6.7+, where io_uring can set socket options."""

import os
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest
from django.db import connection

from campaigns import sending, uring
from campaigns.models import Delivery
from segmentation.customers.models import Customer
from tests.campaigns.sending_builders import LEAN_EMAIL, campaign, recipients
from tests.support.processes import ROOT, process_env, wait_for
from tests.support.smtp import smtp_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

needs_ring = pytest.mark.skipif(
    uring.for_this_process() is None, reason="this kernel's io_uring has no socket commands"
)


def one_message(customer: Customer, when: str, server) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.killed_at_commit", str(customer.pk), when],
        cwd=ROOT,
        env=process_env(**server.env),
        capture_output=True,
        timeout=60,
    )


def outcome(customer: Customer, server) -> tuple[str, int]:
    customer.refresh_from_db()
    return customer.first_name, server.handler.counts.get(customer.email, 0)


@needs_ring
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite commits before arming")
@pytest.mark.parametrize(
    ("when", "expected"),
    [("before", ("", 0)), ("after", ("sent", 1)), ("never", ("sent", 1))],
)
def test_a_kill_around_the_arming_sends_and_commits_both_or_neither(when, expected):
    people = [Customer.objects.create(email=f"c{n}@example.com") for n in range(5)]
    with smtp_server() as server:
        for person in people:
            done = one_message(person, when, server)
            died = done.returncode == -signal.SIGKILL
            assert died == (when != "never"), done.stderr.decode()[-2000:]
        outcomes = lambda: [outcome(person, server) for person in people]  # noqa: E731
        if expected[1]:
            wait_for(lambda: outcomes() == [expected] * 5, timeout=10, what="the messages")
        else:
            time.sleep(1)  # held bytes left within 200 ms (the cork's ceiling) if ever
        assert outcomes() == [expected] * 5


@needs_ring
def test_the_ring_sets_two_sockets_options_in_one_call():
    reset, flush = struct.pack("ii", 1, 0), struct.pack("ii", 0, 0)
    with socket.socket() as first, socket.socket() as second:
        first.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
        second.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
        calls = [(s.fileno(), socket.SOL_SOCKET, socket.SO_LINGER, flush) for s in (first, second)]
        assert uring.for_this_process().setsockopts(calls) == [0, 0]
        for sock in (first, second):
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8) == flush


@needs_ring
def test_a_refused_option_comes_back_as_its_error():
    with socket.socket() as sock:
        bad = [(sock.fileno(), socket.SOL_SOCKET, socket.SO_LINGER, b"\x01")]  # too short
        assert uring.for_this_process().setsockopts(bad) == [-22]  # EINVAL


def test_without_a_ring_the_worker_says_what_a_kill_may_do(monkeypatch, caplog):
    monkeypatch.setattr(uring.platform, "machine", lambda: "vax")
    monkeypatch.setattr(uring, "_ring", None)  # this process has not looked yet
    assert uring.for_this_process() is None
    assert uring.for_this_process() is None
    warnings = [r.getMessage() for r in caplog.records if r.name == "campaigns.uring"]
    assert len(warnings) == 1 and "sends it twice" in warnings[0]


@pytest.fixture
def over_a_unix_socket():
    """The test database reached through PostgreSQL's socket directory instead of TCP."""
    directory = "/var/run/postgresql"
    if connection.vendor != "postgresql" or not os.path.exists(f"{directory}/.s.PGSQL.5432"):
        pytest.skip("no local PostgreSQL socket")
    host = connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"] = directory
    yield
    connection.close()
    connection.settings_dict["HOST"] = host


def sends_a_batch(settings) -> None:
    people = recipients(20)
    draft = campaign(content=LEAN_EMAIL)
    sending.launch(draft)
    with smtp_server() as server:
        for name, value in server.env.items():
            setattr(settings, name, int(value) if value.isdigit() else value)
        report = sending.run_batch(draft.pk)
        assert report.sent == 20
        assert server.handler.counts == {person.email: 1 for person in people}
    assert set(Delivery.objects.filter(campaign=draft).values_list("status", flat=True)) == {"sent"}


@needs_ring
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite commits before arming")
def test_a_batch_arms_each_message_with_its_commit_in_one_call(settings, monkeypatch):
    ring = uring.for_this_process()
    calls = []
    arm_both = ring.setsockopts
    monkeypatch.setattr(ring, "setsockopts", lambda c: calls.append(len(c)) or arm_both(c))
    sends_a_batch(settings)
    # Per message: hold the database socket (cork, reset); then arm and release both.
    assert calls == [2, 4] * 20


def test_without_the_ring_a_batch_arms_and_commits_in_two_calls(settings, monkeypatch):
    monkeypatch.setattr(uring, "for_this_process", lambda: None)
    sends_a_batch(settings)


def test_a_database_over_a_unix_socket_takes_the_two_calls(settings, over_a_unix_socket):
    assert connection.cursor().connection.pgconn.host.decode().startswith("/")
    sends_a_batch(settings)
