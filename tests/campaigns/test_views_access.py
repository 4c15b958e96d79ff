"""Who may see and change the campaign pages: a role x view matrix (the shape of
tests/segmentation/test_views_access.py). Marketers do everything; data admins look."""

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import Campaign, Track, Variant
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from tests.support.access import role_matrix

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


globals().update(role_matrix(VIEWS, POST_VIEWS, prefixes=("campaigns/",)))


def test_a_data_admin_sees_a_draft_without_controls(client, data_admin, campaign, url):
    client.force_login(data_admin)

    edit = client.get(url("campaign_edit")).content.decode()
    review = client.get(url("campaign_review")).content.decode()

    assert "Save basics" not in edit and "Add track" not in edit
    assert "Launch now" not in review
