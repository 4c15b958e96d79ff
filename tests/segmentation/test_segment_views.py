"""Segment pages: list with cached sizes and starters, the builder and its preview region,
saving, deleting, recounting, the estimate-then-exact path and the overlap matrix."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from segmentation.customers import rfm
from segmentation.customers.models import ConsentStatus, Customer, StatsSnapshot
from segmentation.segments import preview as preview_module
from segmentation.segments import tasks
from segmentation.segments.models import Segment
from segmentation.segments.tree import members
from segmentation.segments.views import EXACT_POLLS, overlap_matrix
from tests.htmltree import parse

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
GRANTED, NONE = ConsentStatus.GRANTED, ConsentStatus.NONE

# name, country, gender, total spent, orders, email consent, phone + sms consent
PEOPLE = [
    ("Ann", "DE", "female", "120.00", 3, True, False),
    ("Ben", "DE", "male", "40.00", 1, True, True),
    ("Cem", "AT", "male", "0.00", 0, False, True),
    ("Dana", "FR", "female", "300.00", 6, True, False),
    ("Emil", "DE", "male", "10.00", 1, False, False),
    ("Fay", "AT", "female", "75.50", 2, True, True),
]


@pytest.fixture
def people(db) -> dict[str, Customer]:
    made = {}
    for i, (name, country, gender, spent, orders, email, sms) in enumerate(PEOPLE):
        made[name] = Customer.objects.create(
            first_name=name, email=f"{name.lower()}@example.com", country=country, gender=gender,
            total_spent=Decimal(spent), order_count=orders, birth_date=dt.date(1980 + 3 * i, 5, 1),
            email_consent=GRANTED if email else NONE,
            phone=f"+4915112345{i:03}" if sms else "", sms_consent=GRANTED if sms else NONE,
        )  # fmt: skip
    return made


def group(*children, op="and", negate=False) -> dict:
    return {"type": "group", "op": op, "negate": negate, "children": list(children)}


def cond(field: str, op: str, value=None) -> dict:
    return {"type": "condition", "field": field, "op": op, "value": value}


GERMANS = group(cond("country", "in", ["DE"]))


def _segment(name: str, definition: dict, **extra) -> Segment:
    return Segment.objects.create(name=name, definition=definition, **extra)


def _preview(client, data: dict, trigger_name: str = "n.0.value"):
    headers = {**HTMX, "HX-Trigger-Name": trigger_name}
    response = _post(client, reverse("segment_preview"), data, headers=headers)
    assert response.status_code == 200
    return response


def _form(definition_data: str) -> QueryDict:
    """Form data written as a query string, e.g. "n.type=group&n.0.type=condition..."."""
    return QueryDict(definition_data, mutable=True)


def _post(client, url: str, data: QueryDict, **kwargs):
    # The test client sends a dict's lists as repeated fields; a QueryDict's items() would
    # send only the last value of each.
    return client.post(url, dict(data.lists()), **kwargs)


def _shown_count(page) -> int:
    return int(page.find("span", data_count=True)["data-count"])


# --- list -----------------------------------------------------------------------------------


def test_it_lists_segments_with_their_cached_sizes(marketer_client):
    counted = timezone.now() - dt.timedelta(minutes=12)
    _segment(
        "Germans", GERMANS, size=1234, reachable_email=800, reachable_sms=3, counted_at=counted
    )
    _segment("Fresh", group(), description="New ones")

    page = parse(marketer_client.get(reverse("segment_list")).content)
    rows = page.find("tbody").find_all("tr")

    assert [row.find("a").text for row in rows] == ["Fresh", "Germans"]
    assert "not counted yet" in rows[0].text
    assert "New ones" in rows[0].text
    assert rows[1].find("td", data_size="1234").text == "1,234"
    assert "12 minutes ago" in rows[1].text
    assert "800" in rows[1].text


def test_it_pages_the_list_by_fifty(marketer_client):
    Segment.objects.bulk_create(Segment(name=f"S{i:03}", definition=group()) for i in range(55))

    first = parse(marketer_client.get(reverse("segment_list")).content)
    second = parse(marketer_client.get(reverse("segment_list"), {"page": 2}).content)

    assert len(first.find("tbody").find_all("tr")) == 50
    assert [r.find("a").text for r in second.find("tbody").find_all("tr")][0] == "S050"


def test_an_empty_list_offers_the_starter_segments(marketer_client, people):
    page = parse(marketer_client.get(reverse("segment_list")).content)
    offered = [i["value"] for i in page.find_all("input", type="hidden", name="name")]

    assert page.find("h2").text == "No segments yet"
    assert offered == [name for name, _, _ in rfm.starter_definitions()]
    assert "Loyal, large basket" in offered


def test_a_starter_is_created_counted_and_opened(marketer_client, people, run_on_commit):
    with run_on_commit():
        response = marketer_client.post(
            reverse("segment_starters"), {"name": "Loyal, small basket"}
        )

    segment = Segment.objects.get(name="Loyal, small basket")
    assert response.status_code == 302
    assert response["Location"] == segment.get_absolute_url()
    assert segment.size == members(segment.definition).count()
    assert segment.counted_at is not None


def test_a_starter_is_not_created_twice(marketer_client, people):
    _segment("Loyal, small basket", group())

    response = marketer_client.post(
        reverse("segment_starters"), {"name": "Loyal, small basket"}, follow=True
    )

    assert Segment.objects.filter(name="Loyal, small basket").count() == 1
    assert "already exists" in parse(response.content).find("ul", class_="messages").text


def test_an_unknown_starter_is_a_bad_request(marketer_client):
    assert marketer_client.post(reverse("segment_starters"), {"name": "Nope"}).status_code == 400


def test_recount_counts_in_the_background_and_keeps_updated_at(
    marketer_client, people, run_on_commit
):
    segment = _segment("Germans", GERMANS)
    updated = segment.updated_at

    with run_on_commit():
        response = marketer_client.post(reverse("segment_recount", args=[segment.pk]))

    segment.refresh_from_db()
    assert response.status_code == 302
    assert (segment.size, segment.reachable_email, segment.reachable_sms) == (3, 2, 1)
    germans = members(segment.definition)
    spent = [float(c.total_spent) for c in germans]
    assert segment.average_spent == pytest.approx(sum(spent) / len(spent))
    assert segment.average_orders == pytest.approx(sum(c.order_count for c in germans) / 3)
    assert segment.counted_at is not None
    assert segment.updated_at == updated


def test_the_recount_task_skips_deleted_and_broken_segments(people):
    broken = _segment("Broken", group(cond("nope", "eq", 1)))

    assert tasks.recount_segment(999_999) is False
    assert tasks.recount_segment(broken.pk) is False
    assert Segment.objects.get(pk=broken.pk).size is None


def test_the_periodic_recount_counts_every_segment(people, eager_tasks):
    _segment("Germans", GERMANS)
    _segment("Everyone", group())

    assert tasks.recount_segments.delay().get() == 2
    assert dict(Segment.objects.values_list("name", "size")) == {"Germans": 3, "Everyone": 6}


def test_beat_recounts_segments_periodically():
    entry = django_settings.CELERY_BEAT_SCHEDULE["recount-segments"]

    assert entry["task"] == tasks.recount_segments.name


# --- builder: structure ---------------------------------------------------------------------


def test_the_new_page_previews_every_customer(marketer_client, people):
    page = parse(marketer_client.get(reverse("segment_new")).content)

    assert _shown_count(page) == 6
    assert page.find("input", name="n.type")["value"] == "group"
    assert (
        len(page.by_id("preview").find("table", class_="sample").find("tbody").find_all("tr")) == 6
    )


def test_edits_round_trip_through_the_page_without_javascript(marketer_client, people):
    url = reverse("segment_new")
    data = _form("name=&n.type=group&n.op=and")

    def post(action: str, **more) -> dict:
        data.update({"action": action, **more})
        page = parse(_post(marketer_client, url, data).content)
        form = page.by_id("segment-form")
        fresh = _form("")
        for element in form.find_all("input") + form.find_all("select"):
            name = element.get("name")
            if not name or name in ("action", "save", "refresh"):
                continue
            if element.tag == "select":
                chosen = [o for o in element.find_all("option") if "selected" in o.attrs]
                fresh.appendlist(name, (chosen or element.find_all("option"))[0]["value"])
            elif element.get("type") != "checkbox" or "checked" in element.attrs:
                fresh.appendlist(name, element.get("value") or "")
        data.clear()
        data.update(fresh)
        return page

    post("add_condition:n")
    post("add_group:n")
    data.update({"n.0.field": "country", "n.1.0.field": "gender", "n.1.negate": "on"})
    page = post("add_condition:n.1")
    assert {e["name"] for e in page.find_all("select")} >= {
        "n.0.field",
        "n.1.0.field",
        "n.1.1.field",
        "n.1.op",
    }
    data.update({"n.0.value": "de", "n.1.0.value": "female", "n.1.1.field": "order_count"})
    page = post("remove:n.1.1")

    assert page.find("input", name="n.0.value")["value"] == "DE"
    assert "checked" in page.find("input", name="n.1.negate").attrs
    assert not page.find_all("select", name="n.1.1.field")
    # Germans who are not women: Ben, Emil.
    assert _shown_count(page) == 2


def test_a_structural_edit_redraws_the_rules_out_of_band(marketer_client, people):
    response = _preview(
        marketer_client, _form("n.type=group&n.op=and&action=add_group:n"), trigger_name="action"
    )
    page = parse(response.content)

    assert page.by_id("rules")["hx-swap-oob"] == "true"
    assert page.find("fieldset", id="n-0")
    assert page.by_id("preview")
    assert "Group 1: This group" not in page.by_id("preview").text


def test_the_country_input_suggests_the_known_countries(marketer_client, people):
    StatsSnapshot.objects.create(countries=[["DE", 3], ["AT", 2]])
    data = _form("n.type=group&n.0.type=condition&n.0.field=country")

    page = parse(_preview(marketer_client, data, trigger_name="n.0.field").content)

    assert page.find("input", name="n.0.value")["list"] == "country-list"
    options = page.by_id("country-list").find_all("option")
    assert [(o["value"], o.text) for o in options] == [("DE", "Germany"), ("AT", "Austria")]


def test_a_value_edit_updates_the_preview_and_the_problems_only(marketer_client, people):
    data = _form("n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=")
    page = parse(_preview(marketer_client, data).content)

    assert not page.find_all(id="rules")
    slot = page.by_id("problems-n-0")
    assert slot["hx-swap-oob"] == "true"
    assert slot.text == "Country: enter a value."
    assert "Rule 1: Country: enter a value." in page.by_id("preview").text


def test_the_preview_region_shows_what_the_rules_select(marketer_client, people):
    definition = "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=DE"
    page = parse(_preview(marketer_client, _form(definition)).content)
    preview = page.by_id("preview")
    expected = members(GERMANS)

    assert _shown_count(preview) == expected.count() == 3
    assert "50% of 6 customers" in preview.find(data_stat="members").text
    assert preview.find(data_stat="email").find("dd").text == "2"
    assert preview.find(data_stat="sms").find("dd").text == "1"
    links = {
        row.find("a")["href"] for row in preview.find("table", class_="sample").find_all("tr")[1:]
    }
    assert links == {reverse("customer_detail", args=[c.pk]) for c in expected}
    # Ann 120, Ben 40, Emil 10: mean 56.67; all six: mean 90.92.
    spent = preview.find("tr", data_stat="total_spent").find_all("td")
    assert spent[0].text.startswith("56.67 ±")
    assert spent[1].text.startswith("90.92 ±")
    assert "Germany 3 · 100%" in preview.find("ol", data_list="segment").text


def test_the_preview_warns_about_small_segments(marketer_client, people, settings):
    settings.SEGMENTA_SEGMENT_MIN_SIZE = 5
    definition = "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=AT"

    preview = parse(_preview(marketer_client, _form(definition)).content).by_id("preview")

    assert "too small to be worth a campaign" in preview.find("ul", class_="warnings").text


def test_invalid_rules_are_explained_next_to_the_rule_and_on_top(marketer_client, people):
    data = _form(
        "n.type=group&n.0.type=group&n.0.op=or&n.0.0.type=condition&n.0.0.field=age"
        "&n.0.0.op=between&n.0.0.value=50&n.0.0.value=20"
    )

    page = parse(_post(marketer_client, reverse("segment_new"), data).content)

    assert page.by_id("problems-n-0-0").text == "Age: the lower bound is above the upper bound."
    assert "Rule 1.1: Age: the lower bound" in page.by_id("preview").text
    assert not page.find_all("span", data_count=True)


# --- saving and deleting ---------------------------------------------------------------------


def _save_data(name: str, definition_query: str) -> dict:
    data = _form(definition_query)
    data.update({"name": name, "description": "From the test", "save": "1"})
    return data


def test_it_saves_a_segment_with_its_exact_size(marketer_client, marketer, people):
    data = _save_data(
        "Germans", "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=de"
    )

    response = _post(marketer_client, reverse("segment_new"), data)

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("segment_list")
    assert (segment.name, segment.created_by) == ("Germans", marketer)
    assert segment.definition == GERMANS
    assert (segment.size, segment.reachable_email, segment.reachable_sms) == (3, 2, 1)
    assert segment.counted_at is not None


def test_it_saves_changes_to_an_existing_segment(marketer_client, people):
    segment = _segment("Germans", GERMANS)
    data = _save_data(
        "Austrians", "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=AT"
    )

    assert _post(marketer_client, segment.get_absolute_url(), data).status_code == 302

    segment.refresh_from_db()
    assert (segment.name, segment.size) == ("Austrians", 2)
    assert segment.definition["children"][0]["value"] == ["AT"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the segment a name."), ("germans", "There is already a segment called 'germans'")],
)
def test_it_refuses_a_missing_or_taken_name(marketer_client, people, name, message):
    _segment("Germans", GERMANS)

    response = _post(marketer_client, reverse("segment_new"), _save_data(name, "n.type=group"))

    assert response.status_code == 400
    assert message in parse(response.content).find("div", class_="save-errors").text
    assert Segment.objects.count() == 1


def test_it_refuses_to_save_rules_with_problems(marketer_client, people):
    data = _save_data("Broken", "n.type=group&n.0.type=condition&n.0.field=age&n.0.op=gte")

    response = _post(marketer_client, reverse("segment_new"), data)

    assert response.status_code == 400
    assert (
        "Rule 1: Age: enter a value."
        in parse(response.content).find("div", class_="save-errors").text
    )
    assert not Segment.objects.exists()


def test_it_refuses_a_cycle_between_segments(marketer_client, people):
    first = _segment("First", GERMANS)
    second = _segment("Second", group(cond("segment", "in", [str(first.pk)])))
    data = _save_data(
        "First",
        f"n.type=group&n.0.type=condition&n.0.field=segment&n.0.op=in&n.0.value={second.pk}",
    )

    response = _post(marketer_client, first.get_absolute_url(), data)

    assert response.status_code == 400
    assert (
        "cannot refer to themselves"
        in parse(response.content).find("div", class_="save-errors").text
    )
    first.refresh_from_db()
    assert first.definition == GERMANS


def test_a_data_admin_may_look_but_not_save(client, data_admin, people):
    segment = _segment("Germans", GERMANS)
    client.force_login(data_admin)

    page = parse(client.get(segment.get_absolute_url()).content)

    assert not page.find_all("button", name="save")
    assert (
        _post(client, segment.get_absolute_url(), _save_data("X", "n.type=group")).status_code
        == 403
    )


def test_a_stored_definition_of_any_shape_opens_in_the_builder(marketer_client, people):
    segment = _segment(
        "Odd",
        {
            "type": "group",
            "children": [7, {"type": "condition", "field": "age", "op": "gte", "value": {"x": 1}}],
        },
    )

    response = marketer_client.get(segment.get_absolute_url())

    assert response.status_code == 200
    assert "Age:" in parse(response.content).by_id("problems-n-0").text


def test_delete_asks_first_then_deletes(marketer_client, people):
    segment = _segment("Germans", GERMANS)

    page = parse(marketer_client.get(reverse("segment_delete", args=[segment.pk])).content)
    response = marketer_client.post(reverse("segment_delete", args=[segment.pk]))

    assert page.find("button", class_="button-danger").text == "Delete segment"
    assert response.status_code == 302
    assert not Segment.objects.exists()


def test_delete_is_refused_while_another_segment_refers_to_it(marketer_client, people):
    segment = _segment("Germans", GERMANS)
    _segment(
        "Rich Germans",
        group(cond("segment", "in", [str(segment.pk)]), cond("total_spent", "gte", 100)),
    )
    nested = group(group(cond("segment", "not_in", [segment.pk]), op="or"))
    _segment("Not Germans", nested)

    response = marketer_client.post(reverse("segment_delete", args=[segment.pk]))
    page = parse(response.content)

    assert response.status_code == 409
    assert (
        "'Germans' is used by 'Not Germans', 'Rich Germans'"
        in page.find("ul", class_="messages").text
    )
    assert Segment.objects.filter(pk=segment.pk).exists()


# --- estimate, then exact -----------------------------------------------------------------------


@pytest.fixture
def over_budget(monkeypatch, eager_tasks):
    """The exact count "runs out of time": the preview shows the planner's estimate (42)."""
    monkeypatch.setattr(preview_module, "budgeted", lambda run, budget: None)
    monkeypatch.setattr(preview_module, "planner_estimate", lambda q, facts=False: 42)


def test_an_estimate_is_labelled_and_then_replaced_by_the_exact_figures(
    marketer_client, people, over_budget
):
    definition = "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=DE"
    preview = parse(_preview(marketer_client, _form(definition)).content).by_id("preview")
    poller = preview.find("div", class_="poller")

    assert preview.find("span", class_="estimate").text == "≈ 42"
    assert preview.find("span", class_="estimate-label").text == "(estimate)"
    assert poller["hx-trigger"] == "load delay:1s"

    response = marketer_client.get(poller["hx-get"], headers=HTMX)
    figures = parse(response.content).by_id("figures")

    assert response["HX-Retarget"] == "#figures"
    assert int(figures.find("span", data_count=True)["data-count"]) == 3
    assert not figures.find_all("span", class_="estimate")
    assert figures.find(data_stat="email").find("dd").text == "2"


def test_an_estimate_comes_without_members_and_the_exact_figures_bring_them(
    marketer_client, people, over_budget
):
    definition = "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=DE"
    preview = parse(_preview(marketer_client, _form(definition)).content).by_id("preview")

    # Finding 20 members of a draft past the budget can cost as much as counting it.
    assert not preview.find_all("table", class_="sample")
    assert "with some of the members" in preview.find("p", class_="estimate-note").text

    poller = preview.find("div", class_="poller")
    figures = parse(marketer_client.get(poller["hx-get"], headers=HTMX).content).by_id("figures")
    rows = figures.find("table", class_="sample").find("tbody").find_all("tr")

    germans = {people[name].pk for name in ("Ann", "Ben", "Emil")}
    assert {int(row["data-id"]) for row in rows} == germans


def test_a_sample_member_erased_before_the_poll_is_left_out(marketer_client, people, over_budget):
    definition = "n.type=group&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=DE"
    preview = parse(_preview(marketer_client, _form(definition)).content).by_id("preview")
    people["Ben"].delete()

    poller = preview.find("div", class_="poller")
    figures = parse(marketer_client.get(poller["hx-get"], headers=HTMX).content).by_id("figures")
    rows = figures.find("table", class_="sample").find("tbody").find_all("tr")

    assert {int(row["data-id"]) for row in rows} == {people["Ann"].pk, people["Emil"].pk}


def test_the_poll_gives_up_after_a_minute_and_offers_to_try_again(marketer_client):
    url = reverse("segment_exact", args=["a" * 32])

    waiting = parse(marketer_client.get(url, {"try": 3}).content).find("div", class_="poller")
    stopped = parse(marketer_client.get(url, {"try": EXACT_POLLS + 1}).content)

    assert waiting["hx-get"].endswith("?try=4")
    assert "not available yet" in stopped.text
    assert stopped.find("button")["hx-get"].endswith("?try=1")
    assert "hx-trigger" not in stopped.find("div", class_="poller").attrs


def test_the_poll_refuses_malformed_keys(marketer_client):
    assert marketer_client.get(reverse("segment_exact", args=["nope"])).status_code == 404


# --- overlap ------------------------------------------------------------------------------------


def test_the_overlap_matrix_counts_pairs_by_hand(marketer_client, people):
    germans = _segment("Germans", GERMANS)  # Ann, Ben, Emil
    emailable = _segment("Emailable", group(cond("reachable_email", "is_true")))  # Ann Ben Dana Fay
    women = _segment("Women", group(cond("gender", "in", ["female"])))  # Ann Dana Fay

    figures = overlap_matrix([germans, emailable, women])
    pairs = {(p["a"].name, p["b"].name): p for p in figures["pairs"]}

    assert [row["size"] for row in figures["rows"]] == [3, 4, 3]
    assert pairs[("Germans", "Emailable")]["both"] == 2
    assert pairs[("Germans", "Emailable")]["jaccard"] == pytest.approx(2 / 5)
    assert pairs[("Germans", "Emailable")]["share_of_a"] == pytest.approx(2 / 3)
    assert pairs[("Germans", "Emailable")]["share_of_b"] == pytest.approx(2 / 4)
    assert pairs[("Emailable", "Women")]["jaccard"] == pytest.approx(3 / 4)
    assert pairs[("Germans", "Women")]["both"] == 1
    assert figures["pairs"][0]["b"].name == "Women"  # most similar first


def test_the_overlap_page_shows_the_matrix(marketer_client, people):
    germans = _segment("Germans", GERMANS)
    women = _segment("Women", group(cond("gender", "in", ["female"])))

    page = parse(marketer_client.get(reverse("segment_overlap")).content)
    cell = page.find("td", data_a=str(germans.pk), data_b=str(women.pk))

    assert cell["data-both"] == "1"
    assert cell["data-jaccard"] == "0.2000"
    assert len(page.find("table", class_="overlap-pairs").find("tbody").find_all("tr")) == 1


def test_the_overlap_page_refuses_more_than_twenty(marketer_client):
    ids = [_segment(f"S{i}", group()).pk for i in range(21)]

    page = parse(marketer_client.get(reverse("segment_overlap"), {"chosen": 1, "s": ids}).content)

    assert "compare at most 20" in page.find("div", class_="overlap-error").text
    assert not page.find_all("table")


def test_the_overlap_page_defaults_to_the_ten_latest(marketer_client):
    for i in range(12):
        _segment(f"S{i:02}", group())

    page = parse(marketer_client.get(reverse("segment_overlap")).content)
    ticked = [i["value"] for i in page.find_all("input", type="checkbox") if "checked" in i.attrs]

    assert len(ticked) == 10
    assert len(page.find("table", class_="overlap-matrix").find("tbody").find_all("tr")) == 10


# --- never a 500 ----------------------------------------------------------------------------------

KEYS = st.sampled_from(["n", "n.0", "n.1", "n.0.0", "n.0.1", "n.2.3", "n.0.0.0"])
SUFFIXES = st.sampled_from(
    ["type", "op", "negate", "field", "prev_field", "prev_op", "value", "value.count",
     "value.days", "value.amount", "value.hours"]
)  # fmt: skip
WORDS = st.sampled_from(
    ["group", "condition", "and", "or", "on", "in", "not_in", "between", "gte", "eq", "any_of",
     "at_least", "has", "is_true", "is_set", "in_last_days", "before", "country", "age",
     "gender", "orders_in_window", "spent_in_window", "open_cart", "interests", "segment",
     "city", "customer_since", "topic", "rfm_tier", "total_spent", "DE", "30", "-1", "1e9",
     "2024-02-30", "0", "99999999999999999999", ""]
)  # fmt: skip
VALUES = st.one_of(WORDS, st.text(max_size=12))


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(KEYS, SUFFIXES, VALUES), max_size=25),
    st.sampled_from(["", "add_condition:n", "add_group:n.0", "remove:n.0", "down:n.0", "x"]),
    st.booleans(),
)
def test_no_posted_form_data_gives_a_server_error(marketer_client, people, items, action, save):
    data = _form("n.type=group")
    for key, suffix, value in items:
        data.appendlist(f"{key}.{suffix}", value.replace("\x00", ""))
    data.update({"action": action, "name": "Fuzz"} if action else {"name": "Fuzz"})
    if save:
        data["save"] = "1"

    for url, headers in [
        (reverse("segment_preview"), {**HTMX, "HX-Trigger-Name": "n.0.field"}),
        (reverse("segment_new"), {}),
    ]:
        response = _post(marketer_client, url, data, headers=headers)
        assert response.status_code in (200, 302, 400)
    Segment.objects.all().delete()


def test_the_shown_count_matches_the_members_for_every_starter(marketer_client, people):
    for name, _, definition in rfm.starter_definitions():
        page = parse(marketer_client.get(_segment(name, definition).get_absolute_url()).content)
        assert _shown_count(page) == members(definition).count(), name


def test_counts_in_the_preview_are_not_an_estimate_on_this_database(marketer_client, people):
    page = parse(marketer_client.get(reverse("segment_new")).content)

    assert not page.find_all("span", class_="estimate")
    assert re.search(r"100% of 6 customers", page.by_id("preview").text)
