"""What feedback plugs into: {{ survey_url }} in messages and its note in the content editor,
response counts for campaign results, "Download my data", erasure and the customer page."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from campaigns import links
from campaigns.rendering.compiled import render
from campaigns.rendering.context import SAMPLE_LINK
from campaigns.results import _count_providers
from campaigns.sending import lifecycle
from campaigns.sending.batch import run_batch
from feedback.integration import response_counts
from feedback.models import Answer, Response, SurveyStatus, TrackSurvey
from segmentation.consent import gdpr, ledger
from segmentation.consent.models import ConsentSource
from segmentation.shared import tokens
from tests.feedback.builders import (
    answer,
    attach,
    campaign,
    customer,
    deliver,
    every_kind,
    make_survey,
    segment,
)
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    made = make_survey("Shop survey")
    every_kind(made)
    return made


def survey_token(delivery) -> str:
    return links.make_token("survey", delivery.public_id)


# --- {{ survey_url }} ---


def test_a_message_links_to_its_deliverys_survey_page(survey):
    sent = campaign(segment("Everyone"), status="sent")
    attach(survey, sent)
    delivery = deliver(sent, customer("Ann"))

    rendered = render(delivery.variant, delivery.customer, delivery)

    url = tokens.absolute(reverse("survey_answer", args=[survey_token(delivery)]))
    # The HTML link is tracked like any other: the click redirect leads to the survey.
    assert f"Tell us: {links.click_url(delivery.public_id, 0)}" in rendered.text
    assert rendered.links == [url]


def test_a_track_without_a_survey_renders_an_empty_link(survey):
    sent = campaign(segment("Everyone"), status="sent")
    delivery = deliver(sent, customer("Ann"))

    rendered = render(delivery.variant, delivery.customer, delivery)

    assert rendered.text.startswith("Tell us:\n") and rendered.links == []


def test_previews_and_tests_get_a_link_that_goes_nowhere(survey):
    draft = campaign(segment("Everyone"))
    variant = draft.tracks.get().variants.get()
    ann = customer("Ann")

    without = render(variant, ann, sample=True)
    attach(survey, draft)
    draft.refresh_from_db()
    with_survey = render(variant, ann, sample=True)

    assert without.text.startswith("Tell us:\n")
    assert with_survey.text.startswith(f"Tell us: {SAMPLE_LINK}")


def test_a_sent_message_carries_a_working_survey_link(client, survey, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    draft = campaign(segment("Everyone"))
    attach(survey, draft)
    ann = customer("Ann")
    lifecycle.launch(draft)
    run_batch(draft.pk)

    (message,) = mail.outbox
    click = next(line for line in message.body.splitlines() if line.startswith("Tell us:"))
    redirect = client.get(click.removeprefix("Tell us: ").removeprefix(settings.SITE_URL))

    assert redirect.status_code == 302
    page = client.get(redirect["Location"].removeprefix(settings.SITE_URL))
    assert page.status_code == 200
    assert parse(page.content).find("h1").text == "Shop survey"
    assert Response.objects.count() == 0 and ann.deliveries.get().clicks == 1


# --- the content editor's note ---


def content_notes(client, track) -> list[str]:
    url = reverse("track_content", args=[track.campaign_id, track.pk])
    page = parse(client.get(url).content)
    return [p.text for p in page.find_all("p", class_="variable-note")]


def test_the_content_editor_warns_when_the_track_has_no_survey(marketer_client, survey):
    track = campaign(segment("Everyone")).tracks.get()

    (note,) = content_notes(marketer_client, track)

    assert note.startswith("The content uses {{ survey_url }}, but no survey is attached")


def test_the_content_editor_names_the_survey_and_its_state(marketer_client, survey):
    draft = campaign(segment("Everyone"))
    attach(survey, draft)
    track = draft.tracks.get()

    assert content_notes(marketer_client, track) == [
        "{{ survey_url }} leads to the survey “Shop survey”."
    ]
    survey.status = SurveyStatus.DRAFT
    survey.save()
    assert "a draft: open it before sending" in content_notes(marketer_client, track)[0]


def test_the_content_editor_says_nothing_when_the_link_is_not_used(marketer_client):
    track = campaign(segment("Everyone")).tracks.get()
    track.variants.update(text_body="Hello", html_body="<p>Hi</p>")

    assert content_notes(marketer_client, track) == []


def review_notes(client, draft) -> list[str]:
    page = parse(client.get(reverse("campaign_review", args=[draft.pk])).content)
    notes = page.find_all("div", class_="content-notes")
    return [li.text for li in notes[0].find_all("li")] if notes else []


def test_the_review_warns_before_launch_about_a_missing_survey(marketer_client, survey):
    draft = campaign(segment("Everyone"))

    (note,) = review_notes(marketer_client, draft)

    assert note.startswith("Everyone: The content uses {{ survey_url }}, but no survey")
    attach(survey, draft)
    assert review_notes(marketer_client, draft) == [
        "Everyone: {{ survey_url }} leads to the survey “Shop survey”."
    ]


# --- campaign results ---


def test_it_counts_responses_per_track_and_variant_for_campaign_results(survey):
    sent = campaign(segment("Germans", "DE"), segment("French", "FR"), labels="AB", status="sent")
    attach(survey, sent)
    germans, french = sent.tracks.order_by("position")
    for i, (track, label) in enumerate([(germans, "A"), (germans, "A"), (french, "B")]):
        answer(survey, deliver(sent, customer(f"P{i}"), track, label), nps=9)
    deliver(sent, customer("Silent"), germans, "B")

    counts = response_counts(sent)

    assert counts == {
        (germans.pk, germans.variants.get(label="A").pk): 2,
        (french.pk, french.variants.get(label="B").pk): 1,
    }
    assert _count_providers["survey_responses"] == ("Survey responses", response_counts)


# --- the person's data ---


@pytest.fixture
def answered(survey):
    sent = campaign(segment("Everyone"), status="sent")
    attach(survey, sent)
    delivery = deliver(sent, customer("Ann"))
    answer(survey, delivery, nps=8, rating=3, single="Web", multiple=["Bags", "Hats"], text="Ok")
    return delivery.customer


def test_download_my_data_includes_the_survey_answers(client, answered):
    url = reverse("preferences_export", args=[tokens.make("preferences", answered.public_id.hex)])

    data = json.loads(client.get(url).content)

    (response,) = data["survey_answers"]
    assert response["survey"] == "Shop survey" and response["campaign"] == "Spring survey"
    assert response["answers"] == [
        {"question": "How likely are you to recommend us?", "answer": "8"},
        {"question": "How was the delivery?", "answer": "3"},
        {"question": "Which shop?", "answer": "Web"},
        {"question": "What did you buy?", "answer": "Bags; Hats"},
        {"question": "Anything else?", "answer": "Ok"},
    ]


def test_the_export_function_has_the_section(answered):
    assert len(gdpr.export_customer(answered)["survey_answers"]) == 1


def test_erasure_removes_the_answers(answered):
    ledger.erase(answered, ledger.Context(source=ConsentSource.PREFERENCE_CENTER))

    assert not Response.objects.exists() and not Answer.objects.exists()
    assert TrackSurvey.objects.exists()  # the survey and its campaign stay


def test_the_customer_page_shows_the_answers(marketer_client, answered):
    page = parse(marketer_client.get(answered.get_absolute_url()).content)

    section = page.find("section", id="survey-answers")
    assert section.find("h3").text == "Shop survey"
    facts = dict(
        zip(
            [dt.text for dt in section.find_all("dt")],
            [dd.text for dd in section.find_all("dd")],
            strict=True,
        )
    )
    assert facts["What did you buy?"] == "Bags; Hats"
    assert facts["How likely are you to recommend us?"] == "8"


def test_the_customer_page_says_when_nothing_was_answered(marketer_client):
    person = customer("Bob")

    page = parse(marketer_client.get(person.get_absolute_url()).content)

    assert page.find("section", id="survey-answers").find("p").text == "No survey answered yet."
