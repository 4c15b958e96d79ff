"""The survey builder: creating a survey, questions of every kind with their checks, order,
editing and deleting (with and without htmx), the open / closed state, the preview, attaching
to campaign tracks, and the lock once someone has answered."""

import pytest
from django.urls import reverse

from feedback.models import Question, QuestionKind, Survey, SurveyStatus, TrackSurvey
from tests.feedback.builders import (
    answer,
    attach,
    campaign,
    customer,
    deliver,
    every_kind,
    make_survey,
    question,
    segment,
)
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
TWO_CHOICES = "Write at least two choices, one per line."


@pytest.fixture
def draft():
    return make_survey("Delivery feedback", status=SurveyStatus.DRAFT)


def add(client, survey, htmx=False, required=True, **fields):
    data = {"new-kind": "nps", "new-text": "", "new-hint": "", "new-choices": ""}
    data.update({f"new-{name}": value for name, value in fields.items()})
    if required:
        data["new-required"] = "on"
    url = reverse("question_add", args=[survey.pk])
    return client.post(url, data, headers=HTMX if htmx else {})


def errors(response) -> list[str]:
    return [e.text for e in parse(response.content).find_all("p", class_="field-error")]


# --- surveys ---


def test_it_creates_a_draft_and_goes_on_to_its_questions(marketer_client, marketer):
    response = marketer_client.post(
        reverse("survey_new"), {"name": "After the sale", "intro": "Two minutes.", "thanks": ""}
    )

    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == survey.get_absolute_url()
    assert (survey.status, survey.created_by, survey.intro) == ("draft", marketer, "Two minutes.")


def test_it_asks_for_a_unique_name(marketer_client, draft):
    empty = marketer_client.post(reverse("survey_new"), {"name": ""})
    taken = marketer_client.post(reverse("survey_new"), {"name": "Delivery feedback"})

    assert empty.status_code == taken.status_code == 400
    assert errors(empty) == ["Give the survey a name."]
    assert errors(taken) == ["There is already a survey with this name: choose another."]
    assert Survey.objects.count() == 1


def test_it_saves_the_texts(marketer_client, draft):
    url = reverse("survey_edit", args=[draft.pk])

    marketer_client.post(url, {"name": "Delivery", "intro": "Hi", "thanks": "Merci"})

    draft.refresh_from_db()
    assert (draft.name, draft.intro, draft.thanks) == ("Delivery", "Hi", "Merci")


def test_the_list_shows_state_and_counts(marketer_client, draft):
    every_kind(draft)

    page = parse(marketer_client.get(reverse("survey_list")).content)

    row = page.find("tr", data_id=str(draft.pk))
    cells = [cell.text for cell in row.find_all("td")]
    assert row.find("th").text == "Delivery feedback"
    assert cells[:4] == ["Draft", "5", "0", "0"]


def test_the_list_offers_a_way_to_start(marketer_client):
    page = parse(marketer_client.get(reverse("survey_list")).content)

    assert page.find("h2").text == "No surveys yet"
    assert page.find("a", href=reverse("survey_new"))


# --- questions of every kind ---


@pytest.mark.parametrize(
    "kind, choices, stored",
    [
        ("nps", "", []),
        ("rating", "", []),
        ("single", "Web\n  Store \n\n", ["Web", "Store"]),
        ("multiple", "Shoes\nBags\nHats", ["Shoes", "Bags", "Hats"]),
        ("text", "", []),
    ],
)
def test_it_adds_a_question_of_every_kind(marketer_client, draft, kind, choices, stored):
    response = add(marketer_client, draft, kind=kind, text="What do you think?", choices=choices)

    assert response.status_code == 302
    made = Question.objects.get()
    assert (made.kind, made.text, made.required) == (kind, "What do you think?", True)
    assert [c.label for c in made.choices.all()] == stored


def test_a_question_may_be_optional(marketer_client, draft):
    add(marketer_client, draft, kind="text", text="Anything else?", required=False)

    assert Question.objects.get().required is False


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"text": ""}, "Write the question."),
        ({"kind": "", "text": "Q"}, "Choose the kind of question."),
        ({"kind": "slider", "text": "Q"},
         "Select a valid choice. slider is not one of the available choices."),
        ({"kind": "single", "text": "Q", "choices": "Only one"}, TWO_CHOICES),
        ({"kind": "multiple", "text": "Q", "choices": ""}, TWO_CHOICES),
        ({"kind": "single", "text": "Q", "choices": "Red\nred"}, "“red” is listed twice."),
        ({"kind": "single", "text": "Q", "choices": "\n".join(f"c{i}" for i in range(21))},
         "Use at most 20 choices (now 21)."),
        ({"kind": "single", "text": "Q", "choices": "ok\n" + "x" * 201},
         f"“{'x' * 40}…” is too long: at most 200 characters."),
        ({"kind": "nps", "text": "Q", "choices": "Yes\nNo"},
         "A “Net Promoter Score (0-10)” question has no choices: clear them, or make it a "
         "single or multiple choice question."),
        ({"text": "x" * 301}, "Ensure this value has at most 300 characters (it has 301)."),
    ],
)  # fmt: skip
def test_it_explains_what_is_wrong_with_a_question(marketer_client, draft, fields, message):
    response = add(marketer_client, draft, **fields)

    assert response.status_code == 400
    assert errors(response) == [message]
    assert "The question was not added" in response.content.decode()
    assert not Question.objects.exists()


def test_it_keeps_at_most_fifty_questions(marketer_client, draft):
    for _ in range(50):
        question(draft, QuestionKind.TEXT)

    response = add(marketer_client, draft, text="One more")

    assert response.status_code == 400
    assert "A survey has at most 50 questions." in response.content.decode()


def test_with_htmx_it_answers_with_the_questions_region(marketer_client, draft):
    response = add(marketer_client, draft, htmx=True, kind="rating", text="Rate us")

    assert response.status_code == 200
    region = parse(response.content).find("section", id="questions")
    assert region.find("p", class_="question-title").text == "Question 1: Rate us"
    assert "Added question 1: “Rate us”." in region.find("ul", class_="messages").text
    assert b"<html" not in response.content


def test_with_htmx_errors_come_back_in_the_region(marketer_client, draft):
    response = add(marketer_client, draft, htmx=True, kind="single", text="Pick", choices="One")

    # htmx swaps nothing for a 4xx: the region with its errors comes back as 200.
    assert response.status_code == 200
    assert errors(response) == ["Write at least two choices, one per line."]
    assert parse(response.content).find("textarea", name="new-choices").text == "One"


def test_it_edits_a_question_in_place(marketer_client, draft):
    made = question(draft, QuestionKind.SINGLE, "Pick one", choices=["A", "B"])
    url = reverse("question_edit", args=[draft.pk, made.pk])

    form = parse(marketer_client.get(url, headers=HTMX).content).find("li", id=f"q-{made.pk}")
    assert form.find("textarea", name=f"q{made.pk}-choices").text == "A B"  # one per line

    data = {
        f"q{made.pk}-kind": "multiple",
        f"q{made.pk}-text": "Pick some",
        f"q{made.pk}-hint": "As many as you like",
        f"q{made.pk}-choices": "A\nC\nD",
    }
    response = marketer_client.post(url, data)

    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.kind, made.text, made.hint, made.required) == (
        "multiple",
        "Pick some",
        "As many as you like",
        False,
    )
    assert [c.label for c in made.choices.all()] == ["A", "C", "D"]


def test_an_invalid_edit_changes_nothing(marketer_client, draft):
    made = question(draft, QuestionKind.SINGLE, "Pick one", choices=["A", "B"])
    url = reverse("question_edit", args=[draft.pk, made.pk])

    response = marketer_client.post(url, {f"q{made.pk}-kind": "single", f"q{made.pk}-text": ""})

    assert response.status_code == 400
    assert errors(response) == ["Write the question.", "Write at least two choices, one per line."]
    assert Question.objects.get().text == "Pick one"


def test_it_moves_and_deletes_questions(marketer_client, draft):
    first, second, third = (question(draft, QuestionKind.TEXT, t) for t in ("One", "Two", "Three"))

    marketer_client.post(reverse("question_move", args=[draft.pk, third.pk]), {"direction": "up"})
    marketer_client.post(reverse("question_move", args=[draft.pk, first.pk]), {"direction": "up"})
    assert [q.text for q in draft.questions.all()] == ["One", "Three", "Two"]

    response = marketer_client.post(
        reverse("question_delete", args=[draft.pk, second.pk]), headers=HTMX
    )

    assert response.status_code == 200
    assert [q.text for q in draft.questions.all()] == ["One", "Three"]
    titles = parse(response.content).find_all("p", class_="question-title")
    assert [t.text for t in titles] == ["Question 1: One", "Question 2: Three"]


def test_a_question_of_another_survey_is_not_found(marketer_client, draft):
    other = question(make_survey("Other"), QuestionKind.TEXT)

    url = reverse("question_delete", args=[draft.pk, other.pk])

    assert marketer_client.post(url).status_code == 404
    assert Question.objects.filter(pk=other.pk).exists()


# --- state ---


def test_it_opens_only_a_survey_with_questions(marketer_client, draft):
    url = reverse("survey_status", args=[draft.pk])

    marketer_client.post(url, {"action": "open"})
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = marketer_client.get(draft.get_absolute_url()).content.decode()
    assert "Add at least one question before opening the survey." in page

    question(draft, QuestionKind.NPS)
    marketer_client.post(url, {"action": "open"})
    draft.refresh_from_db()
    assert draft.status == "open"

    marketer_client.post(url, {"action": "close"})
    draft.refresh_from_db()
    assert draft.status == "closed"


def test_it_does_not_open_a_choice_question_without_choices(marketer_client, draft):
    question(draft, QuestionKind.SINGLE, "Which?", choices=["Only"])

    marketer_client.post(reverse("survey_status", args=[draft.pk]), {"action": "open"})

    draft.refresh_from_db()
    assert draft.status == "draft"


# --- preview ---


def test_the_preview_shows_every_question_and_saves_nothing(marketer_client, draft):
    every_kind(draft)

    page = parse(marketer_client.get(reverse("survey_preview", args=[draft.pk])).content)

    assert "Preview" in page.find("p", class_="preview-note").text
    assert len(page.find_all("fieldset", class_="question")) == 4
    assert page.find("textarea")
    assert page.find("button", disabled=True).text == "Send answers"
    assert not page.find_all("button", type="submit")


# --- attaching to tracks ---


def test_it_attaches_to_a_draft_campaigns_track(marketer_client, draft):
    made = campaign(segment("Everyone"))
    track = made.tracks.get()

    response = marketer_client.post(reverse("survey_attach", args=[draft.pk]), {"track": track.pk})

    assert response.status_code == 302
    assert TrackSurvey.objects.get().track == track
    page = marketer_client.get(draft.get_absolute_url()).content.decode()
    assert "Attached to &#x27;Spring survey&#x27; › &#x27;Everyone&#x27;" in page


def test_attaching_replaces_the_tracks_other_survey(marketer_client, draft):
    made = campaign(segment("Everyone"))
    attach(make_survey("Old one"), made)

    marketer_client.post(reverse("survey_attach", args=[draft.pk]), {"track": made.tracks.get().pk})

    assert TrackSurvey.objects.get().survey == draft


def test_it_says_when_the_content_does_not_use_the_link(marketer_client, draft):
    made = campaign(segment("Everyone"))
    made.tracks.get().variants.update(text_body="Hello", html_body="")

    marketer_client.post(reverse("survey_attach", args=[draft.pk]), {"track": made.tracks.get().pk})

    page = marketer_client.get(draft.get_absolute_url()).content.decode()
    assert "Its content does not use {{ survey_url }} yet" in page


def test_it_neither_attaches_to_nor_detaches_from_a_launched_campaign(marketer_client, draft):
    sent = campaign(segment("Everyone"), status="sent")
    track = sent.tracks.get()

    marketer_client.post(reverse("survey_attach", args=[draft.pk]), {"track": track.pk})
    assert not TrackSurvey.objects.exists()

    attach(draft, sent)
    marketer_client.post(reverse("survey_detach", args=[draft.pk]), {"track": track.pk})
    assert TrackSurvey.objects.exists()


def test_it_detaches_from_a_draft_campaign(marketer_client, draft):
    made = campaign(segment("Everyone"))
    attach(draft, made)

    marketer_client.post(reverse("survey_detach", args=[draft.pk]), {"track": made.tracks.get().pk})

    assert not TrackSurvey.objects.exists()


def test_the_page_lists_only_draft_tracks_to_attach(marketer_client, draft):
    campaign(segment("Germans", "DE"), name="Draft one")
    campaign(segment("French", "FR"), name="Sent one", status="sent")

    page = parse(marketer_client.get(draft.get_absolute_url()).content)

    options = [o.text for o in page.find("select", name="track").find_all("option")]
    assert options == ["Choose a track…", "Draft one › Germans"]


# --- once answered ---


@pytest.fixture
def answered(draft):
    draft.status = SurveyStatus.OPEN
    draft.save()
    kinds = every_kind(draft)
    made = campaign(segment("Everyone"), status="sent")
    attach(draft, made)
    answer(draft, deliver(made, customer("Ann")), nps=9, rating=4, single="Web", multiple=["Hats"])
    draft.kinds = kinds
    return draft


def test_answered_questions_are_locked(marketer_client, answered):
    nps = answered.kinds["nps"]

    add(marketer_client, answered, kind="text", text="New")
    marketer_client.post(reverse("question_delete", args=[answered.pk, nps.pk]))
    marketer_client.post(
        reverse("question_edit", args=[answered.pk, nps.pk]),
        {f"q{nps.pk}-kind": "text", f"q{nps.pk}-text": "Changed"},
    )

    assert [q.text for q in answered.questions.all()] == [
        "How likely are you to recommend us?",
        "How was the delivery?",
        "Which shop?",
        "What did you buy?",
        "Anything else?",
    ]
    page = parse(marketer_client.get(answered.get_absolute_url()).content)
    assert "its questions can no longer change" in page.find("ul", class_="messages").text
    assert not page.find_all("form", class_="add-question")


def test_a_survey_with_answers_or_tracks_is_not_deleted(marketer_client, answered, draft):
    response = marketer_client.post(reverse("survey_delete", args=[answered.pk]))

    assert response.status_code == 302
    assert Survey.objects.filter(pk=answered.pk).exists()


def test_a_survey_without_answers_is_deleted(marketer_client, draft):
    question(draft, QuestionKind.NPS)

    response = marketer_client.post(reverse("survey_delete", args=[draft.pk]), headers=HTMX)

    assert response["HX-Redirect"] == reverse("survey_list")
    assert not Survey.objects.exists()
