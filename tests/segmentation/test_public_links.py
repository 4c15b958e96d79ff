"""The pages customers reach from messages, without logging in."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    Suppression,
    Topic,
)
from segmentation.customers.models import Channel, ConsentStatus, Customer, Order
from segmentation.shared import tokens

pytestmark = pytest.mark.django_db
IMPORT = Context(source=ConsentSource.IMPORT)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def subscribed():
    customer = Customer.objects.create(email="sub@example.com", first_name="Sam")
    ledger.record(customer, Channel.EMAIL, ConsentAction.GRANTED, IMPORT)
    return customer


def _path(url: str) -> str:
    return urlsplit(url).path


def _status(customer) -> str:
    customer.refresh_from_db()
    return customer.email_consent


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(response) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def test_opening_the_unsubscribe_link_changes_nothing(client, subscribed, settings):
    settings.SEGMENTA_PUBLIC_RATE_LIMIT = 1000
    url = _path(tokens.unsubscribe_url(subscribed, ref="d-7"))
    for _ in range(100):
        assert client.get(url).status_code == 200
    assert _status(subscribed) == ConsentStatus.GRANTED
    assert subscribed.consent_events.count() == 1


def test_one_click_post_without_cookies_or_csrf_withdraws_at_once(subscribed):
    url = _path(tokens.unsubscribe_url(subscribed, ref="d-7"))
    bare = Client(enforce_csrf_checks=True)

    response = bare.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert "Location" not in response
    assert _status(subscribed) == ConsentStatus.WITHDRAWN
    event = subscribed.consent_events.latest("created_at")
    assert event.source == "unsubscribe_link"
    assert event.evidence == "one-click (RFC 8058); message d-7"


def test_the_unsubscribe_button_withdraws_and_offers_preferences(client, subscribed):
    url = _path(tokens.unsubscribe_url(subscribed))
    response = client.post(url)
    assert "You are unsubscribed" in text_of(response)
    assert 'href="http' in response.content.decode()  # the preferences link
    assert _status(subscribed) == ConsentStatus.WITHDRAWN


def test_a_topic_link_unsubscribes_from_that_topic_only(client, subscribed):
    news = Topic.objects.create(slug="news", name="Newsletter")
    ledger.record(subscribed, Channel.EMAIL, ConsentAction.GRANTED, IMPORT, topic=news)

    client.post(_path(tokens.unsubscribe_url(subscribed, topic_slug="news")))

    assert _status(subscribed) == ConsentStatus.GRANTED
    assert not ledger.is_reachable(subscribed, Channel.EMAIL, news)


@pytest.mark.parametrize("purpose", ["unsubscribe", "preferences", "confirm"])
def test_tampered_foreign_and_unknown_tokens_all_get_the_same_404(client, subscribed, purpose):
    good = tokens.make(purpose, subscribed.public_id.hex, "email", "", "")
    other_purpose = tokens.make("preferences" if purpose != "preferences" else "confirm", "x")
    unknown = tokens.make(purpose, "0" * 32, "email", "", "")
    pages = []
    for token in (good[:-2] + "xx", other_purpose, unknown, "garbage"):
        response = client.post(reverse(purpose, args=[token]))
        assert response.status_code == 404
        pages.append(text_of(response))
    assert len(set(pages)) == 1
    assert _status(subscribed) == ConsentStatus.GRANTED


def test_unsubscribe_links_keep_working_after_a_year(client, subscribed, settings):
    url = _path(tokens.unsubscribe_url(subscribed))
    from unittest import mock

    with mock.patch("time.time", return_value=__import__("time").time() + 400 * 86400):
        response = client.post(url)
    assert response.status_code == 200
    assert _status(subscribed) == ConsentStatus.WITHDRAWN


def test_public_pages_answer_429_past_the_rate_limit(client, subscribed, settings):
    settings.SEGMENTA_PUBLIC_RATE_LIMIT = 5
    url = _path(tokens.unsubscribe_url(subscribed))
    codes = [client.get(url).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2


def test_signup_starts_a_double_opt_in_and_the_link_confirms_it(client, run_on_commit, mailoutbox):
    Topic.objects.create(slug="news", name="Newsletter")
    news = Topic.objects.get(slug="news")
    with run_on_commit():
        response = client.post(
            reverse("subscribe"), {"email": "New@Example.com", "topics": [news.pk]}
        )
    assert "Check your inbox" in text_of(response)
    customer = Customer.objects.get(email="new@example.com")
    assert customer.email_consent == ConsentStatus.PENDING
    requests = customer.consent_events.all()
    assert [(e.action, e.wording.version) for e in requests] == [("requested", "email-v1")] * 2

    link = re.search(r"https?://\S+/confirm/\S+/", mailoutbox[0].body).group(0)
    assert client.get(_path(link)).status_code == 200
    assert _status(customer) == ConsentStatus.PENDING  # GET only shows the button

    assert "you are subscribed" in text_of(client.post(_path(link)))
    assert "Nothing to confirm" in text_of(client.post(_path(link)))
    customer.refresh_from_db()
    assert ledger.is_reachable(customer, Channel.EMAIL, news)
    assert customer.consent_events.filter(action="confirmed").count() == 2  # topic + channel


def test_signup_with_a_bad_email_shows_the_error(client):
    response = client.post(reverse("subscribe"), {"email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address" in text_of(response)
    assert not Customer.objects.exists()


def test_signup_by_a_bot_filling_the_hidden_field_does_nothing(client, mailoutbox):
    client.post(reverse("subscribe"), {"email": "bot@example.com", "website": "http://spam"})
    assert not Customer.objects.exists()
    assert mailoutbox == []


def test_an_expired_confirmation_link_says_so(client, eager_tasks, settings):
    customer = Customer.objects.create(email="late@example.com")
    ledger.request_opt_in(customer, Channel.EMAIL, Context(source=ConsentSource.SIGNUP_FORM))
    link = _path(tokens.confirm_url(customer, Channel.EMAIL))
    settings.SEGMENTA_CONFIRMATION_MAX_AGE = -1

    response = client.post(link)

    assert response.status_code == 410
    assert "expired" in text_of(response)
    assert _status(customer) == ConsentStatus.PENDING


def test_preferences_tick_a_topic_starts_a_double_opt_in(
    client, subscribed, run_on_commit, mailoutbox
):
    news = Topic.objects.create(slug="news", name="Newsletter")
    url = _path(tokens.preferences_url(subscribed))
    assert client.get(url).status_code == 200

    with run_on_commit():
        response = client.post(url, {"email": "on", "topics": [news.pk], "frequency_days": "7"})

    assert "We sent a link" in text_of(response)
    subscribed.refresh_from_db()
    assert subscribed.email_consent == ConsentStatus.GRANTED
    assert subscribed.frequency_days == 7
    assert subscribed.topic_consents.get().status == ConsentStatus.PENDING
    assert "Newsletter" in mailoutbox[0].body


def test_preferences_untick_email_withdraws_it(client, subscribed):
    response = client.post(_path(tokens.preferences_url(subscribed)), {"frequency_days": ""})
    assert "Your preferences are saved" in text_of(response)
    assert _status(subscribed) == ConsentStatus.WITHDRAWN


def test_preferences_refuse_topics_without_email(client, subscribed):
    news = Topic.objects.create(slug="news", name="Newsletter")
    response = client.post(_path(tokens.preferences_url(subscribed)), {"topics": [news.pk]})
    assert "tick Email to receive them" in text_of(response)
    assert _status(subscribed) == ConsentStatus.GRANTED
    assert not subscribed.topic_consents.exists()


def test_download_my_data_holds_profile_orders_and_ledger(client, subscribed):
    Order.objects.create(customer=subscribed, total="19.90", external_id="o-1")
    url = reverse("preferences_export", args=[tokens.make("preferences", subscribed.public_id.hex)])

    response = client.get(url)

    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["profile"]["email"] == "sub@example.com"
    assert data["orders"][0]["external_id"] == "o-1"
    assert [e["action"] for e in data["consent_ledger"]] == ["granted"]


def test_erase_me_asks_first_then_erases(client, subscribed):
    token = tokens.make("preferences", subscribed.public_id.hex)
    url = reverse("preferences_erase", args=[token])

    assert "cannot be undone" in text_of(client.get(url))
    client.post(url)  # no confirmation field: nothing happens
    assert Customer.objects.filter(pk=subscribed.pk).exists()

    response = client.post(url, {"confirm": "erase"})

    assert "erased" in text_of(response)
    assert not Customer.objects.filter(pk=subscribed.pk).exists()
    assert Suppression.objects.filter(address_hash=ledger.address_hash("email", "sub@example.com"))
    assert ConsentEvent.objects.filter(customer=None).count() == 2
    assert client.get(reverse("preferences", args=[token])).status_code == 404


def test_behind_our_proxy_each_client_has_its_own_limit(client, subscribed, settings):
    settings.SEGMENTA_PUBLIC_RATE_LIMIT = 2
    settings.BEHIND_TLS_PROXY = True
    url = _path(tokens.unsubscribe_url(subscribed))

    def get(ip: str) -> int:
        forwarded = f"6.6.6.6, {ip}"  # the first entry is whatever the client claims
        return client.get(url, headers={"X-Forwarded-For": forwarded}).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert get("198.51.100.2") == 200
