"""Segment fields from survey answers, added to segmentation's catalogue by apps.py.

"NPS promoter / passive / detractor in the last D days" read NPS answers of responses saved
(or last changed) in the window; "Answered survey" reads responses. Both are EXISTS
subqueries over indexed columns, like the other behaviour fields.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from feedback.models import Answer, QuestionKind, Response, Survey
from segmentation.segments.catalogue import Compiler, Context, Field, window
from segmentation.segments.kinds import DAYS, ChoiceKind

GROUP = "Feedback"


def nps_in_window(low: int, high: int) -> Compiler:
    def compile(op: str, value, ctx: Context) -> Q:
        since = ctx.now - dt.timedelta(days=value["days"])
        answers = Answer.objects.filter(
            response__customer=OuterRef("pk"),
            response__updated_at__gte=since,
            question__kind=QuestionKind.NPS,
            number__gte=low,
            number__lte=high,
        )
        return Q(Exists(answers)) if op == "has" else ~Q(Exists(answers))

    return compile


def answered_survey(op: str, value, ctx: Context) -> Q:
    responses = Response.objects.filter(customer=OuterRef("pk"), survey_id__in=value)
    return Q(Exists(responses)) if op == "in" else ~Q(Exists(responses))


def survey_choices() -> list[tuple[str, str]]:
    return [
        (str(pk), name) for pk, name in Survey.objects.order_by("name").values_list("pk", "name")
    ]


DAYS_WINDOW = window(("days", "days", DAYS))

FIELDS = (
    Field("nps_promoter", "NPS promoter (9-10) in the last days", GROUP, DAYS_WINDOW,
          nps_in_window(9, 10), "Answered an NPS question with 9 or 10 in the last D days."),
    Field("nps_passive", "NPS passive (7-8) in the last days", GROUP, DAYS_WINDOW,
          nps_in_window(7, 8), "Answered an NPS question with 7 or 8 in the last D days."),
    Field("nps_detractor", "NPS detractor (0-6) in the last days", GROUP, DAYS_WINDOW,
          nps_in_window(0, 6), "Answered an NPS question with 0 to 6 in the last D days."),
    Field("answered_survey", "Answered survey", GROUP,
          ChoiceKind("choice", ("in", "not_in"), survey_choices), answered_survey,
          "Sent answers to any of the chosen surveys (at any time)."),
)  # fmt: skip
