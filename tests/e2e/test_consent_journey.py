"""A customer unsubscribes from a message link, then re-subscribes to one topic (double opt-in)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from segmentation.consent import ledger
from segmentation.consent.ledger import Context
from segmentation.consent.models import ConsentAction, ConsentSource, Topic
from segmentation.customers.models import Channel, ConsentStatus, Customer
from segmentation.shared import tokens

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_opt_out_then_resubscribe_to_a_topic(page, live_server, settings, eager_tasks):
    settings.SITE_URL = live_server.url
    Topic.objects.create(slug="news", name="Newsletter")
    Topic.objects.create(slug="promos", name="Promotions")
    customer = Customer.objects.create(email="pat@example.com", first_name="Pat")
    ledger.record(customer, Channel.EMAIL, ConsentAction.GRANTED, Context(ConsentSource.IMPORT))

    page.goto(tokens.unsubscribe_url(customer, ref="m-1"))
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    customer.refresh_from_db()
    assert customer.email_consent == ConsentStatus.WITHDRAWN

    page.get_by_role("link", name="Manage your preferences").click()
    expect(page.get_by_role("heading", name="Your preferences")).to_be_visible()
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Newsletter").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("We sent a link to pat@example.com")).to_be_visible()
    expect(page.get_by_text("awaiting your confirmation")).to_be_visible()

    link = re.search(r"http\S+/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Yes, subscribe me").click()
    expect(page.get_by_role("heading", name="Thank you, you are subscribed")).to_be_visible()

    customer.refresh_from_db()
    assert ledger.is_reachable(customer, Channel.EMAIL, Topic.objects.get(slug="news"))
    assert not ledger.is_reachable(customer, Channel.EMAIL, Topic.objects.get(slug="promos"))
