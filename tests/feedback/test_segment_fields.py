"""The segment fields feedback adds to the catalogue: "NPS promoter / passive / detractor in the
last D days" and "answered survey S" compile and select the right customers, and the builder
offers them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import QuestionKind, Response
from segmentation.segments.catalogue import FIELDS, catalogue
from segmentation.segments.tree import check, members
from tests.feedback.builders import (
    answer,
    attach,
    campaign,
    customer,
    deliver,
    make_survey,
    question,
    segment,
)
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


def rule(field: str, op: str, value=None) -> dict:
    condition = {"type": "condition", "field": field, "op": op, "value": value}
    return {"type": "group", "op": "and", "negate": False, "children": [condition]}


def selected(definition) -> set[str]:
    return set(members(definition).values_list("first_name", flat=True))


@pytest.fixture
def people():
    """Ann promoted (10) 3 days ago, Bob was passive (7), Cem detracted (2) 40 days ago and
    answered a second survey, Dora got the survey and did not answer, Eve never got one."""
    shop, other = make_survey("Shop survey"), make_survey("Other survey")
    for each in (shop, other):
        question(each, QuestionKind.NPS, "Recommend us?")
        question(each, QuestionKind.RATING, "Rate us", required=False)
    sent = campaign(segment("Everyone"), status="sent")
    attach(shop, sent)
    later = campaign(segment("All"), status="sent", name="Second")
    attach(other, later)
    now = timezone.now()
    for name, score, days in (("Ann", 10, 3), ("Bob", 7, 3), ("Cem", 2, 40)):
        response = answer(shop, deliver(sent, customer(name)), nps=score, rating=5)
        at = now - dt.timedelta(days=days)
        Response.objects.filter(pk=response.pk).update(submitted_at=at, updated_at=at)
    answer(other, deliver(later, customer("Cem2")), nps=9)
    cem = Response.objects.get(customer__first_name="Cem2")
    deliver(sent, customer("Dora"))
    customer("Eve")
    return {"shop": shop, "other": other, "cem2": cem}


def test_the_catalogue_has_the_feedback_fields_after_the_fixed_ones():
    fields = catalogue()
    keys = list(fields)

    assert [f.key for f in FIELDS] == keys[: len(FIELDS)]
    feedback = [key for key in keys if fields[key].group == "Feedback"]
    assert feedback == ["nps_promoter", "nps_passive", "nps_detractor", "answered_survey"]


def test_nps_fields_select_by_score_within_the_window(people):
    assert selected(rule("nps_promoter", "has", {"days": 30})) == {"Ann", "Cem2"}
    assert selected(rule("nps_passive", "has", {"days": 30})) == {"Bob"}
    assert selected(rule("nps_detractor", "has", {"days": 30})) == set()
    assert selected(rule("nps_detractor", "has", {"days": 41})) == {"Cem"}


def test_has_not_is_everyone_else(people):
    assert selected(rule("nps_promoter", "has_not", {"days": 30})) == {"Bob", "Cem", "Dora", "Eve"}


def test_only_nps_answers_count(people):
    """Bob (NPS 7) also gave the rating question a 5: that makes him no detractor."""
    assert "Bob" not in selected(rule("nps_detractor", "has", {"days": 30}))
    assert "Bob" in selected(rule("nps_passive", "has", {"days": 30}))


def test_answered_survey_selects_respondents(people):
    shop, other = str(people["shop"].pk), str(people["other"].pk)

    assert selected(rule("answered_survey", "in", [shop])) == {"Ann", "Bob", "Cem"}
    assert selected(rule("answered_survey", "in", [shop, other])) == {"Ann", "Bob", "Cem", "Cem2"}
    assert selected(rule("answered_survey", "not_in", [shop])) == {"Cem2", "Dora", "Eve"}


def test_the_fields_are_checked_like_the_others(people):
    unknown = check(rule("answered_survey", "in", ["999999"]))
    no_days = check(rule("nps_detractor", "has", {"days": 0}))

    assert [str(p) for p in unknown] == [
        "Rule 1: Answered survey: '999999' is not one of the choices."
    ]
    assert [str(p) for p in no_days] == [
        "Rule 1: NPS detractor (0-6) in the last days: "
        "days: enter a whole number between 1 and 36600."
    ]


def test_a_segment_of_detractors_is_usable_as_a_campaign_track(people):
    detractors = segment("Unhappy")
    detractors.definition = rule("nps_detractor", "has", {"days": 90})
    detractors.save()

    assert selected(detractors.definition) == {"Cem"}


def test_the_builder_offers_the_fields_with_the_surveys_as_choices(marketer_client, people):
    url = reverse("segment_new")
    data = {
        "n.type": "group",
        "n.op": "and",
        "n.0.type": "condition",
        "n.0.field": "answered_survey",
        "n.0.op": "in",
    }

    page = parse(marketer_client.post(url, data).content)

    group = page.find("optgroup", label="Feedback")
    assert [o.text for o in group.find_all("option")] == [
        "NPS promoter (9-10) in the last days",
        "NPS passive (7-8) in the last days",
        "NPS detractor (0-6) in the last days",
        "Answered survey",
    ]
    labels = [label.text for label in page.find_all("label") if label.find_all("input")]
    assert "Other survey" in labels and "Shop survey" in labels
