"""campaigns.mime gives the bytes Django's as_bytes() gives, boundaries aside."""

import pytest
from django.core.mail import EmailMultiAlternatives

from campaigns import rendering
from campaigns.mime import to_bytes
from campaigns.rendering import render
from tests.campaigns.messages import campaign, customer, delivery, variant

pytestmark = pytest.mark.django_db


def _both(email: EmailMultiAlternatives) -> tuple[bytes, bytes]:
    """Ours first (it sets the boundaries), then Django's from the same message object (its
    Date and Message-ID are made once)."""
    mime = email.message()
    return to_bytes(mime), mime.as_bytes(linesep="\r\n")


def test_a_campaign_email_is_byte_for_byte_what_django_writes(settings):
    settings.SITE_URL = "https://segmenta.example"
    settings.SEGMENTA_UNSUBSCRIBE_MAILTO = "unsubscribe@shop.example"  # a long header
    on = campaign("Frühling: 20% off für alle Kundinnen und Kunden, die diese Woche bestellen")
    content = variant(
        on,
        subject="Grüße, {{ first_name }}! Ein sehr langer Betreff, der gefaltet werden muss",
        text_body="Hi {{ first_name }}\nFrom the shop: ünïcödé\n" + "x " * 200,
        html_body="<p>Hi {{ first_name }}</p><p>From here</p>",
    )
    person = customer("zoë@example.com", first_name="Zoë")
    email = rendering.build_email(render(content, person, delivery(content, person)), on, person)

    ours, django = _both(email)

    assert ours == django
    assert b"Content-Type: multipart/alternative;" in ours


def test_plain_ascii_headers_and_a_text_only_message():
    email = EmailMultiAlternatives(
        "Spring", "Just text", "Shop <news@shop.example>", ["ada@example.com"],
        headers={"X-Tabbed": "a\tb  c", "List-Id": "<spring.shop.example>"},
    )  # fmt: skip

    ours, django = _both(email)

    assert ours == django
