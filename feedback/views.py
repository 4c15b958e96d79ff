"""The survey builder: the list, a survey's page (texts, questions, state, the campaign tracks
it is attached to), its preview, and deleting it.

The questions are one region of the page: adding, editing, moving and deleting a question
posts to its own URL; with htmx the answer is the region (`#questions`), without JavaScript a
redirect back to the page (or the page with the errors). Once someone has answered, the
questions are locked: changing them would change what earlier answers mean. Results are in
feedback.views_results.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from campaigns.models import CampaignStatus, Track
from feedback.answering import AnswerForm, questions_of
from feedback.forms import QuestionForm, SurveyForm
from feedback.models import Choice, Question, Response, Survey, SurveyStatus, TrackSurvey
from segmentation.shared.access import role_required

VIEW = "feedback.view_survey"
ADD = "feedback.add_survey"
CHANGE = "feedback.change_survey"
DELETE = "feedback.delete_survey"
CHANGE_CAMPAIGN = "campaigns.change_campaign"
EDIT_PAGE = "feedback/survey_edit.html"
MAX_QUESTIONS = 50


def _get_survey_for_user(request: HttpRequest, pk: int) -> Survey:
    # Surveys are the marketing team's shared work: every role that sees them sees them all.
    return get_object_or_404(Survey, pk=pk)


def _get_question(survey: Survey, question_id: int) -> Question:
    return get_object_or_404(survey.questions, pk=question_id)


# --- list and new -------------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = list(
        Survey.objects.annotate(
            question_count=Count("questions", distinct=True),
            track_count=Count("attachments", distinct=True),
        ).order_by("-created_at", "-id")
    )
    # Responses counted apart: joined with the questions they would multiply the rows.
    responses = dict(Response.objects.order_by().values_list("survey_id").annotate(n=Count("id")))
    for survey in surveys:
        survey.response_count = responses.get(survey.pk, 0)
    context = {"surveys": surveys, "section": "surveys"}
    return render(request, "feedback/survey_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(VIEW, ADD)
def survey_new(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.created_by = request.user
        survey.save()
        messages.success(request, f"Created '{survey.name}'. Now add its questions.")
        return redirect(survey)
    context = {"form": form, "section": "surveys"}
    status = 400 if form.is_bound else 200
    return render(request, "feedback/survey_new.html", context, status=status)


# --- the survey's page --------------------------------------------------------------------


def _page_context(request: HttpRequest, survey: Survey, **extra) -> dict:
    may_change = request.user.has_perm(CHANGE)
    locked = survey.responses.exists()
    context = {
        "survey": survey,
        "questions": list(survey.questions.prefetch_related("choices")),
        "locked": locked,
        "editable": may_change and not locked,
        "may_change": may_change,
        "may_attach": may_change and request.user.has_perm(CHANGE_CAMPAIGN),
        "survey_form": SurveyForm(instance=survey),
        "question_form": QuestionForm(prefix="new"),
        "section": "surveys",
        **extra,
    }
    if not request.htmx:
        context.update(_attachment_context(survey))
    return context


def _attachment_context(survey: Survey) -> dict:
    attached = survey.attachments.select_related("track__campaign", "track__segment").order_by(
        "track__campaign__name", "track__position"
    )
    free = (
        Track.objects.filter(campaign__status=CampaignStatus.DRAFT)
        .exclude(survey_link__survey=survey)
        .select_related("campaign", "segment", "survey_link__survey")
        .order_by("campaign__name", "campaign_id", "position")
    )
    return {"attachments": attached, "attachable": free, "response_count": survey.responses.count()}


def _page(request: HttpRequest, survey: Survey, status: int = 200, **extra) -> HttpResponse:
    """The whole page, or only the questions region for htmx (whose errors come back as 200:
    htmx swaps nothing for a 4xx)."""
    context = _page_context(request, survey, **extra)
    if request.htmx:
        return render(request, f"{EDIT_PAGE}#questions", context)
    return render(request, EDIT_PAGE, context, status=status)


def _back(request: HttpRequest, survey: Survey) -> HttpResponse:
    """After a change to the questions: the region again (htmx), or the page."""
    if request.htmx:
        return _page(request, survey)
    return redirect(reverse("survey_edit", args=[survey.pk]) + "#questions")


@require_http_methods(["GET", "POST"])
@role_required(VIEW)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    if request.method == "GET":
        return _page(request, survey)
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    form = SurveyForm(request.POST, instance=survey)
    if not form.is_valid():
        survey.refresh_from_db()
        return _page(request, survey, 400, survey_form=form)
    form.save()
    messages.success(request, f"Saved '{survey.name}'.")
    return redirect(survey)


def _refuse_if_answered(request: HttpRequest, survey: Survey) -> HttpResponse | None:
    if not survey.responses.exists():
        return None
    messages.error(
        request,
        "People have answered this survey: its questions can no longer change, as that would "
        "change what their answers mean.",
    )
    return _back(request, survey)


# --- questions ----------------------------------------------------------------------------


def _save_question(form: QuestionForm, survey: Survey) -> Question:
    with transaction.atomic():
        question = form.save(commit=False)
        question.survey = survey
        if question.pk is None:
            last = survey.questions.aggregate(last=Max("position"))["last"]
            question.position = 0 if last is None else last + 1
        question.save()
        # Questions without answers only (see _refuse_if_answered): choices can be replaced.
        question.choices.all().delete()
        Choice.objects.bulk_create(
            Choice(question=question, position=i, label=label)
            for i, label in enumerate(form.cleaned_data.get("choices", []))
        )
    return question


@require_POST
@role_required(VIEW, CHANGE)
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    if refused := _refuse_if_answered(request, survey):
        return refused
    form = QuestionForm(request.POST, prefix="new")
    if survey.questions.count() >= MAX_QUESTIONS:
        form.add_error(None, f"A survey has at most {MAX_QUESTIONS} questions.")
    if not form.is_valid():
        return _page(request, survey, 400, question_form=form, failed=True)
    question = _save_question(form, survey)
    messages.success(request, f"Added question {survey.questions.count()}: “{question.text}”.")
    return _back(request, survey)


@require_http_methods(["GET", "POST"])
@role_required(VIEW, CHANGE)
def question_edit(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    """GET: the page (or region) with this question as a form in its place."""
    survey = _get_survey_for_user(request, pk)
    question = _get_question(survey, question_id)
    if refused := _refuse_if_answered(request, survey):
        return refused
    if request.method == "GET":
        form = QuestionForm(instance=question, prefix=f"q{question.pk}")
        return _page(request, survey, editing=question.pk, edit_form=form)
    form = QuestionForm(request.POST, instance=question, prefix=f"q{question.pk}")
    if not form.is_valid():
        question.refresh_from_db()
        return _page(request, survey, 400, editing=question.pk, edit_form=form, failed=True)
    _save_question(form, survey)
    messages.success(request, f"Saved the question “{question.text}”.")
    return _back(request, survey)


@require_POST
@role_required(VIEW, CHANGE)
def question_move(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    question = _get_question(survey, question_id)
    if refused := _refuse_if_answered(request, survey):
        return refused
    step = -1 if request.POST.get("direction") == "up" else 1
    with transaction.atomic():
        order = list(survey.questions.select_for_update().order_by("position", "id"))
        i = next(i for i, q in enumerate(order) if q.pk == question.pk)
        if 0 <= i + step < len(order):
            order[i], order[i + step] = order[i + step], order[i]
        for position, each in enumerate(order):
            Question.objects.filter(pk=each.pk).update(position=position)
    return _back(request, survey)


@require_POST
@role_required(VIEW, CHANGE)
def question_delete(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    question = _get_question(survey, question_id)
    if refused := _refuse_if_answered(request, survey):
        return refused
    question.delete()
    messages.success(request, f"Deleted the question “{question.text}”.")
    return _back(request, survey)


# --- state --------------------------------------------------------------------------------


def opening_problems(survey: Survey) -> list[str]:
    """What stops a survey from taking answers, worded for the marketer."""
    questions = list(survey.questions.annotate(choice_count=Count("choices")))
    if not questions:
        return ["Add at least one question before opening the survey."]
    return [
        f"Question {number} (“{question.text}”) needs at least two choices."
        for number, question in enumerate(questions, start=1)
        if question.has_choices and question.choice_count < 2
    ]


@require_POST
@role_required(VIEW, CHANGE)
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    action = request.POST.get("action")
    if action == "open":
        problems = opening_problems(survey)
        if problems:
            for problem in problems:
                messages.error(request, problem)
            return redirect(survey)
        survey.status = SurveyStatus.OPEN
        note = f"'{survey.name}' is open: recipients can answer and change their answers."
    elif action == "close":
        survey.status = SurveyStatus.CLOSED
        note = f"'{survey.name}' is closed: its page says so and takes no more answers."
    else:
        messages.error(request, "Choose to open or to close the survey.")
        return redirect(survey)
    survey.save(update_fields=["status", "updated_at"])
    messages.success(request, note)
    return redirect(survey)


# --- attaching to campaign tracks ---------------------------------------------------------


def _draft_track(raw: str | None) -> Track | None:
    if not raw or not raw.isdigit() or len(raw) > 12:
        return None
    tracks = Track.objects.select_related("campaign", "segment")
    return tracks.filter(pk=int(raw), campaign__status=CampaignStatus.DRAFT).first()


def _uses_survey_url(track: Track) -> bool:
    return track.variants.filter(
        Q(subject__contains="survey_url")
        | Q(text_body__contains="survey_url")
        | Q(html_body__contains="survey_url")
        | Q(sms_text__contains="survey_url")
    ).exists()


@require_POST
@role_required(VIEW, CHANGE, CHANGE_CAMPAIGN)
def survey_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a draft campaign's track to this survey (instead of another one it linked to)."""
    survey = _get_survey_for_user(request, pk)
    track = _draft_track(request.POST.get("track"))
    if track is None:
        messages.error(
            request,
            "Choose a track of a draft campaign: a launched campaign's messages cannot change.",
        )
        return redirect(reverse("survey_edit", args=[survey.pk]) + "#attachments")
    TrackSurvey.objects.update_or_create(track=track, defaults={"survey": survey})
    where = f"'{track.campaign.name}' › '{track.segment.name}'"
    note = f"Attached to {where}: its messages link here through {{{{ survey_url }}}}."
    if not _uses_survey_url(track):
        note += " Its content does not use {{ survey_url }} yet: add the link to the message."
    messages.success(request, note)
    return redirect(reverse("survey_edit", args=[survey.pk]) + "#attachments")


@require_POST
@role_required(VIEW, CHANGE, CHANGE_CAMPAIGN)
def survey_detach(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    track = _draft_track(request.POST.get("track"))
    removed = 0
    if track is not None:
        removed, _ = TrackSurvey.objects.filter(survey=survey, track=track).delete()
    if removed:
        messages.success(
            request, f"Detached from '{track.campaign.name}' › '{track.segment.name}'."
        )
    else:
        messages.error(request, "Only a draft campaign's track can be detached.")
    return redirect(reverse("survey_edit", args=[survey.pk]) + "#attachments")


# --- preview and delete -------------------------------------------------------------------


@require_GET
@role_required(VIEW)
def survey_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The public page as a recipient sees it; its button does nothing."""
    survey = _get_survey_for_user(request, pk)
    context = {"survey": survey, "form": AnswerForm(questions_of(survey)), "preview": True}
    return render(request, "public/survey.html", context)


@require_POST
@role_required(VIEW, DELETE)
def survey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey_for_user(request, pk)
    if survey.responses.exists() or survey.attachments.exists():
        messages.error(
            request,
            f"'{survey.name}' has answers or is attached to campaign tracks: close it instead "
            "(or detach it first).",
        )
        return _go(request, survey.get_absolute_url())
    survey.delete()
    messages.success(request, f"Deleted the survey '{survey.name}'.")
    return _go(request, reverse("survey_list"))


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """After a form posted by htmx (to ask for confirmation first), load the next page whole."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
