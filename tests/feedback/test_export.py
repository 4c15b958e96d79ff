"""Exporting responses to CSV and XLSX: one row per response, one column per question, and
nothing a spreadsheet program would run as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.feedback.builders import (
    answer,
    attach,
    campaign,
    customer,
    deliver,
    every_kind,
    make_survey,
    segment,
)

pytestmark = pytest.mark.django_db
FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rcmd"]


@pytest.fixture
def survey():
    made = make_survey("Shop survey")
    every_kind(made)
    sent = campaign(segment("Germans", "DE"), labels="AB", status="sent")
    attach(made, sent)
    track = sent.tracks.get()
    ann = deliver(sent, customer("Ann", external_id="C-1"), track, "A")
    bob = deliver(sent, customer("Bob"), track, "B")
    answer(made, ann, nps=9, rating=4, single="Store", multiple=["Shoes", "Hats"], text="Nice")
    answer(made, bob, nps=2, rating=1, single="Web", multiple=["Bags"])
    return made


def csv_rows(client, survey) -> list[list[str]]:
    response = client.get(reverse("survey_export", args=[survey.pk]), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="survey-{survey.pk}-responses.csv"'
    )
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_it_exports_one_row_per_response_and_a_column_per_question(marketer_client, survey):
    rows = csv_rows(marketer_client, survey)

    assert rows[0] == [
        "response", "submitted_at", "updated_at", "campaign", "segment", "variant",
        "customer_email", "customer_external_id",
        "Q1. How likely are you to recommend us?", "Q2. How was the delivery?",
        "Q3. Which shop?", "Q4. What did you buy?", "Q5. Anything else?",
    ]  # fmt: skip
    assert [row[3:] for row in rows[1:]] == [
        ["Spring survey", "Germans", "A", "ann@example.com", "C-1", "9", "4", "Store",
         "Shoes; Hats", "Nice"],
        ["Spring survey", "Germans", "B", "bob@example.com", "", "2", "1", "Web", "Bags", ""],
    ]  # fmt: skip


@pytest.mark.parametrize("formula", FORMULAS)
def test_it_neutralises_formulas_in_csv(marketer_client, survey, formula):
    sent = survey.attachments.get().track.campaign
    answer(survey, deliver(sent, customer("Eve", external_id="=ID()")), nps=5, text=formula)

    row = csv_rows(marketer_client, survey)[-1]

    assert row[-1] == "'" + formula
    assert row[7] == "'=ID()"  # imported data is neutralised as well


def test_it_exports_xlsx_with_numbers_and_neutralised_formulas(marketer_client, survey):
    sent = survey.attachments.get().track.campaign
    answer(survey, deliver(sent, customer("Eve")), nps=0, text="=1+2")

    response = marketer_client.get(reverse("survey_export", args=[survey.pk]), {"format": "xlsx"})

    assert response["Content-Disposition"].endswith(f'filename="survey-{survey.pk}-responses.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Responses"
    assert len(rows) == 4
    assert rows[1][8:10] == (9, 4)  # scores stay numbers
    assert rows[3][8] == 0 and rows[3][-1] == "'=1+2"
    assert all(not isinstance(v, str) or not v.startswith("=") for row in rows for v in row)


def test_it_refuses_other_formats(marketer_client, survey):
    response = marketer_client.get(reverse("survey_export", args=[survey.pk]), {"format": "pdf"})

    assert response.status_code == 404
