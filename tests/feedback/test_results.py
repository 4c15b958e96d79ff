"""Results: response rates, NPS (checked against figures worked out by hand), ratings,
choices and free texts, per segment and per variant, and the pages that show them."""

import pytest
from django.urls import reverse

from feedback import results
from feedback.models import QuestionKind
from tests.feedback.builders import (
    answer,
    attach,
    campaign,
    customer,
    deliver,
    make_survey,
    question,
    segment,
)
from tests.htmltree import parse

pytestmark = pytest.mark.django_db

# NPS by hand. Germans: 10 10 9 9 8 7 6 3 2 0 -> 4 promoters, 2 passives, 4 detractors:
# 40% - 40% = 0. French: 10 10 9 8 -> 3, 1, 0: 75% - 0% = 75. All 14: 7 promoters,
# 3 passives, 4 detractors: 50% - 28.57% = 21.43 -> 21.
GERMAN_SCORES = [10, 10, 9, 9, 8, 7, 6, 3, 2, 0]
FRENCH_SCORES = [10, 10, 9, 8]


@pytest.fixture
def study():
    """Two tracks (Germans, French) with variants A and B; 12 Germans and 5 French were sent
    the message, 10 and 4 answered. Variant A goes to even positions, B to odd ones."""
    survey = make_survey()
    survey.nps = question(survey, QuestionKind.NPS, "Recommend us?")
    survey.rating = question(survey, QuestionKind.RATING, "Delivery?", required=False)
    survey.single = question(survey, QuestionKind.SINGLE, "Shop?", False, ["Web", "Store"])
    survey.multiple = question(
        survey, QuestionKind.MULTIPLE, "Bought?", False, ["Shoes", "Bags", "Hats"]
    )
    survey.text = question(survey, QuestionKind.TEXT, "Anything else?", required=False)
    made = campaign(segment("Germans", "DE"), segment("French", "FR"), labels="AB", status="sent")
    attach(survey, made)
    germans, french = made.tracks.order_by("position")
    for i in range(12):
        delivery = deliver(made, customer(f"De{i}", country="DE"), germans, "AB"[i % 2])
        if i < len(GERMAN_SCORES):
            answer(survey, delivery, nps=GERMAN_SCORES[i], rating=1 + i % 5)
    for i in range(5):
        delivery = deliver(made, customer(f"Fr{i}", country="FR"), french, "AB"[i % 2])
        if i < len(FRENCH_SCORES):
            answer(survey, delivery, nps=FRENCH_SCORES[i], rating=5)
    survey.campaign = made
    return survey


def lines_by_label(result) -> dict[str, results.Line]:
    return {line.label: line for line in result.lines}


def nps_result(survey, by=results.SEGMENT):
    found = results.groups(survey, by)
    return results.question_results(survey, by, found, [survey.nps])[0]


def test_nps_per_segment_matches_the_hand_computed_figures(study):
    lines = lines_by_label(nps_result(study))

    assert (lines["Germans"].counts, lines["Germans"].n) == ([4, 2, 4], 10)
    assert lines["Germans"].score == 0
    assert (lines["French"].counts, lines["French"].score) == ([0, 1, 3], 75)
    assert lines["All recipients"].counts == [4, 3, 7]
    assert lines["All recipients"].score == pytest.approx(300 / 14)


def test_nps_of_a_group_without_answers_is_none(study):
    line = results._line(study.nps, "Nobody", ("x",), {}, 0)

    assert (line.n, line.counts, line.score) == (0, [0, 0, 0], None)


def test_nps_per_variant(study):
    lines = lines_by_label(nps_result(study, results.VARIANT))

    # Germans A: 10 9 8 6 2 -> 2 promoters, 1 passive, 2 detractors: 0.
    # Germans B: 10 9 7 3 0 -> 2, 1, 2: 0. French A: 10 9 -> 100. French B: 10 8 -> 50.
    assert list(lines) == [
        "All recipients",
        "Germans · A",
        "Germans · B",
        "French · A",
        "French · B",
    ]
    assert [lines[k].score for k in list(lines)[1:]] == [0, 0, 100, 50]
    assert lines["French · B"].counts == [0, 1, 1]


def test_response_rate_per_segment_and_variant(study):
    by_segment = {g.label: (g.sent, g.responses) for g in results.groups(study, "segment")}
    by_variant = {g.label: (g.sent, g.responses) for g in results.groups(study, "variant")}

    assert by_segment == {"French": (5, 4), "Germans": (12, 10)}
    assert by_variant == {
        "Germans · A": (6, 5),
        "Germans · B": (6, 5),
        "French · A": (3, 2),
        "French · B": (2, 2),
    }
    assert results.total(results.groups(study, "segment")).rate == pytest.approx(14 / 17 * 100)


def test_rating_average_and_distribution(study):
    found = results.groups(study, results.SEGMENT)
    rating = results.question_results(study, results.SEGMENT, found, [study.rating])[0]
    lines = lines_by_label(rating)

    # Germans rated 1 2 3 4 5 1 2 3 4 5: two of each, average 3. French: four 5s.
    assert lines["Germans"].counts == [2, 2, 2, 2, 2] and lines["Germans"].score == 3
    assert lines["French"].counts == [0, 0, 0, 0, 4] and lines["French"].score == 5
    assert lines["All recipients"].score == pytest.approx(50 / 14)
    assert rating.categories == ["1", "2", "3", "4", "5"]


def test_choice_distributions_count_people(study):
    made = study.campaign
    track = made.tracks.get(segment__name="French")
    extra = [deliver(made, customer(f"Fx{i}", country="FR"), track) for i in range(3)]
    answer(study, extra[0], nps=5, single="Web", multiple=["Shoes", "Hats"])
    answer(study, extra[1], nps=5, single="Store", multiple=["Hats"])
    answer(study, extra[2], nps=5, single="Web")
    found = results.groups(study, results.SEGMENT)

    single, multiple = results.question_results(
        study, results.SEGMENT, found, [study.single, study.multiple]
    )

    french = lines_by_label(single)["French"]
    assert (french.n, french.counts) == (3, [2, 1])
    assert french.shares == [pytest.approx(200 / 3), pytest.approx(100 / 3)]
    chosen = lines_by_label(multiple)["French"]
    # Two people answered; shares are of people, so they add up to more than 100%.
    assert (chosen.n, chosen.counts, chosen.shares) == (2, [1, 0, 2], [50, 0, 100])
    assert lines_by_label(multiple)["Germans"].n == 0


def test_free_texts_are_searched_and_filtered_by_segment(study):
    made = study.campaign
    germans, french = made.tracks.order_by("position")
    texts = [(germans, "Fast delivery"), (germans, "Too slow"), (french, "Très rapide, fast!")]
    for i, (track, text) in enumerate(texts):
        delivery = deliver(made, customer(f"T{i}"), track)
        answer(study, delivery, nps=9, text=text)

    def found(segment_id=None, search=""):
        return [a.text for a in results.text_answers(study.text, segment_id, search)]

    assert sorted(found()) == sorted(text for _, text in texts)
    assert sorted(found(search="FAST")) == ["Fast delivery", "Très rapide, fast!"]
    assert found(germans.segment_id, "fast") == ["Fast delivery"]
    assert found(french.segment_id) == ["Très rapide, fast!"]


# --- the pages ---


def test_the_results_page_shows_nps_per_segment_with_chart_and_table(marketer_client, study):
    response = marketer_client.get(reverse("survey_results", args=[study.pk]))

    page = parse(response.content)
    section = page.find("section", id=f"result-{study.nps.pk}")
    table = section.find("table")
    nps = {
        row["data-group"]: row.find("td", data_nps=True).text for row in table.find_all("tr")[1:]
    }
    assert nps == {"All recipients": "21", "Germans": "0", "French": "75"}
    chart = section.find("svg")
    assert chart["role"] == "img"
    assert chart.find("title").text == "Question 1: Recommend us?"
    assert "French: Promoters (9-10) 3 (75%)" in [t.text for t in chart.find_all("title")]
    rates = {
        row["data-group"]: row.find("td", data_rate=True).text
        for row in page.find("table", id="rate-table").find_all("tr")[1:]
    }
    assert rates == {"French": "80.0%", "Germans": "83.3%"}


def test_the_results_page_per_variant(marketer_client, study):
    url = reverse("survey_results", args=[study.pk]) + "?by=variant"

    page = parse(marketer_client.get(url).content)

    groups = [row["data-group"] for row in page.find("table", id="rate-table").find_all("tr")[1:]]
    assert groups == ["Germans · A", "Germans · B", "French · A", "French · B"]
    assert page.find("nav", class_="grouping").find("a", aria_current="page").text == "Per variant"


def test_the_results_page_of_a_survey_without_sends(marketer_client):
    survey = make_survey()
    question(survey, QuestionKind.NPS)

    response = marketer_client.get(reverse("survey_results", args=[survey.pk]))

    assert response.status_code == 200
    assert "No message with this survey's link has been sent yet" in response.content.decode()


def test_one_question_with_the_segments_side_by_side(marketer_client, study):
    url = reverse("question_results", args=[study.pk, study.nps.pk])

    table = parse(marketer_client.get(url).content).find("table", id="side-by-side")

    heads = [th.text for th in table.find("thead").find_all("th")]
    assert heads == ["Answer", "All recipients", "French", "Germans"]
    rows = {
        tr.find("th").text: [td.text for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]
    }
    assert rows["Promoters (9-10)"] == ["7 (50%)", "3 (75%)", "4 (40%)"]
    assert rows["NPS"] == ["21", "75", "0"]


def test_text_answers_page_searches_filters_and_pages(marketer_client, study, settings):
    made = study.campaign
    germans = made.tracks.get(segment__name="Germans")
    for i in range(30):
        answer(study, deliver(made, customer(f"W{i}"), germans), nps=9, text=f"Answer {i}")
    url = reverse("question_results", args=[study.pk, study.text.pk])

    first = parse(marketer_client.get(url).content)
    assert first.find("p", class_="result-count").text == "30 answers"
    assert len(first.find_all("li", class_="answer-item")) == 25
    assert first.find("a", rel="next")

    region = marketer_client.get(
        url, {"q": "Answer 1", "segment": germans.segment_id}, headers={"HX-Request": "true"}
    )
    found = parse(region.content)
    assert found.find("div", id="answers")
    assert found.find("p", class_="result-count").text == "11 answers match"  # 1, 10-19
    french = made.tracks.get(segment__name="French").segment_id
    none = parse(marketer_client.get(url, {"segment": french}).content)
    assert none.find("p", class_="result-count").text == "0 answers match"


def test_customer_names_in_answers_are_escaped(marketer_client, study):
    made = study.campaign
    person = customer("<script>x</script>")
    answer(study, deliver(made, person), nps=1, text="<b>bold</b>")
    url = reverse("question_results", args=[study.pk, study.text.pk])

    html = marketer_client.get(url).content.decode()

    assert "<script>x</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
