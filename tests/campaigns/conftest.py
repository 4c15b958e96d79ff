"""Fixtures of the campaign tests."""

import pytest

from tests.support.smtp import smtp_server


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback (aiosmtpd in a thread) as the email backend; yields its
    handler, which counts and keeps what it accepted. It offers PIPELINING."""
    yield from _serving(settings, pipelining=True)


@pytest.fixture(params=[True, False], ids=["pipelining", "one-command-per-reply"])
def any_smtp(request, settings):
    """The same server with and without PIPELINING: both ways of speaking SMTP."""
    yield from _serving(settings, pipelining=request.param)


def _serving(settings, pipelining: bool):
    with smtp_server(keep=True, pipelining=pipelining) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        yield server.handler
