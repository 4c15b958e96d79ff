"""campaigns.mime gives the bytes Django's as_bytes() gives, boundaries aside; the sender's
envelope addresses are what Django's sanitize_address gives."""

import hypothesis
import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from hypothesis import given
from hypothesis import strategies as st

from campaigns.mime import to_bytes
from campaigns.rendering.compiled import render
from campaigns.rendering.mail import build_email
from campaigns.sending.smtp import envelope_address
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
    email = build_email(render(content, person, delivery(content, person)), on, person)

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


ATOM_CHARS = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
LABEL = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True)
PLAIN = st.builds(
    lambda local, labels: ".".join(local) + "@" + ".".join(labels),
    st.lists(st.text(ATOM_CHARS, min_size=1, max_size=6), min_size=1, max_size=3),
    st.lists(LABEL, min_size=1, max_size=3),
)
ANY = st.one_of(
    PLAIN,
    st.text(min_size=1, max_size=30).filter(lambda s: "\n" not in s and "\r" not in s),
    st.sampled_from(["Zoë <zoë@example.com>", "Shop <news@shop.example>", "a@bücher.example",
                     '"odd local"@example.com', "a..b@example.com", "ünï@example.com"]),
)  # fmt: skip


@hypothesis.settings(max_examples=400, deadline=None)
@given(ANY)
def test_the_envelope_address_is_what_sanitize_address_gives(address):
    """The sender's fast path for MAIL FROM / RCPT TO may skip the parser, never change the
    answer or let an address through that Django refuses."""
    try:
        expected = sanitize_address(address, "utf-8")
    except (ValueError, IndexError) as error:
        with pytest.raises(type(error)):
            envelope_address(address, "utf-8")
        return
    assert envelope_address(address, "utf-8") == expected
