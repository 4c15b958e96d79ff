"""The demo campaign's survey: an open survey attached to both tracks, with answers from some
of the recipients (promoters more common in one segment than the other), so that a fresh
`make run` shows NPS per segment. Answers are stored by the real save_answers()."""

import random

from campaigns.models import Campaign, Delivery, DeliveryStatus
from feedback.answering import save_answers
from feedback.models import Choice, Question, QuestionKind, Survey, SurveyStatus, TrackSurvey

NAME = "How was your spring order? (demo)"
CHOICES = ("Faster delivery", "More sizes", "Better prices", "Gift wrapping")
COMMENTS = (
    "Quick delivery, thank you!",
    "The parcel came a day late.",
    "Great prices this spring.",
    "I could not find my size.",
    "",
)
RESPONSE_RATE = 0.12
# NPS answers per track position: the first segment is happier.
NPS_WEIGHTS = ([1] * 4 + [3] * 3 + [6] * 2 + [8] * 2, [2] * 7 + [4] * 2 + [3] * 2)


def _survey() -> tuple[Survey, list[Question]]:
    survey = Survey.objects.create(
        name=NAME,
        intro="Three quick questions about your last order.",
        thanks="Thank you: this helps us do better.",
        status=SurveyStatus.OPEN,
    )
    specs = [
        (QuestionKind.NPS, "How likely are you to recommend us to a friend?", True),
        (QuestionKind.RATING, "How happy were you with the delivery?", True),
        (QuestionKind.SINGLE, "What would you like more of?", False),
        (QuestionKind.TEXT, "Anything else?", False),
    ]
    questions = [
        Question.objects.create(survey=survey, position=i, kind=kind, text=text, required=req)
        for i, (kind, text, req) in enumerate(specs)
    ]
    Choice.objects.bulk_create(
        Choice(question=questions[2], position=i, label=label) for i, label in enumerate(CHOICES)
    )
    return survey, questions


def _answers(questions: list[Question], position: int, rng: random.Random) -> dict:
    nps, rating, single, text = questions
    weights = NPS_WEIGHTS[min(position, 1)]
    score = rng.choices(range(11), weights=weights)[0]
    return {
        nps: score,
        rating: max(1, min(5, round(score / 2))),
        single: rng.choice(list(single.choices.values_list("pk", flat=True))),
        text: rng.choice(COMMENTS),
    }


def make_demo_survey(campaign: Campaign, seed: int = 7) -> Survey | None:
    """The survey, attached to the campaign's tracks, with demo answers; once."""
    if Survey.objects.filter(name=NAME).exists():
        return None
    rng = random.Random(seed)
    survey, questions = _survey()
    for track in campaign.tracks.all():
        TrackSurvey.objects.create(track=track, survey=survey)
    sent = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT)
    for delivery in sent.select_related("track").order_by("pk"):
        if rng.random() < RESPONSE_RATE:
            answers = _answers(questions, delivery.track.position, rng)
            save_answers(survey, delivery, answers)
    return survey
