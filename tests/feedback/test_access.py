"""Who may see and change the survey pages: a role x view matrix (the shape of
tests/campaigns/test_views_access.py). Marketers do everything; data admins look."""

import pytest
from django.urls import reverse

from feedback.models import QuestionKind
from tests.feedback.builders import campaign, make_survey, question, segment
from tests.support.access import role_matrix

EVERY_ROLE = ("marketer", "data_admin")
# Pages opened with GET, and the roles that may open them (signed-in others get 403).
VIEWS = {
    "survey_list": EVERY_ROLE,
    "survey_edit": EVERY_ROLE,  # a data admin sees the questions, read-only
    "survey_preview": EVERY_ROLE,
    "survey_results": EVERY_ROLE,
    "question_results": EVERY_ROLE,
    "survey_export": EVERY_ROLE,
    "survey_new": ("marketer",),
    "question_edit": ("marketer",),  # the question as a form
}
# Forms: the roles that may post them, and what an empty post gets.
POST_VIEWS = {
    "survey_new": (("marketer",), 400),
    "survey_edit": (("marketer",), 400),
    "survey_delete": (("marketer",), 302),  # a survey attached to a track is kept
    "survey_status": (("marketer",), 302),  # "choose to open or to close"
    "survey_attach": (("marketer",), 302),  # "choose a track"
    "survey_detach": (("marketer",), 302),
    "question_add": (("marketer",), 400),
    "question_edit": (("marketer",), 400),
    "question_move": (("marketer",), 302),
    "question_delete": (("marketer",), 302),
}
WITH_QUESTION = {"question_edit", "question_move", "question_delete", "question_results"}


@pytest.fixture
def survey(db):
    made = make_survey()
    made.question = question(made, QuestionKind.NPS)
    track = campaign(segment("Everyone")).tracks.get()
    made.attachments.create(track=track)
    return made


@pytest.fixture
def url(survey):
    def build(name: str) -> str:
        if name in WITH_QUESTION:
            return reverse(name, args=[survey.pk, survey.question.pk])
        if name in ("survey_list", "survey_new"):
            return reverse(name)
        return reverse(name, args=[survey.pk])

    return build


globals().update(role_matrix(VIEWS, POST_VIEWS, prefixes=("surveys/",)))


def test_a_data_admin_sees_a_survey_without_controls(client, data_admin, survey, url):
    client.force_login(data_admin)

    page = client.get(url("survey_edit")).content.decode()

    for control in ("Add question", "Save texts", "Open survey", "Attach", "Delete survey"):
        assert control not in page


def test_the_surveys_link_is_in_the_top_bar(marketer_client):
    page = marketer_client.get(reverse("dashboard")).content.decode()

    assert f'href="{reverse("survey_list")}"' in page
