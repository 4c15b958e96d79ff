"""Survey results: the whole survey per segment or per variant, one question with the segments
side by side (and, for free text, the answers with search, a segment filter and pages), and
the export of every response to CSV or XLSX (formulas neutralised by
segmentation.shared.spreadsheet).
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from feedback import results
from feedback.models import QuestionKind
from feedback.views import VIEW, _get_survey_for_user
from segmentation.shared.access import role_required
from segmentation.shared.spreadsheet import csv_response, xlsx_response

RESULTS = "feedback.view_response"
TEXT_PAGE_SIZE = 25
MAX_SEARCH = 100


def _grouping(request: HttpRequest) -> str:
    by = request.GET.get("by", results.SEGMENT)
    return by if by in results.GROUPINGS else results.SEGMENT


@require_GET
@role_required(VIEW, RESULTS)
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    by = _grouping(request)
    found = results.groups(survey, by)
    context = {
        "survey": survey,
        "by": by,
        "groupings": results.GROUPINGS,
        "grouping_label": results.GROUPINGS[by],
        "groups": found,
        "total": results.total(found),
        "rate_chart": results.rate_chart(found) if found else None,
        "questions": results.question_results(survey, by, found),
        "section": "surveys",
    }
    return render(request, "feedback/survey_results.html", context)


def _segment_filter(request: HttpRequest, known: list[tuple[int, str]]) -> int | None:
    raw = request.GET.get("segment", "")
    chosen = int(raw) if raw.isdigit() and len(raw) < 12 else None
    return chosen if chosen in {pk for pk, _ in known} else None


@require_GET
@vary_on_headers("HX-Request")
@role_required(VIEW, RESULTS)
def question_results(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    """One question, the segments side by side; a text question's answers below, filtered."""
    survey = _get_survey_for_user(request, pk)
    question = get_object_or_404(survey.questions.prefetch_related("choices"), pk=question_id)
    segments = results.segments_of(survey)
    segment = _segment_filter(request, segments)
    search = request.GET.get("q", "").strip()[:MAX_SEARCH]
    context = {
        "survey": survey,
        "question": question,
        "segments": segments,
        "segment": segment,
        "search": search,
        "section": "surveys",
    }
    if question.kind == QuestionKind.TEXT:
        answers = results.text_answers(question, segment, search)
        context["page"] = Paginator(answers, TEXT_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "feedback/question_results.html"
    if request.htmx and question.kind == QuestionKind.TEXT:
        return render(request, template + "#answers", context)
    found = results.groups(survey, results.SEGMENT)
    context["result"] = results.question_results(survey, results.SEGMENT, found, [question])[0]
    return render(request, template, context)


@require_GET
@role_required(VIEW, RESULTS)
def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    kind = request.GET.get("format", "csv")
    rows = results.export_rows(survey)
    filename = f"survey-{survey.pk}-responses"
    if kind == "xlsx":
        return xlsx_response(f"{filename}.xlsx", rows, title="Responses")
    if kind != "csv":
        raise Http404
    return csv_response(f"{filename}.csv", rows)
