"""Answering a survey: the signed link of a delivery, the form its questions make, and saving
one response per (survey, delivery) that later visits change in place.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone

from campaigns import links
from campaigns.models import Delivery
from feedback.models import (
    SCALES,
    Answer,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
    TrackSurvey,
)
from segmentation.shared.tokens import link

MAX_TEXT = 2000


# --- the link -----------------------------------------------------------------------------


def survey_url(delivery: Delivery) -> str:
    """The survey page of this delivery (whatever survey its track links to)."""
    return link("survey_answer", links.make_token("survey", delivery.public_id))


@dataclass(frozen=True)
class Visit:
    """Who is answering what: the delivery a token names, its survey, its response if any."""

    delivery: Delivery
    survey: Survey
    response: Response | None


def visit_for(token: str) -> Visit | None:
    """None for anything tampered, unknown, erased, or a track that links to no survey."""
    found = links.read_token("survey", token)
    if found is None or found[1] is not None:
        return None
    delivery = (
        Delivery.objects.select_related("customer")
        .filter(public_id=found[0], customer__isnull=False)
        .first()
    )
    if delivery is None:
        return None
    attached = TrackSurvey.objects.select_related("survey").filter(track_id=delivery.track_id)
    link = attached.first()
    if link is None:
        return None
    response = Response.objects.filter(survey=link.survey, delivery=delivery).first()
    return Visit(delivery, link.survey, response)


# --- the form -----------------------------------------------------------------------------


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def _scale(question: Question, first_label: str) -> forms.Field:
    scale = SCALES[question.kind]
    wanted = f"Choose {first_label} from {scale[0]} to {scale[-1]}."
    return forms.TypedChoiceField(
        choices=[(n, str(n)) for n in scale],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": wanted, "invalid_choice": wanted},
    )


def _field(question: Question) -> forms.Field:
    kind = question.kind
    if kind == QuestionKind.NPS:
        field = _scale(question, "a score")
    elif kind == QuestionKind.RATING:
        field = _scale(question, "a rating")
    elif kind == QuestionKind.SINGLE:
        field = forms.TypedChoiceField(
            choices=[(c.pk, c.label) for c in question.choices.all()],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose one of the answers.",
                "invalid_choice": "Choose one of the answers shown.",
            },
        )
    elif kind == QuestionKind.MULTIPLE:
        field = forms.TypedMultipleChoiceField(
            choices=[(c.pk, c.label) for c in question.choices.all()],
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "Choose at least one answer.",
                "invalid_choice": "Choose among the answers shown.",
            },
        )
    else:
        field = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=MAX_TEXT,
            error_messages={
                "required": "Write an answer.",
                "max_length": f"Keep the answer to {MAX_TEXT:,} characters.",
            },
        )
    field.required = question.required
    field.label = question.text
    field.help_text = question.hint
    return field


class AnswerForm(forms.Form):
    """One field per question ("q<id>"); cleaned values are ints, lists of choice ids or text."""

    def __init__(self, questions: list[Question], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = _field(question)

    def items(self) -> list[tuple[Question, forms.BoundField]]:
        """(question, bound field) in order, for the template."""
        return [(q, self[field_name(q)]) for q in self.questions]

    def answers(self) -> dict[Question, Any]:
        data = self.cleaned_data
        return {q: data.get(field_name(q)) for q in self.questions}


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices"))


def initial_from(response: Response | None) -> dict[str, Any]:
    """What a returning person answered, as the form's initial values."""
    if response is None:
        return {}
    initial: dict[str, Any] = {}
    for answer in response.answers.select_related("question"):
        name = field_name(answer.question)
        if answer.question.kind == QuestionKind.MULTIPLE:
            initial.setdefault(name, []).append(answer.choice_id)
        elif answer.question.kind == QuestionKind.SINGLE:
            initial[name] = answer.choice_id
        elif answer.question.kind == QuestionKind.TEXT:
            initial[name] = answer.text
        else:
            initial[name] = answer.number
    return initial


# --- saving -------------------------------------------------------------------------------


class SurveyClosed(Exception):
    """The survey stopped taking answers before these were saved."""


def _rows(response: Response, answers: dict[Question, Any]) -> list[Answer]:
    rows = []
    for question, value in answers.items():
        if value in (None, "", []):
            continue  # an optional question left empty: no row
        if question.kind == QuestionKind.MULTIPLE:
            rows += [Answer(response=response, question=question, choice_id=c) for c in value]
        elif question.kind == QuestionKind.SINGLE:
            rows.append(Answer(response=response, question=question, choice_id=value))
        elif question.kind == QuestionKind.TEXT:
            rows.append(Answer(response=response, question=question, text=value))
        else:
            rows.append(Answer(response=response, question=question, number=value))
    return rows


def save_answers(survey: Survey, delivery: Delivery, answers: dict[Question, Any]) -> Response:
    """Store the answers as this delivery's one response to the survey, replacing earlier ones.

    The unique (survey, delivery) row decides: a second submission, even at the same moment,
    finds the first one's row, waits for its lock, and replaces its answers.
    """
    now = timezone.now()
    with transaction.atomic():
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).exists():
            raise SurveyClosed
        response, created = Response.objects.get_or_create(
            survey=survey,
            delivery=delivery,
            defaults={
                "customer_id": delivery.customer_id,
                "track_id": delivery.track_id,
                "variant_id": delivery.variant_id,
                "submitted_at": now,
                "updated_at": now,
            },
        )
        if not created:
            response = Response.objects.select_for_update().get(pk=response.pk)
            response.updated_at = now
            response.save(update_fields=["updated_at"])
            response.answers.all().delete()
        Answer.objects.bulk_create(_rows(response, answers))
    return response
