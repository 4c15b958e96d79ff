"""A marketer creates a two-track campaign with A/B variants, reviews it, launches it, watches
it being sent by a real Celery worker, opens a message in the outbox and clicks its link."""

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign, Delivery
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from tests.e2e.screens import shot as _shot
from tests.support.processes import celery_worker, wait_for

# serialized_rollback: the roles (groups) come from data migrations; keep them after the flush.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SHOP = "https://shop.example.com/spring"
GERMANS = ["Ann", "Dmitri", "Greta"]
OTHERS = ["Bruno", "Chloé", "Elif", "Finn"]


@pytest.fixture
def shop(db):
    for first in GERMANS + OTHERS:
        Customer.objects.create(
            email=f"{first.lower()}@example.com", first_name=first,
            country="DE" if first in GERMANS else "FR", email_consent=ConsentStatus.GRANTED,
        )  # fmt: skip
    condition = {"type": "condition", "field": "country", "op": "in", "value": ["DE"]}
    germans = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    Segment.objects.create(name="Germans", definition=germans)
    Segment.objects.create(name="Everyone", definition=empty())


@pytest.fixture
def private_broker(tmp_path):
    """A broker folder of this test alone, for this process and the worker (SEGMENTA_VAR_DIR):
    var/broker is shared with whatever else runs on the machine, whose stale tasks would
    queue before ours and whose workers could take ours."""
    from config.celery import app

    var = tmp_path / "var"
    broker = var / "broker"
    for folder in ("queue", "control"):
        (broker / folder).mkdir(parents=True)
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "control_folder": str(broker / "control"),
        "store_processed": False,
    }
    _forget_connections(app)
    yield {"SEGMENTA_VAR_DIR": str(var)}
    app.conf.broker_transport_options = saved
    _forget_connections(app)


def _forget_connections(app) -> None:
    # Both pools are made on first use from the options in force then (kombu keys them by
    # transport options): dropping them makes the next task use the options set now.
    app._pool = None
    app.amqp._producer_pool = None


def _write(page, label: str, subject: str, greeting: str) -> None:
    page.locator(f"#id_{label}-subject").fill(subject)
    page.locator(f"#id_{label}-text_body").fill(f"{greeting} {{{{ first_name }}}}, see {SHOP}")
    page.locator(f"#id_{label}-html_body").fill(
        f'<p>{greeting} {{{{ first_name }}}}!</p><p><a href="{SHOP}">Spring sale</a></p>'
    )


def _track(page, segment: str, greetings: tuple[str, str]) -> None:
    """Add the segment as a track, write variant A, add B, write it, split 50/50, save."""
    page.get_by_label("Add a segment as a track").select_option(label=segment)
    page.get_by_role("button", name="Add track").click()
    expect(page.get_by_role("heading", name=f"Content for “{segment}”")).to_be_visible()
    _write(page, "A", f"{greetings[0]} from the shop", greetings[0])
    page.get_by_role("button", name="+ Add variant").click()
    expect(page.locator("#variant-B")).to_be_visible()
    _write(page, "B", f"{greetings[1]}, {{{{ first_name }}}}", greetings[1])
    page.get_by_role("button", name="Save content").click()
    expect(page.get_by_text(f"Saved the content of '{segment}'.")).to_be_visible()


def test_a_marketer_sends_a_two_track_ab_campaign_and_follows_a_link(
    signed_in, live_server, shop, settings, tmp_path, private_broker
):
    page = signed_in
    outbox = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "config.outbox.OutboxBackend"
    settings.EMAIL_OUTBOX_DIR = outbox
    # The shop is not on this machine: answer for it (the click redirect's target).
    page.context.route(
        "https://shop.example.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Spring!</h1>"),
    )
    worker_env = {
        **private_broker,
        "SITE_URL": live_server.url,
        "EMAIL_BACKEND": "config.outbox.OutboxBackend",
        "EMAIL_OUTBOX_DIR": str(outbox),
        # Slow enough to watch the progress move (the batches follow the rate).
        "SEGMENTA_SEND_RATE_EMAIL": "3",
    }

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="No campaigns yet")).to_be_visible()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name", exact=True).fill("Spring sale")
    page.get_by_label("Sender name").fill("The Shop")
    page.get_by_label("Sender email").fill("news@shop.example.com")
    page.get_by_role("button", name="Create and add tracks").click()
    expect(page.get_by_text("Created 'Spring sale'.")).to_be_visible()

    _track(page, "Germans", ("Hallo", "Servus"))
    # The preview fills in a real member of the track (htmx, without leaving the page).
    page.get_by_role("button", name="Preview variant A").click()
    expect(page.locator("#preview-A .preview-subject")).to_have_text("Subject: Hallo from the shop")
    expect(page.frame_locator("#preview-A iframe").get_by_text("Hallo Ann!")).to_be_visible()
    _shot(page, "campaign-content")
    page.get_by_role("link", name="Back to the campaign").click()
    _track(page, "Everyone", ("Hello", "Hi"))
    page.get_by_role("link", name="Back to the campaign").click()
    expect(page.locator("a.track-name")).to_have_text(["Germans", "Everyone"])

    page.get_by_role("link", name="3. Review and launch →").click()
    expect(page.locator("[data-stat=recipients] dd")).to_have_text("7")
    expect(page.locator(".skip-reasons li[data-reason=already_in_earlier_track]")).to_contain_text(
        ": 3"
    )
    _shot(page, "campaign-review")

    with celery_worker(tmp_path / "worker.log", **worker_env):
        page.get_by_role("button", name="Launch now").click()
        expect(page.get_by_text("Launched 'Spring sale': sending now.")).to_be_visible()
        expect(page.locator("#progress")).to_have_attribute("hx-trigger", "every 2s")
        expect(page.locator("#campaign-status")).to_have_text("Sending")
        _shot(page, "campaign-sending")
        # The region polls by itself: no reload here.
        expect(page.locator("#campaign-status")).to_have_text("Sent", timeout=60_000)

    expect(page.locator("[data-stat=sent] dd")).to_have_text("7")
    expect(page.locator("[data-stat=remaining] dd")).to_have_text("0")
    expect(page.locator("#progress")).not_to_have_attribute("hx-trigger", "every 2s")
    _shot(page, "campaign-sent")
    campaign = Campaign.objects.get()
    assert campaign.status == "sent"
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 7

    page.get_by_role("link", name="Campaigns").first.click()
    page.get_by_role("link", name="Outbox").click()
    expect(page.locator(".outbox-table tbody tr")).to_have_count(7)
    page.locator(".outbox-table tbody tr", has_text="ann@example.com").get_by_role("link").click()
    expect(page.locator(".message-headers")).to_contain_text("ann@example.com")
    _shot(page, "campaign-outbox-message")

    ann = Delivery.objects.get(customer__email="ann@example.com")
    # The message's links open a new tab, as from a mail client: the signed click redirect.
    frame = page.frame_locator("#message-html")
    with (
        page.context.expect_page() as opened,
        page.context.expect_event("response", lambda r: "/c/" in r.url) as click,
    ):
        frame.get_by_role("link", name="Spring sale").click()
    assert click.value.status == 302
    assert click.value.headers["location"] == SHOP
    shop_page = opened.value
    expect(shop_page.get_by_role("heading", name="Spring!")).to_be_visible()
    assert shop_page.url == SHOP
    wait_for(lambda: Delivery.objects.get(pk=ann.pk).clicks == 1, 10, "the click to count")
