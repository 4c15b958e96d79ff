"""Surveys, and campaigns whose messages went out, made directly as rows (these tests are
about surveys: sending has its own)."""

from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Track, Variant
from feedback.answering import save_answers
from feedback.models import (
    Choice,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
    TrackSurvey,
)
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty

CONTENT = {
    "subject": "How did we do, {{ first_name|default:'there' }}?",
    "text_body": "Tell us: {{ survey_url }}",
    "html_body": '<p>Tell us <a href="{{ survey_url }}">what you think</a>.</p>',
}


def make_survey(name: str = "How are we doing?", status: str = SurveyStatus.OPEN) -> Survey:
    return Survey.objects.create(name=name, status=status)


def question(survey: Survey, kind: str, text: str = "", required: bool = True, choices=()):
    made = Question.objects.create(
        survey=survey,
        kind=kind,
        text=text or f"A {kind} question",
        required=required,
        position=survey.questions.count(),
    )
    for i, label in enumerate(choices):
        Choice.objects.create(question=made, position=i, label=label)
    return made


def every_kind(survey: Survey) -> dict[str, Question]:
    return {
        "nps": question(survey, QuestionKind.NPS, "How likely are you to recommend us?"),
        "rating": question(survey, QuestionKind.RATING, "How was the delivery?"),
        "single": question(survey, QuestionKind.SINGLE, "Which shop?", choices=["Web", "Store"]),
        "multiple": question(
            survey, QuestionKind.MULTIPLE, "What did you buy?", choices=["Shoes", "Bags", "Hats"]
        ),
        "text": question(survey, QuestionKind.TEXT, "Anything else?", required=False),
    }


def segment(name: str, country: str | None = None) -> Segment:
    if country is None:
        return Segment.objects.create(name=name, definition=empty())
    condition = {"type": "condition", "field": "country", "op": "in", "value": [country]}
    definition = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    return Segment.objects.create(name=name, definition=definition)


def campaign(*segments: Segment, labels: str = "A", status=CampaignStatus.DRAFT, **fields):
    made = Campaign.objects.create(
        name=fields.pop("name", "Spring survey"),
        status=status,
        sender_email="news@shop.example.com",
    )
    share = 100 // len(labels)
    for position, each in enumerate(segments):
        track = Track.objects.create(campaign=made, segment=each, position=position)
        for label in labels:
            Variant.objects.create(track=track, label=label, weight=share, **CONTENT)
    return made


def attach(survey: Survey, made: Campaign) -> None:
    for track in made.tracks.all():
        TrackSurvey.objects.create(track=track, survey=survey)


def customer(first_name: str, **fields) -> Customer:
    fields.setdefault("email", f"{first_name.lower()}@example.com")
    fields.setdefault("email_consent", ConsentStatus.GRANTED)
    return Customer.objects.create(first_name=first_name, **fields)


def deliver(made: Campaign, person: Customer, track: Track | None = None, label: str = "A"):
    """A delivery row as sending leaves it."""
    track = track or made.tracks.first()
    return Delivery.objects.create(
        campaign=made,
        customer=person,
        track=track,
        variant=track.variants.get(label=label),
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )


def answer(survey: Survey, delivery: Delivery, **by_kind) -> Response:
    """Save answers given by question kind (nps=9, single="Web", multiple=["Shoes"]...)."""
    values = {}
    for item in survey.questions.prefetch_related("choices"):
        if item.kind not in by_kind:
            continue
        value = by_kind[item.kind]
        labels = {c.label: c.pk for c in item.choices.all()}
        if item.kind == QuestionKind.SINGLE:
            value = labels[value]
        elif item.kind == QuestionKind.MULTIPLE:
            value = [labels[v] for v in value]
        values[item] = value
    return save_answers(survey, delivery, values)
