"""`manage.py check --deploy` says when a killed worker could send a message twice."""

import pytest
from django.core import checks
from django.db import connection

from campaigns import uring

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the hand-over through io_uring is PostgreSQL's"
)


def warned() -> list[str]:
    return [
        m.id
        for m in checks.run_checks(include_deployment_checks=True)
        if m.id.startswith("campaigns")
    ]


def test_a_host_without_io_uring_gets_a_warning(monkeypatch):
    monkeypatch.setattr(uring, "for_this_process", lambda: None)
    assert warned() == ["campaigns.W001"]


@pytest.mark.skipif(uring.for_this_process() is None, reason="this host has no io_uring")
def test_a_host_with_io_uring_gets_none():
    assert warned() == []
