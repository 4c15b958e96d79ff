"""Survey results per segment or per variant: response rates, NPS, ratings, choices, texts.

Responses and answers carry their delivery's track and variant, so everything is grouped
counts: sent deliveries per group, responses per group, and answers per (question, group,
value) — a few queries whatever the number of questions or respondents.

NPS (Net Promoter Score): of the people who answered 0-10, promoters gave 9-10, passives 7-8,
detractors 0-6; the score is the percentage of promoters minus that of detractors (-100..100).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from campaigns.models import Delivery, DeliveryStatus, Track, Variant
from feedback import charts
from feedback.integration import answer_text
from feedback.models import Answer, Question, QuestionKind, Response, Survey
from segmentation.segments.models import Segment

SEGMENT, VARIANT = "segment", "variant"
GROUPINGS = {SEGMENT: "per segment", VARIANT: "per variant"}
ALL_LABEL = "All recipients"
NPS_CATEGORIES = ["Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)"]
Key = tuple


def _fields(by: str, prefix: str = "") -> list[str]:
    if by == VARIANT:
        return [f"{prefix}track_id", f"{prefix}variant_id"]
    return [f"{prefix}track__segment_id"]


def percent(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


# --- groups and response rates ------------------------------------------------------------


@dataclass
class Group:
    key: Key
    label: str
    sent: int = 0
    responses: int = 0

    @property
    def rate(self) -> float | None:
        return percent(self.responses, self.sent)


def groups(survey: Survey, by: str) -> list[Group]:
    """The segments (or variants) the survey reached: sent messages and responses each."""
    fields = _fields(by)
    sent = (
        Delivery.objects.filter(track__survey_link__survey=survey, status=DeliveryStatus.SENT)
        .order_by()
        .values_list(*fields)
        .annotate(n=Count("id"))
    )
    answered = (
        Response.objects.filter(survey=survey)
        .order_by()
        .values_list(*fields)
        .annotate(n=Count("id"))
    )
    found: dict[Key, Group] = {}
    for rows, attribute in ((sent, "sent"), (answered, "responses")):
        for *key, n in rows:
            group = found.setdefault(tuple(key), Group(tuple(key), ""))
            setattr(group, attribute, n)
    labels = _labels(by, list(found))
    for key, group in found.items():
        group.label = labels[key][1]
    return sorted(found.values(), key=lambda g: labels[g.key][0])


def _labels(by: str, keys: list[Key]) -> dict[Key, tuple[Any, str]]:
    """(sort key, label) per group key."""
    if by == SEGMENT:
        names = dict(Segment.objects.filter(pk__in=[k[0] for k in keys]).values_list("pk", "name"))
        return {
            k: ((names.get(k[0], ""), k[0]), names.get(k[0], "(deleted segment)")) for k in keys
        }
    tracks = Track.objects.select_related("campaign", "segment").in_bulk({k[0] for k in keys})
    variants = dict(Variant.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "label"))
    several = len({track.campaign_id for track in tracks.values()}) > 1
    labels = {}
    for key in keys:
        track, variant = tracks[key[0]], variants.get(key[1], "")
        label = f"{track.segment.name} · {variant or 'no variant'}"
        if several:
            label = f"{track.campaign.name} › {label}"
        labels[key] = ((track.campaign_id, track.position, track.pk, variant), label)
    return labels


def total(found: list[Group]) -> Group:
    return Group(("all",), ALL_LABEL, sum(g.sent for g in found), sum(g.responses for g in found))


def rate_chart(rows: list[Group]) -> charts.Chart:
    categories = [(g.label, [g.rate or 0.0]) for g in rows]
    chart = charts.grouped("Response rate", categories, ["Response rate"], ["#0b5cad"])
    chart.key = "chart-rate"
    return chart


# --- answers per question -----------------------------------------------------------------


@dataclass
class Line:
    """One group's answers to one question."""

    label: str
    key: Key
    n: int = 0  # people who answered the question
    counts: list[int] = field(default_factory=list)  # per category
    score: float | None = None  # NPS, or the average rating

    @property
    def shares(self) -> list[float | None]:
        return [percent(count, self.n) for count in self.counts]

    @property
    def cells(self) -> list[tuple[int, float | None]]:
        return list(zip(self.counts, self.shares, strict=True))


@dataclass
class QuestionResult:
    question: Question
    number: int
    categories: list[str]
    lines: list[Line]  # all recipients first, then one per group
    chart: charts.Chart | None = None

    @property
    def answered(self) -> int:
        return self.lines[0].n if self.lines else 0

    @property
    def by_category(self) -> list[tuple[str, list[tuple[int, float | None]]]]:
        """The table turned round: per category, one cell per group (segments side by side)."""
        return [
            (category, [line.cells[i] for line in self.lines])
            for i, category in enumerate(self.categories)
        ]


Buckets = dict[tuple[int | None, int | None], int]  # (number, choice id) -> answers


def _answer_counts(survey: Survey, by: str, questions: list[Question]):
    """{question id: {group key: buckets}} and {question id: {group key: respondents}} for
    multiple choice (where one person gives several answer rows)."""
    fields = _fields(by, "response__")
    ids = [q.pk for q in questions]
    rows = (
        Answer.objects.filter(question_id__in=ids)
        .order_by()
        .values_list("question_id", *fields, "number", "choice_id")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[Key, Buckets]] = {}
    for question_id, *rest in rows:
        *key, number, choice, n = rest
        counts.setdefault(question_id, {}).setdefault(tuple(key), {})[(number, choice)] = n
    multiple = [q.pk for q in questions if q.kind == QuestionKind.MULTIPLE]
    people = (
        Answer.objects.filter(question_id__in=multiple)
        .order_by()
        .values_list("question_id", *fields)
        .annotate(n=Count("response_id", distinct=True))
    )
    respondents: dict[int, dict[Key, int]] = {}
    for question_id, *rest in people:
        *key, n = rest
        respondents.setdefault(question_id, {})[tuple(key)] = n
    return counts, respondents


def categories_of(question: Question) -> list[str]:
    if question.kind == QuestionKind.NPS:
        return list(NPS_CATEGORIES)
    if question.kind == QuestionKind.RATING:
        return [str(n) for n in range(1, 6)]
    if question.has_choices:
        return [choice.label for choice in question.choices.all()]
    return []


def _line(question: Question, label: str, key: Key, buckets: Buckets, people: int) -> Line:
    line = Line(label, key, n=sum(buckets.values()))
    if question.kind == QuestionKind.NPS:
        scores = [(number, n) for (number, _), n in buckets.items() if number is not None]
        line.counts = [
            sum(n for s, n in scores if s <= 6),
            sum(n for s, n in scores if 7 <= s <= 8),
            sum(n for s, n in scores if s >= 9),
        ]
        detractors, _, promoters = line.counts
        line.score = percent(promoters - detractors, line.n)
    elif question.kind == QuestionKind.RATING:
        line.counts = [buckets.get((value, None), 0) for value in range(1, 6)]
        weighted = sum(value * count for value, count in zip(range(1, 6), line.counts, strict=True))
        line.score = weighted / line.n if line.n else None
    elif question.has_choices:
        per_choice = {choice: n for (_, choice), n in buckets.items()}
        line.counts = [per_choice.get(choice.pk, 0) for choice in question.choices.all()]
        if question.kind == QuestionKind.MULTIPLE:
            line.n = people
    return line


def _merged(per_group: dict[Key, Buckets]) -> Buckets:
    merged: Buckets = {}
    for buckets in per_group.values():
        for bucket, n in buckets.items():
            merged[bucket] = merged.get(bucket, 0) + n
    return merged


def question_results(
    survey: Survey, by: str, found: list[Group], questions: list[Question] | None = None
) -> list[QuestionResult]:
    """Every question (or those given) with a line for all recipients and one per group."""
    every = list(survey.questions.prefetch_related("choices"))
    questions = every if questions is None else questions
    counts, respondents = _answer_counts(survey, by, questions)
    results = []
    for question in questions:
        per_group = counts.get(question.pk, {})
        people = respondents.get(question.pk, {})
        lines = [_line(question, ALL_LABEL, ("all",), _merged(per_group), sum(people.values()))]
        lines += [
            _line(question, g.label, g.key, per_group.get(g.key, {}), people.get(g.key, 0))
            for g in found
        ]
        number = next(i for i, q in enumerate(every, start=1) if q.pk == question.pk)
        result = QuestionResult(question, number, categories_of(question), lines)
        result.chart = chart_for(result)
        if result.chart is not None:
            result.chart.key = f"chart-{question.pk}"
        results.append(result)
    return results


def chart_for(result: QuestionResult) -> charts.Chart | None:
    question, lines = result.question, result.lines
    title = f"Question {result.number}: {question.text}"
    if question.kind == QuestionKind.NPS:
        rows = [(ln.label, ln.counts, _nps_note(ln.score)) for ln in lines]
        return charts.stacked(title, rows, result.categories, list(charts.NPS_COLOURS))
    if question.kind == QuestionKind.RATING:
        rows = [(ln.label, ln.counts, _average_note(ln.score)) for ln in lines]
        return charts.stacked(title, rows, result.categories, list(charts.RATING_COLOURS))
    if question.kind == QuestionKind.SINGLE:
        rows = [(ln.label, ln.counts, f"n={ln.n}") for ln in lines]
        fills = charts.colours(len(result.categories))
        return charts.stacked(title, rows, result.categories, fills)
    if question.kind == QuestionKind.MULTIPLE:
        per_choice = [
            (category, [ln.shares[i] or 0.0 for ln in lines])
            for i, category in enumerate(result.categories)
        ]
        series = [ln.label for ln in lines]
        return charts.grouped(title, per_choice, series, charts.colours(len(series)))
    return None


def _nps_note(score: float | None) -> str:
    return "–" if score is None else f"NPS {score:+.0f}"


def _average_note(score: float | None) -> str:
    return "–" if score is None else f"avg {score:.2f}"


# --- free texts ---------------------------------------------------------------------------


def text_answers(question: Question, segment_id: int | None, search: str) -> QuerySet[Answer]:
    """A text question's answers, newest first, of one segment and containing a text."""
    answers = (
        Answer.objects.filter(question=question)
        .exclude(text="")
        .select_related("response__track__segment", "response__variant", "response__customer")
        .order_by("-response__updated_at", "-pk")
    )
    if segment_id is not None:
        answers = answers.filter(response__track__segment_id=segment_id)
    if search:
        answers = answers.filter(text__icontains=search)
    return answers


def segments_of(survey: Survey) -> list[tuple[int, str]]:
    """The segments of the tracks the survey is attached to, or answered from, by name."""
    ids = set(survey.attachments.values_list("track__segment_id", flat=True))
    ids |= set(survey.responses.values_list("track__segment_id", flat=True).distinct())
    return list(Segment.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


# --- export -------------------------------------------------------------------------------


def export_rows(survey: Survey) -> Iterator[list]:
    """One row per response: when, where it came from, who, then one column per question."""
    questions = list(survey.questions.all())
    yield [
        "response", "submitted_at", "updated_at", "campaign", "segment", "variant",
        "customer_email", "customer_external_id",
        *(f"Q{i}. {q.text}" for i, q in enumerate(questions, start=1)),
    ]  # fmt: skip
    answers = Answer.objects.select_related("question", "choice").order_by(
        "choice__position", "choice_id"
    )
    responses = (
        Response.objects.filter(survey=survey)
        .select_related("track__campaign", "track__segment", "variant", "customer")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("pk")
    )
    for response in responses.iterator(chunk_size=1000):
        grouped: dict[int, list[Answer]] = {}
        for answer in response.answers.all():
            grouped.setdefault(answer.question_id, []).append(answer)
        yield [
            response.pk,
            response.submitted_at,
            response.updated_at,
            response.track.campaign.name,
            response.track.segment.name,
            response.variant.label if response.variant else "",
            response.customer.email or "",
            response.customer.external_id or "",
            *(_cell(grouped[q.pk]) if q.pk in grouped else "" for q in questions),
        ]


def _cell(answers: list[Answer]) -> int | str:
    """Scores as numbers (a spreadsheet can sum them), everything else as text."""
    number = answers[0].number
    return number if number is not None else answer_text(answers)
