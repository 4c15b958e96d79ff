"""Fixtures of the campaign tests."""

import pytest

from tests.support.smtp import smtp_server


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback (aiosmtpd in a thread) as the email backend; yields its
    handler, which counts and keeps what it accepted."""
    with smtp_server(keep=True) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        yield server.handler
