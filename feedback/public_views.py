"""The survey page a recipient reaches from a message: no login, the signed link of their
delivery is the credential.

GET shows the questions (with the earlier answers, for someone coming back); POST saves them
as the delivery's one response and goes on to the thank-you page. A closed survey says so and
takes nothing. Every bad link (tampered, unknown, erased recipient, a track without a survey)
gets the same 404 page and stores nothing.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from feedback.answering import (
    AnswerForm,
    SurveyClosed,
    Visit,
    initial_from,
    questions_of,
    save_answers,
    visit_for,
)
from feedback.models import SurveyStatus
from segmentation.consent.public_views import InvalidLinkResponse, public_view


def _visit(token: str) -> Visit:
    visit = visit_for(token)
    if visit is None:
        raise InvalidLinkResponse
    return visit


def _not_open(request: HttpRequest, visit: Visit) -> HttpResponse:
    context = {"survey": visit.survey, "response": visit.response}
    return render(request, "public/survey_closed.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@public_view
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    visit = _visit(token)
    if visit.survey.status != SurveyStatus.OPEN:
        return _not_open(request, visit)
    questions = questions_of(visit.survey)
    if request.method == "GET":
        form = AnswerForm(questions, initial=initial_from(visit.response))
        return _form_page(request, visit, form, token)
    form = AnswerForm(questions, request.POST)
    if not form.is_valid():
        return _form_page(request, visit, form, token, status=400)
    try:
        save_answers(visit.survey, visit.delivery, form.answers())
    except SurveyClosed:
        return _not_open(request, visit)
    response = redirect("survey_thanks", token=token)
    response.status_code = 303  # see the thank-you page; reloading it posts nothing again
    return response


def _form_page(request, visit: Visit, form: AnswerForm, token: str, status=200) -> HttpResponse:
    context = {"survey": visit.survey, "form": form, "response": visit.response, "token": token}
    return render(request, "public/survey.html", context, status=status)


@require_GET
@never_cache
@public_view
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    visit = _visit(token)
    if visit.response is None:  # nothing answered yet: the questions, not a thank-you
        return redirect("survey_answer", token=token)
    context = {"survey": visit.survey, "response": visit.response, "token": token}
    return render(request, "public/survey_thanks.html", context)
