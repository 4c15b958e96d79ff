"""What feedback adds to the apps it is built on, through their hooks (see apps.py): the
{{ survey_url }} of messages and its note in the content editor, survey responses among a
campaign's results, the answers in "Download my data" and on the customer page.
"""

from typing import Any

from django.db.models import Count, Prefetch

from campaigns.models import Campaign, Delivery, Track
from campaigns.rendering.context import SAMPLE_LINK
from feedback.answering import survey_url
from feedback.models import Answer, QuestionKind, Response, SurveyStatus, TrackSurvey
from segmentation.customers.models import Customer

# Set on a campaign object: the ids of its tracks that link to a survey.
_MEMO = "_feedback_survey_tracks"
LATEST_ON_CUSTOMER_PAGE = 10


def _tracks_with_survey(campaign: Campaign) -> set[int]:
    """Read once per campaign object: a send batch renders hundreds of messages with the same
    one, and what a track links to cannot change once the campaign has deliveries."""
    tracks = campaign.__dict__.get(_MEMO)
    if tracks is None:
        links = TrackSurvey.objects.filter(track__campaign=campaign)
        tracks = campaign.__dict__[_MEMO] = set(links.values_list("track_id", flat=True))
    return tracks


def survey_variable(
    customer: Customer, delivery: Delivery | None, campaign: Campaign | None
) -> str:
    """{{ survey_url }}: the delivery's signed survey link; "" for a track without a survey.
    Previews and test sends have no delivery: they get a link that goes nowhere, as their
    footer links do."""
    if delivery is None:
        attached = campaign is not None and TrackSurvey.objects.filter(track__campaign=campaign)
        return SAMPLE_LINK if attached and attached.exists() else ""
    if campaign is not None and campaign.pk == delivery.campaign_id:
        has_survey = delivery.track_id in _tracks_with_survey(campaign)
    else:
        has_survey = TrackSurvey.objects.filter(track_id=delivery.track_id).exists()
    return survey_url(delivery) if has_survey else ""


def track_note(track: Track) -> str:
    """Said in the content editor when a variant of this track uses {{ survey_url }}."""
    link = TrackSurvey.objects.select_related("survey").filter(track=track).first()
    variable = "{{ survey_url }}"
    if link is None:
        return (
            f"The content uses {variable}, but no survey is attached to this track, so the "
            "link would be empty. Attach one from its page under Surveys."
        )
    name = link.survey.name
    if link.survey.status == SurveyStatus.DRAFT:
        return f"{variable} leads to the survey “{name}”, a draft: open it before sending."
    if link.survey.status == SurveyStatus.CLOSED:
        return f"{variable} leads to the survey “{name}”, which is closed: it takes no answers."
    return f"{variable} leads to the survey “{name}”."


def response_counts(campaign: Campaign) -> dict[tuple[int, int | None], int]:
    """Survey responses per (track, variant) of a campaign, for its results page."""
    rows = (
        Response.objects.filter(track__campaign=campaign)
        .order_by()
        .values_list("track_id", "variant_id")
        .annotate(n=Count("id"))
    )
    return {(track, variant): n for track, variant, n in rows}


# --- the person's answers -----------------------------------------------------------------


def _answered(customer: Customer):
    answers = Answer.objects.select_related("question", "choice").order_by(
        "question__position", "question_id", "choice__position", "choice_id"
    )
    return (
        Response.objects.filter(customer=customer)
        .select_related("survey", "track__campaign", "track__segment")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("-updated_at", "-pk")
    )


def answer_text(answers: list[Answer]) -> str:
    """One question's answers as text (several choices joined with "; ")."""
    first = answers[0]
    if first.question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "; ".join(a.choice.label for a in answers if a.choice is not None)
    if first.question.kind == QuestionKind.TEXT:
        return first.text
    return "" if first.number is None else str(first.number)


def by_question(response: Response) -> list[tuple[str, str]]:
    """(question, answer) pairs of a response, in the survey's order."""
    grouped: dict[int, list[Answer]] = {}
    for answer in response.answers.all():
        grouped.setdefault(answer.question_id, []).append(answer)
    return [(answers[0].question.text, answer_text(answers)) for answers in grouped.values()]


def answers_for_download(customer: Customer) -> list[dict[str, Any]]:
    """ "Download my data": every survey response, with each question and its answer."""
    return [
        {
            "survey": response.survey.name,
            "campaign": response.track.campaign.name,
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
            "answers": [{"question": q, "answer": a} for q, a in by_question(response)],
        }
        for response in _answered(customer)
    ]


def customer_section(customer: Customer) -> dict[str, Any]:
    """The customer page's "Survey answers": the latest responses, each with its answers."""
    responses = list(_answered(customer)[: LATEST_ON_CUSTOMER_PAGE + 1])
    return {
        "responses": [(r, by_question(r)) for r in responses[:LATEST_ON_CUSTOMER_PAGE]],
        "more": len(responses) > LATEST_ON_CUSTOMER_PAGE,
    }
