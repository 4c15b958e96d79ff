"""A marketer builds an NPS survey and attaches it to the tracks of a campaign; the campaign is
sent (in this process, to the outbox); a customer opens the survey link from their message in
the outbox, answers with the keyboard and sees the thanks; the marketer reads NPS per segment."""

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign, Delivery, Track, Variant
from campaigns.sending import lifecycle
from feedback.answering import save_answers
from feedback.models import Question, Response, Survey
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from tests.e2e.screens import shot as _shot

# serialized_rollback: the roles (groups) come from data migrations; keep them after the flush.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
CONTENT = {
    "subject": "How did we do, {{ first_name }}?",
    "text_body": "Two questions, one minute: {{ survey_url }}",
    "html_body": '<p>Hello {{ first_name }}!</p><p><a href="{{ survey_url }}">Tell us</a></p>',
}


@pytest.fixture
def draft(db):
    """A draft campaign with two tracks, Germans (Ann) first and Everyone (Bruno) second."""
    for first, country in (("Ann", "DE"), ("Bruno", "FR")):
        Customer.objects.create(
            email=f"{first.lower()}@example.com", first_name=first, country=country,
            email_consent=ConsentStatus.GRANTED,
        )  # fmt: skip
    condition = {"type": "condition", "field": "country", "op": "in", "value": ["DE"]}
    germans = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    campaign = Campaign.objects.create(name="After the sale", sender_email="news@shop.example.com")
    for position, (name, definition) in enumerate((("Germans", germans), ("Everyone", empty()))):
        segment = Segment.objects.create(name=name, definition=definition)
        track = Track.objects.create(campaign=campaign, segment=segment, position=position)
        Variant.objects.create(track=track, label="A", weight=100, **CONTENT)
    return campaign


def _build_survey(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").click()
    page.get_by_label("Name").fill("After-sale NPS")
    page.get_by_role("button", name="Create and add questions").click()
    expect(page.get_by_text("Created 'After-sale NPS'.")).to_be_visible()
    # Questions are added through htmx: the region changes, the page stays.
    form = page.locator("form.add-question")
    form.get_by_label("Kind").select_option(label="Net Promoter Score (0-10)")
    form.get_by_label("Question").fill("How likely are you to recommend us to a friend?")
    form.get_by_role("button", name="Add question").click()
    expect(page.locator(".question-title")).to_have_count(1)
    form.get_by_label("Kind").select_option(label="Free text")
    form.get_by_label("Question").fill("What should we do better?")
    form.get_by_label("An answer is required").uncheck()
    form.get_by_role("button", name="Add question").click()
    expect(page.locator(".question-title")).to_have_count(2)
    page.get_by_role("button", name="Open survey").click()
    expect(page.locator("#survey-status")).to_have_text("Open")
    for track in ("After the sale › Germans", "After the sale › Everyone"):
        page.get_by_label("Attach to a track of a draft campaign").select_option(label=track)
        page.get_by_role("button", name="Attach").click()
        expect(page.locator(".attachment-list").get_by_role("link", name=track)).to_be_visible()
    _shot(page, "survey-builder")


def test_a_customer_answers_from_the_outbox_and_the_marketer_sees_nps_per_segment(
    signed_in, live_server, draft, settings, tmp_path, eager_tasks
):
    page = signed_in
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "config.outbox.OutboxBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"

    _build_survey(page)
    lifecycle.launch(draft)  # the batches run in this process (eager tasks), into the outbox
    assert Delivery.objects.filter(campaign=draft, status="sent").count() == 2

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Outbox").click()
    page.locator(".outbox-table tbody tr", has_text="ann@example.com").get_by_role("link").click()
    tell_us = page.frame_locator("#message-html").get_by_role("link", name="Tell us")
    expect(tell_us).to_be_visible()
    page.wait_for_load_state("load")  # the message's frame included: its links open a new tab
    with page.context.expect_page() as opened:
        tell_us.click()
    survey_page = opened.value
    # The tracked click redirects to Ann's own survey page.
    expect(survey_page.get_by_role("heading", name="After-sale NPS")).to_be_visible()
    assert "/q/" in survey_page.url

    # A phone's width: the 0-10 scale wraps, nothing scrolls sideways.
    survey_page.set_viewport_size({"width": 360, "height": 780})
    assert survey_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(survey_page, "survey-phone")
    # Sending with nothing chosen names the required question, and keeps the page.
    survey_page.get_by_role("button", name="Send answers").click()
    expect(survey_page.get_by_role("alert")).to_contain_text("Choose a score from 0 to 10.")
    # Keyboard only: to the scale, then the arrow keys choose, as in any radio group.
    scale = survey_page.get_by_role("group", name="How likely are you to recommend us")
    scale.get_by_label("8", exact=True).focus()
    survey_page.keyboard.press("ArrowRight")
    expect(scale.get_by_label("9", exact=True)).to_be_checked()
    survey_page.get_by_label("What should we do better? (optional)").fill("Faster delivery")
    _shot(survey_page, "survey-answering")
    survey_page.get_by_role("button", name="Send answers").click()
    expect(survey_page.get_by_role("heading", name="Thank you")).to_be_visible()
    _shot(survey_page, "survey-thanks")
    survey_page.close()

    response = Response.objects.get()
    assert (response.customer.first_name, response.track.segment.name) == ("Ann", "Germans")
    # Bruno, of the second track, answers too (without a browser): a detractor.
    survey = Survey.objects.get()
    bruno = Delivery.objects.get(customer__first_name="Bruno")
    save_answers(survey, bruno, {Question.objects.get(kind="nps"): 4})

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Results of After-sale NPS").click()
    nps = page.locator("section.question-result[data-kind=nps] table")
    expect(nps.locator("tr[data-group='Germans'] td[data-nps]")).to_have_text("100")
    expect(nps.locator("tr[data-group='Everyone'] td[data-nps]")).to_have_text("-100")
    expect(nps.locator("tr[data-group='All recipients'] td[data-nps]")).to_have_text("0")
    expect(page.locator("#rate-table tr[data-group='Germans'] td[data-rate]")).to_have_text(
        "100.0%"
    )
    expect(page.locator("section.question-result[data-kind=nps] svg")).to_be_visible()
    _shot(page, "survey-results")
    page.get_by_role("link", name="Read the answers").click()
    expect(page.locator(".answer-item blockquote")).to_have_text("Faster delivery")
    _shot(page, "survey-text-answers")
