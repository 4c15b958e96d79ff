"""Who may see and change the campaign pages: a role x view matrix (the shape of
tests/segmentation/test_views_access.py). Marketers do everything; data admins look."""

from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from campaigns.models import Campaign, Track, Variant
from segmentation.models import Segment
from segmentation.rules import empty

EVERY_ROLE = ("marketer", "data_admin")
# Pages opened with GET, and the roles that may open them (signed-in others get 403).
VIEWS = {
    "campaign_list": EVERY_ROLE,
    "campaign_detail": EVERY_ROLE,
    "campaign_edit": EVERY_ROLE,  # a data admin sees the basics and tracks, read-only
    "track_content": EVERY_ROLE,
    "campaign_review": EVERY_ROLE,  # without a Launch button
    "outbox_list": EVERY_ROLE,
    "outbox_message": EVERY_ROLE,
    "outbox_sms": EVERY_ROLE,
    "campaign_new": ("marketer",),
    "campaign_results": EVERY_ROLE,  # a draft's: "no results yet"
    "campaign_results_export": EVERY_ROLE,  # a draft's: the header row only
}
# Forms: the roles that may post them, and what an empty post gets.
POST_VIEWS = {
    "campaign_new": (("marketer",), 400),
    "campaign_edit": (("marketer",), 400),
    "campaign_delete": (("marketer",), 302),
    "track_add": (("marketer",), 400),
    "track_content": (("marketer",), 400),  # "save" with no weight
    "track_move": (("marketer",), 302),
    "track_remove": (("marketer",), 302),
    "campaign_launch": (("marketer",), 409),  # content missing
    "campaign_pause": (("marketer",), 302),  # a draft: "only a sending campaign..."
    "campaign_resume": (("marketer",), 302),
    "campaign_cancel": (("marketer",), 302),
    "campaign_sms_count": (EVERY_ROLE, 200),
    "campaign_results_refresh": (EVERY_ROLE, 303),  # reading figures again changes nothing
    "campaign_cost": (("marketer",), 303),  # an empty post: "Cost: ..." and back
}
GET_ONLY = [name for name in VIEWS if name not in POST_VIEWS]
POST_ONLY = [name for name in POST_VIEWS if name not in VIEWS]
PERSONAS = ("outsider", "marketer", "data_admin")


@pytest.fixture(autouse=True)
def outboxes(settings, tmp_path):
    settings.EMAIL_BACKEND = "config.outbox.OutboxBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.SEGMENTA_SMS_BACKEND = "campaigns.sms.OutboxSmsBackend"
    settings.SEGMENTA_SMS_OUTBOX_DIR = tmp_path / "sms"
    mail.send_mail("Hello", "Hi", "shop@example.com", ["ann@example.com"])
    return settings.EMAIL_OUTBOX_DIR


@pytest.fixture
def campaign(db) -> Campaign:
    made = Campaign.objects.create(name="Spring sale")
    segment = Segment.objects.create(name="Everyone", definition=empty())
    track = Track.objects.create(campaign=made, segment=segment)
    Variant.objects.create(track=track, label="A")
    return made


@pytest.fixture
def url(campaign, outboxes):
    def build(name: str) -> str:
        track = campaign.tracks.first()
        if name in {"track_content", "track_move", "track_remove"}:
            return reverse(name, args=[campaign.pk, track.pk])
        if name == "outbox_message":
            return reverse(name, args=[next(outboxes.glob("*.eml")).stem])
        if name.startswith("campaign_") and name not in {
            "campaign_list",
            "campaign_new",
            "campaign_sms_count",
        }:
            return reverse(name, args=[campaign.pk])
        if name == "track_add":
            return reverse(name, args=[campaign.pk])
        return reverse(name)

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


def test_it_covers_every_campaign_view():
    """A new page under /campaigns/ must be added to the matrix above."""
    patterns = get_resolver().url_patterns
    included = next(p for p in patterns if str(p.pattern) == "campaigns/").url_patterns
    names = {p.name for p in included if isinstance(p, URLPattern)}

    assert names == set(VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("name", POST_VIEWS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_roles_change_data(request, client, url, persona, name):
    client.force_login(request.getfixturevalue(persona))
    roles, status = POST_VIEWS[name]

    # An empty form: the allowed get it back with its errors (or done), the others no further.
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
def test_it_refuses_posts_without_the_csrf_token(marketer, url, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)

    assert client.post(url(name)).status_code == 403


def test_a_data_admin_sees_a_draft_without_controls(client, data_admin, campaign, url):
    client.force_login(data_admin)

    edit = client.get(url("campaign_edit")).content.decode()
    review = client.get(url("campaign_review")).content.decode()

    assert "Save basics" not in edit and "Add track" not in edit
    assert "Launch now" not in review
