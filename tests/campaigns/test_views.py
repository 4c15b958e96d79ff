"""The campaign pages: list, wizard (basics, tracks, variants), preview and test send, review,
launch, progress and the sending controls, the outbox."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns import audience
from campaigns.models import Campaign, Delivery, Track, Variant
from campaigns.sending import lifecycle
from config.outbox import OutboxBackend
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
GRANTED = ConsentStatus.GRANTED
CONTENT = {
    "subject": "Hello {{ first_name|default:'there' }}",
    "text_body": "Hi {{ first_name|default:'there' }}, see https://shop.example.com/spring",
    "html_body": '<p>Hi {{ first_name }}! <a href="https://shop.example.com/spring">Spring</a></p>',
}


@pytest.fixture(autouse=True)
def memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def people(db) -> list[Customer]:
    return [
        Customer.objects.create(email="ann@example.com", first_name="Ann", country="DE",
                                email_consent=GRANTED),
        Customer.objects.create(email="bruno@example.com", first_name="Bruno", country="PT",
                                email_consent=GRANTED),
        Customer.objects.create(email="chloe@example.com", first_name="Chloé", country="DE"),
    ]  # fmt: skip


@pytest.fixture
def everyone(db) -> Segment:
    return Segment.objects.create(name="Everyone", definition=empty())


@pytest.fixture
def germans(db) -> Segment:
    condition = {"type": "condition", "field": "country", "op": "in", "value": ["DE"]}
    definition = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    return Segment.objects.create(name="Germans", definition=definition)


def make_campaign(*segments: Segment, weights=(100,), **fields) -> Campaign:
    campaign = Campaign.objects.create(name=fields.pop("name", "Spring sale"), **fields)
    for position, segment in enumerate(segments):
        track = Track.objects.create(campaign=campaign, segment=segment, position=position)
        for label, weight in zip("ABC", weights, strict=False):
            Variant.objects.create(track=track, label=label, weight=weight, **CONTENT)
    return campaign


@pytest.fixture
def draft(people, germans, everyone) -> Campaign:
    return make_campaign(germans, everyone, weights=(50, 50))


def content_post(labels="AB", weights=(50, 50), **overrides) -> dict:
    data = {"label": list(labels), "action": "save"}
    for label, weight in zip(labels, weights, strict=True):
        data[f"{label}-weight"] = str(weight)
        for name, value in CONTENT.items():
            data[f"{label}-{name}"] = value
    data.update(overrides)
    return data


def track_url(campaign: Campaign, position: int = 0) -> str:
    track = campaign.tracks.order_by("position")[position]
    return reverse("track_content", args=[campaign.pk, track.pk])


def texts(response, selector_tag: str, class_: str) -> list[str]:
    return [el.text for el in parse(response.content).find_all(selector_tag, class_)]


# --- list ---


def test_it_lists_campaigns_with_status_channel_tracks_and_counts(marketer_client, draft):
    sent = make_campaign(name="Summer", status="sent")
    track = Track.objects.create(campaign=sent, segment=Segment.objects.get(name="Everyone"))
    for person in Customer.objects.all():
        Delivery.objects.create(campaign=sent, customer=person, track=track, status="sent")

    page = parse(marketer_client.get(reverse("campaign_list")).content)

    rows = {row.find("th").text: row for row in page.find("tbody").find_all("tr")}
    assert rows["Spring sale"].find("span", "badge").text == "Draft"
    assert rows["Summer"].find("span", "badge-sent").text == "Sent"
    assert rows["Summer"].find("td", data_sent="3")["data-frozen"] == "3"
    assert "2" in [td.text for td in rows["Spring sale"].find_all("td", "num")]


def test_it_shows_an_empty_list_with_a_way_to_start(marketer_client):
    page = parse(marketer_client.get(reverse("campaign_list")).content)

    assert page.find("div", "empty-state").find("a")["href"] == reverse("campaign_new")


def test_it_paginates_the_list(marketer_client):
    Campaign.objects.bulk_create(Campaign(name=f"C{i}") for i in range(30))

    first = parse(marketer_client.get(reverse("campaign_list")).content)
    second = parse(marketer_client.get(reverse("campaign_list") + "?page=2").content)

    assert len(first.find("tbody").find_all("tr")) == 25
    assert len(second.find("tbody").find_all("tr")) == 5


def test_it_shows_a_data_admin_no_new_button(client, data_admin, draft):
    client.force_login(data_admin)

    page = parse(client.get(reverse("campaign_list")).content)

    assert not page.find_all("a", href=reverse("campaign_new"))


# --- basics ---


def basics(**overrides) -> dict:
    data = {
        "name": "Spring sale", "channel": "email", "sender_name": "Shop",
        "sender_email": "news@shop.example.com", "holdout_percent": "10",
        "conversion_window_days": "7", "cost": "120.50", "send": "now",
        "schedule_timezone": "Europe/Berlin",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_it_creates_a_draft_and_goes_on_to_its_tracks(marketer_client, marketer):
    response = marketer_client.post(reverse("campaign_new"), basics())

    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("campaign_edit", args=[campaign.pk])
    assert (campaign.status, campaign.holdout_percent, str(campaign.cost)) == (
        "draft",
        10,
        "120.50",
    )
    assert campaign.created_by == marketer and campaign.scheduled_at is None


def test_it_asks_for_a_name(marketer_client):
    response = marketer_client.post(reverse("campaign_new"), basics(name=""))

    assert response.status_code == 400
    assert "Give the campaign a name." in texts(response, "p", "field-error")
    assert not Campaign.objects.exists()


def test_it_reads_the_schedule_in_the_chosen_time_zone(marketer_client, draft):
    tokyo = basics(send="later", send_at="2099-01-01T09:00", schedule_timezone="Asia/Tokyo")

    marketer_client.post(reverse("campaign_edit", args=[draft.pk]), tokyo)

    draft.refresh_from_db()
    assert draft.scheduled_at == dt.datetime(2099, 1, 1, 0, 0, tzinfo=dt.UTC)
    assert draft.schedule_timezone == "Asia/Tokyo"
    page = parse(marketer_client.get(reverse("campaign_edit", args=[draft.pk])).content)
    assert page.by_id("id_send_at")["value"] == "2099-01-01T09:00"


def test_it_refuses_a_time_in_the_past_or_none(marketer_client, draft):
    url = reverse("campaign_edit", args=[draft.pk])

    past = marketer_client.post(url, basics(send="later", send_at="2001-01-01T09:00"))
    missing = marketer_client.post(url, basics(send="later", send_at=""))
    garbage = marketer_client.post(url, basics(send="later", send_at="soon", cost="lots"))

    assert (past.status_code, missing.status_code, garbage.status_code) == (400, 400, 400)
    assert any("in the future" in t for t in texts(past, "p", "field-error"))
    assert any("Choose the date" in t for t in texts(missing, "p", "field-error"))
    draft.refresh_from_db()
    assert draft.scheduled_at is None


# --- tracks ---


def test_it_adds_a_segment_as_a_track_with_one_variant(marketer_client, people, germans):
    campaign = make_campaign()

    response = marketer_client.post(
        reverse("track_add", args=[campaign.pk]), {"segment": germans.pk}
    )

    track = campaign.tracks.get()
    assert response["Location"] == reverse("track_content", args=[campaign.pk, track.pk])
    assert [(v.label, v.weight) for v in track.variants.all()] == [("A", 100)]


@pytest.mark.parametrize("segment", ["", "abc", "999999", "1" * 40])
def test_it_refuses_an_unknown_segment(marketer_client, segment):
    campaign = make_campaign()

    response = marketer_client.post(reverse("track_add", args=[campaign.pk]), {"segment": segment})

    assert response.status_code == 400
    assert not campaign.tracks.exists()


def test_it_refuses_a_segment_that_is_a_track_already(marketer_client, draft, germans):
    response = marketer_client.post(reverse("track_add", args=[draft.pk]), {"segment": germans.pk})

    assert response.status_code == 400
    assert "is a track of this campaign already" in response.content.decode()


def test_it_moves_a_track_and_removes_one(marketer_client, draft, germans, everyone):
    first = draft.tracks.get(segment=germans)

    marketer_client.post(reverse("track_move", args=[draft.pk, first.pk]), {"direction": "down"})
    order = list(draft.tracks.order_by("position").values_list("segment__name", flat=True))
    assert order == ["Everyone", "Germans"]

    marketer_client.post(reverse("track_remove", args=[draft.pk, first.pk]))
    assert list(draft.tracks.values_list("segment__name", flat=True)) == ["Everyone"]


def test_the_edit_page_lists_the_tracks_in_order(marketer_client, draft):
    page = parse(marketer_client.get(reverse("campaign_edit", args=[draft.pk])).content)

    names = [a.text for a in page.find_all("a", "track-name")]
    assert names == ["Germans", "Everyone"]


# --- variants ---


def test_it_saves_the_variants_of_a_track(marketer_client, draft):
    data = content_post(weights=(30, 70), **{"B-subject": "Last days, {{ first_name }}"})

    response = marketer_client.post(track_url(draft), data)

    assert response.status_code == 302
    variants = draft.tracks.order_by("position")[0].variants.all()
    assert [(v.label, v.weight) for v in variants] == [("A", 30), ("B", 70)]
    assert variants[1].subject == "Last days, {{ first_name }}"


def test_it_refuses_weights_that_do_not_add_up_to_100(marketer_client, draft):
    response = marketer_client.post(track_url(draft), content_post(weights=(50, 40)))

    assert response.status_code == 400
    error = parse(response.content).find("p", "weight-error").text
    assert error == "The weights add up to 90 (50 + 40): they must add up to 100."
    assert [v.weight for v in Variant.objects.filter(track__position=0)] == [50, 50]


@pytest.mark.parametrize("weight", ["fifty", "", "0", "101", "-5", "1e3"])
def test_it_refuses_weights_that_are_not_whole_numbers_from_1_to_100(
    marketer_client, draft, weight
):
    response = marketer_client.post(track_url(draft), content_post(**{"A-weight": weight}))

    assert response.status_code == 400
    variant = parse(response.content).by_id("variant-A")
    assert variant.find("div", "field-weight").find("p", "field-error").text


def test_it_shows_content_errors_next_to_their_field(marketer_client, draft):
    data = content_post(**{"A-subject": "Hi {{ frist_name }}", "B-html_body": "{% if %}"})

    response = marketer_client.post(track_url(draft), data)

    assert response.status_code == 400
    page = parse(response.content)
    subject_error = page.by_id("variant-A").find("div", "field-subject").find("p", "field-error")
    assert "unknown variable {{ frist_name }}" in subject_error.text
    assert "Did you mean {{ first_name }}" in subject_error.text
    assert page.by_id("variant-B").find("div", "field-html_body").find("p", "field-error").text
    assert Variant.objects.get(track__position=0, label="A").subject == CONTENT["subject"]


def test_it_asks_for_the_parts_a_message_needs(marketer_client, draft):
    data = content_post(**{"A-subject": "", "A-text_body": "", "A-html_body": ""})

    page = parse(marketer_client.post(track_url(draft), data).content)

    errors = page.by_id("variant-A")
    assert errors.find("div", "field-subject").find("p", "field-error").text == "Write a subject."
    assert "Write a text body" in errors.find("div", "field-text_body").text


def test_adding_a_variant_splits_the_weights_without_saving(marketer_client, draft):
    response = marketer_client.post(track_url(draft), content_post(action="add_variant"))

    page = parse(response.content)
    weights = [page.by_id(f"id_{label}-weight")["value"] for label in "ABC"]
    assert weights == ["34", "33", "33"]
    assert Variant.objects.filter(track__position=0).count() == 2


def test_removing_a_variant_relabels_the_rest(marketer_client, people, germans):
    campaign = make_campaign(germans, weights=(20, 30, 50))
    data = content_post("ABC", (20, 30, 50), **{"C-subject": "Third", "action": "remove:B"})

    page = parse(marketer_client.post(track_url(campaign), data).content)
    assert page.by_id("id_B-subject")["value"] == "Third"
    assert not page.find_all(id="variant-C")

    saved = content_post("AB", (50, 50), **{"B-subject": "Third"})
    marketer_client.post(track_url(campaign), saved)
    assert list(Variant.objects.values_list("label", "subject")) == [
        ("A", CONTENT["subject"]),
        ("B", "Third"),
    ]


def test_posted_labels_that_make_no_sense_fall_back_to_the_saved_ones(marketer_client, draft):
    data = content_post(**{"label": ["A", "A", "<x>"]})

    response = marketer_client.post(track_url(draft), data)

    assert response.status_code == 302
    assert Variant.objects.filter(track__position=0).count() == 2


# --- preview, counter, test send ---


def test_the_preview_shows_the_text_personalised_for_a_member(marketer_client, draft):
    data = content_post(action="preview:B", **{"B-text_body": "Hallo {{ first_name }}!"})

    response = marketer_client.post(track_url(draft), data, headers={"HX-Request": "true"})

    region = parse(response.content).by_id("preview-B")
    # Ann: the first German with consent (Chloé has none).
    assert region.find("pre", "preview-text").text.startswith("Hallo Ann!")
    assert region.find("p", "preview-subject").text == "Subject: Hello Ann"
    frame = region.find("iframe")
    assert frame["sandbox"] == "" and "Hi Ann!" in frame["srcdoc"]
    assert b"<p>Hi Ann!" not in response.content  # only escaped, inside srcdoc


def test_the_preview_explains_broken_content(marketer_client, draft):
    data = content_post(action="preview:A", **{"A-subject": "{% if %}"})

    response = marketer_client.post(track_url(draft), data, headers={"HX-Request": "true"})

    assert "Fix the content to see it" in parse(response.content).by_id("preview-A").text


def test_a_data_admin_may_preview_the_saved_content(client, data_admin, draft):
    client.force_login(data_admin)

    response = client.post(
        track_url(draft), {"action": "preview:A"}, headers={"HX-Request": "true"}
    )

    assert "Hello Ann" in parse(response.content).by_id("preview-A").text


def test_the_sms_counter_counts_characters_and_segments(marketer_client):
    url = reverse("campaign_sms_count")

    short = parse(marketer_client.post(url, {"field": "A-sms_text", "A-sms_text": "Hi"}).content)
    long = parse(
        marketer_client.post(url, {"field": "B-sms_text", "B-sms_text": "x" * 200}).content
    )
    greek = parse(
        marketer_client.post(url, {"field": "A-sms_text", "A-sms_text": "Γειά σου ✓"}).content
    )

    assert short.find("p", "sms-count")["data-segments"] == "1"
    assert long.find("p", "sms-count")["id"] == "sms-count-B"
    assert long.find("p", "sms-count")["data-segments"] == "2"
    assert "UCS-2" in greek.find("p", "sms-count").text


def test_the_sms_counter_ignores_odd_field_names(marketer_client):
    response = marketer_client.post(reverse("campaign_sms_count"), {"field": "../x"})

    assert response.status_code == 200


def test_an_sms_track_has_a_live_counter(marketer_client, people, germans):
    campaign = make_campaign(name="Texts", channel="sms")
    track = Track.objects.create(campaign=campaign, segment=germans)
    Variant.objects.create(track=track, label="A", sms_text="Hi {{ first_name }}")

    page = parse(marketer_client.get(track_url(campaign)).content)

    textarea = page.by_id("id_A-sms_text")
    assert textarea["hx-post"] == reverse("campaign_sms_count")
    assert json.loads(textarea["hx-vals"]) == {"field": "A-sms_text"}
    assert page.by_id("sms-count-A")["data-segments"] == "1"


def test_a_test_send_mails_the_content_on_screen_and_is_no_delivery(marketer_client, draft):
    data = content_post(action="test", test_variant="B", to="me@agency.example")
    data["B-subject"] = "Test of B for {{ first_name }}"

    response = marketer_client.post(track_url(draft), data)

    assert response.status_code == 200
    assert "not counted as deliveries" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["me@agency.example"]
    assert message.subject == "Test of B for Ann"
    assert "List-Unsubscribe" not in message.extra_headers
    assert "#test-message" in message.body  # the footer's links do nothing
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("to", ["", "not-an-address", "a@b@c"])
def test_a_test_send_needs_an_address(marketer_client, draft, to):
    response = marketer_client.post(track_url(draft), content_post(action="test", to=to))

    assert response.status_code == 400
    assert not mail.outbox


# --- review and launch ---


def test_the_review_shows_the_counts_of_the_plan(marketer_client, draft):
    Campaign.objects.filter(pk=draft.pk).update(holdout_percent=0)
    expected = audience.plan(draft)

    page = parse(marketer_client.get(reverse("campaign_review", args=[draft.pk])).content)

    stat = {el["data-stat"]: el.find("dd").text for el in page.find_all("div", "stat")}
    assert stat["recipients"] == str(expected.recipients)
    assert stat["eligible"] == str(expected.eligible)
    assert stat["holdout"] == str(expected.holdout)
    rows = page.find("table", "review-table").find_all("tr", data_track=True)
    for row, track in zip(rows, expected.tracks, strict=True):
        assert row.find("td", data_eligible=True)["data-eligible"] == str(track.eligible)
        for label, n in track.variants.items():
            assert row.find("li", data_variant=label)["data-count"] == str(n)
    reasons = {
        li["data-reason"]: li["data-count"] for li in page.find("ul", "skip-reasons").find_all("li")
    }
    assert reasons == {k: str(v) for k, v in expected.skipped.items()}
    assert not page.find("button", "button-launch").get("disabled")


def test_the_review_lists_what_stops_a_launch(marketer_client, draft):
    Variant.objects.filter(label="B").update(weight=10)

    page = parse(marketer_client.get(reverse("campaign_review", args=[draft.pk])).content)

    problems = [li.text for li in page.find("div", "launch-problems").find_all("li")]
    assert problems == lifecycle.launch_problems(draft)
    assert "disabled" in page.find("button", "button-launch").attrs


def test_a_launch_with_problems_is_refused(marketer_client, draft):
    Variant.objects.filter(label="B").update(weight=10)

    response = marketer_client.post(reverse("campaign_launch", args=[draft.pk]))

    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.status == "draft" and not Delivery.objects.exists()


def test_launching_freezes_the_audience_and_sends(marketer_client, draft, run_on_commit):
    with run_on_commit():
        response = marketer_client.post(reverse("campaign_launch", args=[draft.pk]))

    assert response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == "sent"
    # Ann (German, first track) and Bruno (second track); Chloé has no consent.
    assert Delivery.objects.filter(campaign=draft).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bruno@example.com"]


def test_a_campaign_with_a_future_time_is_scheduled(marketer_client, draft):
    later = timezone.now() + dt.timedelta(days=1)
    Campaign.objects.filter(pk=draft.pk).update(
        scheduled_at=later, schedule_timezone="Europe/Berlin"
    )

    marketer_client.post(reverse("campaign_launch", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == "scheduled" and not Delivery.objects.exists()
    page = parse(marketer_client.get(draft.get_absolute_url()).content)
    progress = page.by_id("progress")
    assert "Europe/Berlin" in progress.text
    assert progress.find("form", action=reverse("campaign_cancel", args=[draft.pk]))


# --- a launched campaign is read-only ---


@pytest.fixture
def launched(draft) -> Campaign:
    lifecycle.launch(draft)  # tasks are not run: it stays "sending"
    draft.refresh_from_db()
    return draft


def test_a_launched_campaign_refuses_every_edit(marketer_client, launched, germans):
    pk = launched.pk
    posts = [
        (reverse("campaign_edit", args=[pk]), basics(name="Renamed")),
        (reverse("track_add", args=[pk]), {"segment": germans.pk}),
        (track_url(launched), content_post(weights=(10, 90))),
        (reverse("track_remove", args=[pk, launched.tracks.first().pk]), {}),
        (reverse("campaign_launch", args=[pk]), {}),
        (reverse("campaign_delete", args=[pk]), {}),
    ]

    for url, data in posts:
        response = marketer_client.post(url, data)
        assert response.status_code == 303, url

    launched.refresh_from_db()
    assert launched.name == "Spring sale" and launched.tracks.count() == 2
    assert [v.weight for v in Variant.objects.filter(track__position=0)] == [50, 50]


def test_a_launched_campaigns_content_is_shown_read_only(marketer_client, launched):
    page = parse(marketer_client.get(track_url(launched)).content)

    assert "disabled" in page.by_id("id_A-subject").attrs
    assert not page.find_all("button", value="save")


# --- progress and the sending controls ---


def test_the_progress_region_polls_while_sending(marketer_client, launched):
    response = marketer_client.get(launched.get_absolute_url(), headers={"HX-Request": "true"})

    region = parse(response.content).by_id("progress")
    assert region["hx-trigger"] == "every 2s"
    stats = {el["data-stat"]: el.find("dd").text for el in region.find_all("div", "stat")}
    assert stats["frozen"] == "2" and stats["sent"] == "0" and stats["remaining"] == "2"
    assert stats["rate"].startswith("0")
    assert region.find("progress")["value"] == "0"
    assert b"<html" not in response.content


def test_the_progress_region_stops_polling_once_sent(marketer_client, draft, run_on_commit):
    with run_on_commit():
        lifecycle.launch(draft)
    draft.refresh_from_db()

    response = marketer_client.get(draft.get_absolute_url(), headers={"HX-Request": "true"})

    region = parse(response.content).by_id("progress")
    assert "hx-trigger" not in region.attrs
    assert region["data-status"] == "sent"
    stats = {el["data-stat"]: el.find("dd").text for el in region.find_all("div", "stat")}
    assert (stats["sent"], stats["remaining"]) == ("2", "0")
    assert region.find("p", "progress-line").text.startswith("100% done")


def test_the_detail_page_shows_skip_reasons(marketer_client, launched):
    page = parse(marketer_client.get(launched.get_absolute_url()).content)

    reasons = {li["data-reason"]: li.text for li in page.find("ul", "skip-reasons").find_all("li")}
    # Chloé: no consent; Ann and Chloé again in the second track: an earlier track has them.
    assert reasons[audience.NO_CONSENT].endswith(": 1")
    assert reasons[audience.EARLIER_TRACK].endswith(": 2")


def test_pause_resume_and_cancel(marketer_client, launched):
    def post(action: str):
        return marketer_client.post(reverse(f"campaign_{action}", args=[launched.pk]))

    post("pause")
    launched.refresh_from_db()
    assert launched.status == "paused"
    page = parse(marketer_client.get(launched.get_absolute_url()).content)
    assert page.find("form", action=reverse("campaign_resume", args=[launched.pk]))

    post("resume")
    launched.refresh_from_db()
    assert launched.status == "sending"

    response = post("cancel")
    launched.refresh_from_db()
    assert launched.status == "cancelled"
    assert not Delivery.objects.filter(campaign=launched, status="queued").exists()
    assert response["Location"] == launched.get_absolute_url()


def test_a_control_that_does_not_apply_says_so(marketer_client, draft):
    response = marketer_client.post(reverse("campaign_pause", args=[draft.pk]), follow=True)

    assert "Only a campaign that is sending can be paused" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_cancel_asks_first_and_reloads_the_page_for_htmx(marketer_client, launched):
    page = parse(marketer_client.get(launched.get_absolute_url()).content)
    assert page.find("form", action=reverse("campaign_cancel", args=[launched.pk]))["hx-confirm"]

    url = reverse("campaign_cancel", args=[launched.pk])
    response = marketer_client.post(url, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == launched.get_absolute_url()


# --- outbox ---


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    settings.EMAIL_BACKEND = "config.outbox.OutboxBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    return settings.EMAIL_OUTBOX_DIR


def test_the_outbox_lists_and_shows_a_message_with_its_html_sandboxed(
    marketer_client, draft, outbox
):
    html = '<p>Hi</p><script>alert("x")</script>'
    mail.send_mail("Spring", "Hi there", "shop@example.com", ["ann@example.com"], html_message=html)

    listing = parse(marketer_client.get(reverse("outbox_list")).content)
    link = listing.find("tbody").find("a")
    assert link.text == "Spring"

    response = marketer_client.get(link["href"])
    page = parse(response.content)
    frame = page.by_id("message-html")
    # No scripts, no same origin: only links may leave, in a new tab.
    assert set(frame["sandbox"].split()) == {"allow-popups", "allow-popups-to-escape-sandbox"}
    assert frame["srcdoc"] == f'<base target="_blank">{html}'
    assert b"<script>alert" not in response.content
    assert page.find("pre", "message-text").text == "Hi there"
    headers = {row.find("th").text: row.find("td").text for row in page.find_all("tr")}
    assert headers["To"] == "ann@example.com"


def test_the_outbox_pages_newest_first(marketer_client, outbox):
    backend = OutboxBackend()
    for n in range(55):
        backend.send_messages([mail.EmailMessage(f"M{n}", "x", "a@example.com", ["b@example.com"])])

    first = parse(marketer_client.get(reverse("outbox_list")).content)
    second = parse(marketer_client.get(reverse("outbox_list") + "?page=2").content)

    assert first.find("tbody").find("a").text == "M54"
    assert len(second.find("tbody").find_all("tr")) == 5


def test_the_outbox_is_not_there_with_another_backend(marketer_client):
    assert marketer_client.get(reverse("outbox_list")).status_code == 404


@pytest.mark.parametrize("name", ["..", "x", "20250101T120000000000-zzzzzzzzzzzz"])
def test_the_outbox_refuses_odd_or_missing_names(marketer_client, outbox, name):
    assert marketer_client.get(reverse("outbox_message", args=[name])).status_code == 404


def test_the_sms_outbox_lists_messages(marketer_client, settings, tmp_path):
    from campaigns.sms import OutboxSmsBackend, SmsMessage

    settings.SEGMENTA_SMS_BACKEND = "campaigns.sms.OutboxSmsBackend"
    settings.SEGMENTA_SMS_OUTBOX_DIR = tmp_path / "sms"
    OutboxSmsBackend().send_messages([SmsMessage(to="+4915112345678", text="Hi Ann")])

    page = parse(marketer_client.get(reverse("outbox_sms")).content)

    assert page.find("pre", "preview-sms").text == "Hi Ann"
