"""The demo a fresh `make run` shows: a finished A/B campaign with results and a survey with
answers, made once and only on the demo customers bootstrap_demo loads."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, CampaignResult, DeliveryStatus
from feedback.models import Response, Survey
from segmentation.customers.models import Customer
from tests.htmltree import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("bootstrap_demo", customers=600, orders=1500, stdout=out)
    return out.getvalue()


def test_bootstrap_makes_a_sent_campaign_with_results_and_answers(demo):
    campaign = Campaign.objects.get(name="Spring sale (demo)")

    sent = campaign.deliveries.filter(status=DeliveryStatus.SENT)
    assert campaign.status == "sent" and sent.count() > 300
    assert campaign.deliveries.filter(status=DeliveryStatus.HOLDOUT).exists()
    assert sent.filter(converted_at__isnull=False).exists()  # orders credited by attribution
    assert Response.objects.filter(survey__name__endswith="(demo)").count() > 20
    data = CampaignResult.objects.get(campaign=campaign).data
    assert sum(data["extra"]["survey_responses"].values()) == Response.objects.count()
    assert "Demo campaign 'Spring sale (demo)'" in demo


def test_its_results_and_survey_pages_show_figures(demo, client):
    client.force_login(User.objects.get(username="marketer"))  # the demo's marketer
    campaign = Campaign.objects.get(name="Spring sale (demo)")
    survey = Survey.objects.get()

    page = parse(client.get(reverse("campaign_results", args=[campaign.pk])).content)
    answers = client.get(reverse("survey_results", args=[survey.pk]))

    assert len(page.find_all(class_="verdict")) >= 2
    assert answers.status_code == 200 and "Customers in Germany (demo)" in answers.content.decode()


def test_it_is_made_once():
    call_command("bootstrap_demo", customers=100, orders=200, stdout=StringIO())
    out = StringIO()

    call_command("demo_campaign", stdout=out)

    assert Campaign.objects.count() == 1 and Survey.objects.count() == 1
    assert "exists already" in out.getvalue()


def test_existing_customers_get_no_demo_campaign():
    Customer.objects.create(email="real@example.com")

    call_command("bootstrap_demo", stdout=StringIO())  # customers exist: no demo data

    assert not Campaign.objects.exists()
