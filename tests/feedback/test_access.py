"""Who may see and change the survey pages: a role x view matrix (the shape of
tests/campaigns/test_views_access.py). Marketers do everything; data admins look."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from feedback.models import QuestionKind
from tests.feedback.builders import campaign, make_survey, question, segment

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
GET_ONLY = [name for name in VIEWS if name not in POST_VIEWS]
POST_ONLY = [name for name in POST_VIEWS if name not in VIEWS]
PERSONAS = ("outsider", "marketer", "data_admin")
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


@pytest.mark.parametrize("name", VIEWS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, url, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url(name))}"


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_in_only_the_roles(request, client, url, persona, name):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(name)).status_code == (200 if persona in VIEWS[name] else 403)


@pytest.mark.parametrize("name", VIEWS)
def test_it_denies_htmx_requests_of_users_without_a_role(outsider_client, url, name):
    response = outsider_client.get(url(name), headers={"HX-Request": "true"})

    assert response.status_code == 403


@pytest.mark.parametrize("name", GET_ONLY)
def test_it_answers_only_get(marketer_client, url, name):
    assert marketer_client.post(url(name)).status_code == 405


def test_it_covers_every_survey_view():
    """A new page under /surveys/ must be added to the matrix above."""
    patterns = get_resolver().url_patterns
    included = next(p for p in patterns if str(p.pattern) == "surveys/").url_patterns
    names = {p.name for p in included if isinstance(p, URLPattern)}

    assert names == set(VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("name", POST_VIEWS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_roles_change_data(request, client, url, persona, name):
    client.force_login(request.getfixturevalue(persona))
    roles, status = POST_VIEWS[name]

    assert client.post(url(name)).status_code == (status if persona in roles else 403)


@pytest.mark.parametrize("name", POST_VIEWS)
def test_it_sends_anonymous_posts_to_the_login_page(client, url, name):
    response = client.post(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_refuses_get_on_forms(marketer_client, url, name):
    assert marketer_client.get(url(name)).status_code == 405


@pytest.mark.parametrize("name", POST_VIEWS)
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_posts_without_the_csrf_token(marketer, url, name, htmx):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    headers = {"HX-Request": "true"} if htmx else {}

    assert client.post(url(name), headers=headers).status_code == 403


def test_a_data_admin_sees_a_survey_without_controls(client, data_admin, survey, url):
    client.force_login(data_admin)

    page = client.get(url("survey_edit")).content.decode()

    for control in ("Add question", "Save texts", "Open survey", "Attach", "Delete survey"):
        assert control not in page


def test_the_surveys_link_is_in_the_top_bar(marketer_client):
    page = marketer_client.get(reverse("dashboard")).content.decode()

    assert f'href="{reverse("survey_list")}"' in page
