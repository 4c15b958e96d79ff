"""Opens, clicks and opt-outs of a delivery, through the public tracking links."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from campaigns import links, tracking
from campaigns.models import Delivery
from campaigns.rendering.compiled import render
from segmentation.consent import ledger
from segmentation.consent.models import ConsentAction
from segmentation.customers.models import Channel, ConsentStatus
from segmentation.events.models import Event, EventKind
from segmentation.segments.tree import members
from tests.campaigns.messages import IMPORT, campaign, customer, delivery, variant

pytestmark = pytest.mark.django_db

HTML = (
    '<p>Hi {{ first_name }}</p><a href="https://shop.test/new">New</a> '
    '<a href="https://shop.test/{{ city|default:"all"|urlencode }}">Near you</a>'
    '<a href="{{ unsubscribe_url }}">Leave</a>'
)


@pytest.fixture
def sent():
    content = variant(campaign(), html_body=HTML, text_body="Shop: https://shop.test/new")
    return delivery(content, customer(first_name="Ada", city="Köln"))


def _path(url: str) -> str:
    return urlsplit(url).path


def _rendered(of: Delivery):
    return render(of.variant, of.customer, of)


def _click_url(of: Delivery, index: int) -> str:
    return _path(links.click_url(of.public_id, index))


def _open_url(of: Delivery) -> str:
    return _path(links.open_url(of.public_id))


def _events(kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind).order_by("pk"))


def _nothing_recorded(of: Delivery) -> None:
    of.refresh_from_db()
    assert (of.opens, of.opened_at, of.clicks, of.clicked_at) == (0, None, 0, None)
    assert not Event.objects.exists()


# --- opens -------------------------------------------------------------------------------


def test_the_pixel_is_a_gif_that_is_not_cached(client, sent):
    response = client.get(_open_url(sent))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert "no-cache" in response["Cache-Control"]


def test_the_pixel_in_the_message_records_the_first_open_and_counts_the_rest(client, sent):
    pixel = [u for u in _rendered(sent).html.split('"') if "/o/" in u][0]

    client.get(_path(pixel))
    client.get(_path(pixel))

    sent.refresh_from_db()
    assert sent.opens == 2
    assert sent.opened_at is not None
    (event,) = _events(EventKind.MESSAGE_OPEN)
    assert event.customer == sent.customer
    assert event.integration is None
    assert event.event_id == f"open:{sent.public_id.hex}"
    assert event.data == {"delivery": sent.public_id.hex, "campaign": sent.campaign_id}


def test_a_tampered_pixel_answers_404_and_records_nothing(client, sent):
    token = _open_url(sent).split("/")[-1].removesuffix(".gif")

    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense", token + ".0"):
        assert client.get(f"/o/{bad}.gif").status_code == 404
    _nothing_recorded(sent)


def test_opens_feed_the_opened_a_message_segment_field(client, sent):
    definition = {
        "type": "group",
        "op": "and",
        "negate": False,
        "children": [
            {"type": "condition", "field": "opened_message", "op": "has", "value": {"days": 1}}
        ],
    }
    assert not members(definition).exists()

    client.get(_open_url(sent))

    assert list(members(definition)) == [sent.customer]


# --- clicks ------------------------------------------------------------------------------


def test_a_click_redirects_to_the_link_with_that_number(client, sent):
    rendered = _rendered(sent)
    assert rendered.links == ["https://shop.test/new", "https://shop.test/K%C3%B6ln"]

    response = client.get(_click_url(sent, 1))

    assert response.status_code == 302
    assert response["Location"] == "https://shop.test/K%C3%B6ln"


def test_every_tracked_link_in_the_message_leads_to_its_url(client, sent):
    rendered = _rendered(sent)
    tracked = [u for u in rendered.html.split('"') if "/c/" in u]

    assert [client.get(_path(u))["Location"] for u in tracked] == rendered.links


def test_a_click_is_counted_and_recorded_once_per_link(client, sent):
    for index in (0, 0, 1):
        client.get(_click_url(sent, index))

    sent.refresh_from_db()
    assert sent.clicks == 3
    assert sent.clicked_at is not None
    clicks = _events(EventKind.MESSAGE_CLICK)
    assert [(e.data["link"], e.data["url"]) for e in clicks] == [
        (0, "https://shop.test/new"),
        (1, "https://shop.test/K%C3%B6ln"),
    ]


def test_a_click_counts_as_the_open_when_none_was_recorded(client, sent):
    client.get(_click_url(sent, 0))
    client.get(_click_url(sent, 0))

    sent.refresh_from_db()
    assert (sent.opens, sent.opened_at is not None) == (1, True)
    assert len(_events(EventKind.MESSAGE_OPEN)) == 1


def test_a_click_after_an_open_does_not_count_another_open(client, sent):
    client.get(_open_url(sent))
    client.get(_click_url(sent, 0))

    sent.refresh_from_db()
    assert sent.opens == 1


def test_a_tampered_click_token_answers_404_and_records_nothing(client, sent):
    good = _click_url(sent, 0).split("/")[2]

    for bad in (
        good[:-2] + "xx",
        good.replace(".0.", ".1."),  # another link number under the old signature
        links.make_token("open", sent.public_id),  # a token of another purpose
        "nonsense",
    ):
        response = client.get(f"/c/{bad}/")
        assert response.status_code == 404
        assert "Location" not in response
    _nothing_recorded(sent)


def test_a_link_number_the_message_does_not_have_answers_404(client, sent):
    assert client.get(_click_url(sent, 2)).status_code == 404
    assert client.get(_click_url(sent, 99)).status_code == 404
    _nothing_recorded(sent)


def test_no_url_outside_the_message_can_be_reached(client, sent):
    response = client.get(_click_url(sent, 0), {"url": "https://evil.test/", "next": "//evil"})

    assert response["Location"] == "https://shop.test/new"


def test_the_opt_out_link_is_not_a_click_target(client, sent):
    assert all("/u/" not in url for url in _rendered(sent).links)


def test_clicks_past_the_rate_limit_answer_429(client, sent, settings):
    settings.SEGMENTA_CLICK_RATE_LIMIT = 2

    statuses = [client.get(_click_url(sent, 0)).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]


# --- erased recipients -------------------------------------------------------------------


def test_an_erased_recipients_pixel_is_answered_and_records_nothing(client, sent):
    Delivery.objects.filter(pk=sent.pk).update(customer=None)

    response = client.get(_open_url(sent))

    assert response.status_code == 200
    _nothing_recorded(sent)


def test_an_erased_recipients_click_answers_404(client, sent):
    Delivery.objects.filter(pk=sent.pk).update(customer=None)

    assert client.get(_click_url(sent, 0)).status_code == 404
    _nothing_recorded(sent)


def test_erasing_through_the_ledger_keeps_tracking_neutral(client, sent):
    ledger.erase(sent.customer, IMPORT)

    assert client.get(_open_url(sent)).status_code == 200
    assert client.get(_click_url(sent, 0)).status_code == 404
    sent.refresh_from_db()
    assert sent.customer is None and sent.opens == 0


# --- opt-outs ----------------------------------------------------------------------------


def _unsubscribe_link(of: Delivery) -> str:
    html = _rendered(of).html
    return _path([u for u in html.split('"') if "/u/" in u][-1])


def test_one_click_through_the_messages_link_withdraws_and_marks_the_delivery(sent):
    bare = Client(enforce_csrf_checks=True)

    response = bare.post(
        _unsubscribe_link(sent),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.unsubscribed_at is not None
    assert sent.customer.email_consent == ConsentStatus.WITHDRAWN
    event = sent.customer.consent_events.latest("created_at")
    assert event.evidence.endswith(f"message {sent.public_id.hex}")


def test_opening_the_opt_out_page_changes_nothing(client, sent):
    assert client.get(_unsubscribe_link(sent)).status_code == 200

    sent.refresh_from_db()
    assert sent.unsubscribed_at is None


def test_an_opt_out_only_marks_its_own_recipients_delivery(sent):
    other = delivery(sent.variant, customer("bob@example.com"))

    assert tracking.record_unsubscribe(None, customer=sent.customer, ref=other.public_id.hex) == 0
    assert tracking.record_unsubscribe(None, customer=sent.customer, ref="not-hex") == 0
    assert tracking.record_unsubscribe(None, customer=sent.customer, ref=sent.public_id.hex) == 1
    other.refresh_from_db()
    assert other.unsubscribed_at is None


def test_the_sms_opt_out_link_leads_to_the_unsubscribe_page_for_sms(client):
    texting = campaign(channel=Channel.SMS)
    person = customer(phone="+491701234567")
    ledger.record(person, Channel.SMS, ConsentAction.GRANTED, IMPORT)
    sms = delivery(variant(texting, sms_text="Sale!"), person)
    opt_out = _rendered(sms).sms.split("Opt out: ")[1]

    response = client.get(_path(opt_out))
    assert response.status_code == 302
    page = _path(response["Location"])
    assert resolve(page).url_name == "unsubscribe"
    client.post(page)

    sms.refresh_from_db()
    person.refresh_from_db()
    assert sms.unsubscribed_at is not None
    assert person.sms_consent == ConsentStatus.WITHDRAWN
    assert person.email_consent == ConsentStatus.GRANTED


def test_a_tampered_sms_opt_out_link_answers_404(client, sent):
    token = links.make_token("sms_optout", sent.public_id)

    tampered = token[:-1] + ("y" if token.endswith("x") else "x")  # always a change

    assert client.get(f"/s/{tampered}/").status_code == 404
    assert client.get(f"/s/{links.make_token('click', sent.public_id, 0)}/").status_code == 404
