"""The survey page recipients open from a message: every kind of question, required answers,
one response per recipient (changed in place), closed and draft surveys, bad links."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from campaigns import links
from feedback.answering import field_name, save_answers
from feedback.models import Answer, QuestionKind, Response, SurveyStatus, TrackSurvey
from segmentation.consent import ledger
from segmentation.consent.models import ConsentSource
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
    made = make_survey()
    made.kinds = every_kind(made)
    return made


@pytest.fixture
def delivery(survey):
    made = campaign(segment("Everyone"), status="sent")
    attach(survey, made)
    return deliver(made, customer("Ann"))


def url_of(delivery, name="survey_answer") -> str:
    return reverse(name, args=[links.make_token("survey", delivery.public_id)])


def filled(survey, **overrides) -> dict:
    kinds = survey.kinds
    data = {
        field_name(kinds["nps"]): "9",
        field_name(kinds["rating"]): "4",
        field_name(kinds["single"]): str(kinds["single"].choices.get(label="Store").pk),
        field_name(kinds["multiple"]): [str(c.pk) for c in kinds["multiple"].choices.all()[:2]],
        field_name(kinds["text"]): "Friendly staff.",
    }
    data.update({field_name(kinds[kind]): value for kind, value in overrides.items()})
    return data


def stored(response: Response) -> dict[str, object]:
    values: dict[str, object] = {}
    for row in response.answers.select_related("question", "choice"):
        kind = row.question.kind
        if kind == QuestionKind.MULTIPLE:
            values.setdefault(kind, []).append(row.choice.label)
        elif kind == QuestionKind.SINGLE:
            values[kind] = row.choice.label
        elif kind == QuestionKind.TEXT:
            values[kind] = row.text
        else:
            values[kind] = row.number
    return values


def test_it_shows_every_kind_of_question_accessibly(client, survey, delivery):
    page = parse(client.get(url_of(delivery)).content)

    fieldsets = page.find_all("fieldset", class_="question")
    legends = [f.find("legend").text for f in fieldsets]
    assert legends == [
        "How likely are you to recommend us?",
        "How was the delivery?",
        "Which shop?",
        "What did you buy?",
    ]
    nps = page.find("fieldset", class_="question-nps")
    assert [label.text for label in nps.find_all("label")] == [str(n) for n in range(11)]
    assert all(label.find("input")["type"] == "radio" for label in nps.find_all("label"))
    text = page.find("textarea")
    assert page.find("label", **{"for": text["id"]}).text == "Anything else? (optional)"
    assert page.find("form", class_="survey-form")["action"] == url_of(delivery)


def test_it_stores_one_response_with_every_kind_of_answer(client, survey, delivery):
    response = client.post(url_of(delivery), filled(survey))

    assert response.status_code == 303
    assert response["Location"] == url_of(delivery, "survey_thanks")
    saved = Response.objects.get()
    assert (saved.customer, saved.track_id, saved.variant_id) == (
        delivery.customer,
        delivery.track_id,
        delivery.variant_id,
    )
    assert stored(saved) == {
        "nps": 9,
        "rating": 4,
        "single": "Store",
        "multiple": ["Shoes", "Bags"],
        "text": "Friendly staff.",
    }


def test_the_thank_you_page_shows_the_surveys_text(client, survey, delivery):
    survey.thanks = "We read every answer."
    survey.save()
    client.post(url_of(delivery), filled(survey))

    page = parse(client.get(url_of(delivery, "survey_thanks")).content)

    assert page.find("h1").text == "Thank you"
    assert "We read every answer." in page.find("p", role="status").text
    assert page.find("a", href=url_of(delivery)).text == "Change your answers"


def test_the_thank_you_page_before_answering_leads_to_the_questions(client, delivery):
    response = client.get(url_of(delivery, "survey_thanks"))

    assert response.status_code == 302
    assert response["Location"] == url_of(delivery)


def test_it_asks_for_the_required_answers_and_stores_nothing(client, survey, delivery):
    kinds = survey.kinds
    data = {field_name(kinds["text"]): "Only this"}

    response = client.post(url_of(delivery), data)

    assert response.status_code == 400
    page = parse(response.content)
    errors = {e.parent.get("id"): e.text for e in page.find_all("p", class_="error")}
    assert errors == {
        f"question-{kinds['nps'].pk}": "Choose a score from 0 to 10.",
        f"question-{kinds['rating'].pk}": "Choose a rating from 1 to 5.",
        f"question-{kinds['single'].pk}": "Choose one of the answers.",
        f"question-{kinds['multiple'].pk}": "Choose at least one answer.",
    }
    summary = page.find("div", class_="error-summary")
    assert summary.find("h2").text == "Please check 4 answers"
    assert summary.find("a")["href"] == f"#question-{kinds['nps'].pk}"
    # What was written stays on the page.
    assert page.find("textarea").text == "Only this"
    assert not Response.objects.exists()


def test_an_optional_question_may_stay_empty(client, survey, delivery):
    client.post(url_of(delivery), filled(survey, text=""))

    assert "text" not in stored(Response.objects.get())


@pytest.mark.parametrize(
    "kind, value",
    [("nps", "11"), ("nps", "-1"), ("rating", "0"), ("rating", "six"), ("single", "999999")],
)
def test_it_refuses_answers_outside_the_scale_or_choices(client, survey, delivery, kind, value):
    response = client.post(url_of(delivery), filled(survey, **{kind: value}))

    assert response.status_code == 400
    assert not Response.objects.exists()


def test_it_refuses_a_choice_of_another_question(client, survey, delivery):
    other = survey.kinds["single"].choices.first().pk

    response = client.post(url_of(delivery), filled(survey, multiple=[str(other)]))

    assert response.status_code == 400
    assert "Choose among the answers shown." in response.content.decode()


def test_it_limits_the_length_of_a_text_answer(client, survey, delivery):
    response = client.post(url_of(delivery), filled(survey, text="x" * 2001))

    assert response.status_code == 400
    assert "Keep the answer to 2,000 characters." in response.content.decode()


def test_a_second_submission_changes_the_one_response(client, survey, delivery):
    client.post(url_of(delivery), filled(survey))
    first = Response.objects.get()
    before = stored(first)
    hats = str(survey.kinds["multiple"].choices.get(label="Hats").pk)
    changed = filled(survey, nps="3", multiple=[hats], text="Changed my mind")

    assert client.post(url_of(delivery), changed).status_code == 303
    assert Response.objects.count() == 1
    again = Response.objects.get()
    assert again.pk == first.pk
    assert again.submitted_at == first.submitted_at and again.updated_at > first.updated_at
    assert stored(again) == {
        **before,
        "nps": 3,
        "multiple": ["Hats"],
        "text": "Changed my mind",
    }


def test_a_second_submission_is_checked_too(client, survey, delivery):
    client.post(url_of(delivery), filled(survey))

    client.post(url_of(delivery), filled(survey, multiple=[]))

    assert stored(Response.objects.get())["multiple"] == ["Shoes", "Bags"]


def test_coming_back_shows_the_answers_given(client, survey, delivery):
    answer(survey, delivery, nps=7, rating=2, single="Web", multiple=["Hats"], text="Slow")

    page = parse(client.get(url_of(delivery)).content)

    checked = {el["value"] for el in page.find_all("input", checked=True)}
    kinds = survey.kinds
    assert checked == {
        "7",
        "2",
        str(kinds["single"].choices.get(label="Web").pk),
        str(kinds["multiple"].choices.get(label="Hats").pk),
    }
    assert page.find("textarea").text == "Slow"
    assert "You answered on" in page.find("p", role="status").text
    assert page.find("button", type="submit").text == "Send changed answers"


def test_a_closed_survey_says_so_and_stores_nothing(client, survey, delivery):
    survey.status = SurveyStatus.CLOSED
    survey.save()

    shown = parse(client.get(url_of(delivery)).content)
    posted = client.post(url_of(delivery), filled(survey))

    assert "This survey is closed" in shown.find("main").text
    assert not shown.find_all("form")
    assert posted.status_code == 200 and "This survey is closed" in posted.content.decode()
    assert not Response.objects.exists()


def test_a_closed_survey_keeps_earlier_answers_and_says_they_arrived(client, survey, delivery):
    answer(survey, delivery, nps=10, rating=5, single="Web", multiple=["Hats"])
    survey.status = SurveyStatus.CLOSED
    survey.save()

    client.post(url_of(delivery), filled(survey, nps="0"))

    assert stored(Response.objects.get())["nps"] == 10
    assert "were received" in client.get(url_of(delivery)).content.decode()


def test_a_draft_survey_is_not_open_yet(client, survey, delivery):
    survey.status = SurveyStatus.DRAFT
    survey.save()

    assert "not open yet" in client.get(url_of(delivery)).content.decode()
    client.post(url_of(delivery), filled(survey))
    assert not Response.objects.exists()


def _tampered(token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    public_id, signature = token.split(".")
    other = ("B" if public_id[0] != "B" else "C") + public_id[1:]
    return [flipped, f"{other}.{signature}", token + "x", "nonsense", token.split(".")[0]]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_the_404_page_and_stores_nothing(client, survey, delivery, method):
    token = links.make_token("survey", delivery.public_id)

    for bad in _tampered(token):
        url = reverse("survey_answer", args=[bad])
        response = getattr(client, method)(url, filled(survey) if method == "post" else None)
        assert response.status_code == 404, bad
        assert "This link is not valid" in response.content.decode()
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_a_link_signed_for_another_purpose_is_refused(client, survey, delivery):
    for purpose in ("open", "sms_optout"):
        token = links.make_token(purpose, delivery.public_id)
        assert client.get(reverse("survey_answer", args=[token])).status_code == 404
    click = links.make_token("survey", delivery.public_id, 0)
    assert client.get(reverse("survey_answer", args=[click])).status_code == 404


def test_a_track_without_a_survey_has_no_survey_page(client, survey, delivery):
    TrackSurvey.objects.all().delete()

    assert client.get(url_of(delivery)).status_code == 404
    assert client.post(url_of(delivery), filled(survey)).status_code == 404


def test_an_erased_recipients_link_gets_the_404_page(client, survey, delivery):
    ledger.erase(delivery.customer, ledger.Context(source=ConsentSource.ADMIN))
    delivery.refresh_from_db()

    assert client.get(url_of(delivery)).status_code == 404
    assert not Response.objects.exists()


def test_answering_needs_the_pages_csrf_token(survey, delivery):
    client = Client(enforce_csrf_checks=True)

    assert client.post(url_of(delivery), filled(survey)).status_code == 403

    token = parse(client.get(url_of(delivery)).content).find("input", name="csrfmiddlewaretoken")
    data = {**filled(survey), "csrfmiddlewaretoken": token["value"]}
    assert client.post(url_of(delivery), data).status_code == 303


def test_it_is_rate_limited(client, settings, delivery):
    settings.SEGMENTA_PUBLIC_RATE_LIMIT = 2
    statuses = [client.get(url_of(delivery)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_page_is_not_cached_and_works_without_a_login(client, delivery):
    response = client.get(url_of(delivery))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert parse(response.content).find("meta", name="viewport")


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_make_one_response():
    """Two requests of one recipient racing (a double click): the unique (survey, delivery)
    row makes the second wait for the first and replace its answers."""
    survey = make_survey()
    nps = every_kind(survey)["nps"]
    made = campaign(segment("Everyone"), status="sent")
    attach(survey, made)
    delivery = deliver(made, customer("Ann"))
    barrier = threading.Barrier(2)
    errors = []

    def submit(score: int) -> None:
        try:
            barrier.wait(timeout=10)
            save_answers(survey, delivery, {nps: score})
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(score,)) for score in (3, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Response.objects.count() == 1
    assert Answer.objects.filter(question=nps).count() == 1
