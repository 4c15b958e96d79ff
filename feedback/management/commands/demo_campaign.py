"""Demo results for a fresh installation: a finished A/B campaign (campaigns.demo) and its
survey with answers (feedback.demo). Lives in feedback because it needs both apps."""

from django.core.management.base import BaseCommand

from campaigns import results
from campaigns.demo import make_demo_campaign
from feedback.demo import make_demo_survey


class Command(BaseCommand):
    help = "Make the demo campaign, its results and its survey, once (on demo customers)."

    def handle(self, *args, **options) -> None:
        campaign = make_demo_campaign()
        if campaign is None:
            self.stdout.write("Demo campaign: exists already, or nobody to send it to.")
            return
        survey = make_demo_survey(campaign)
        results.refresh(campaign)  # with the survey responses
        sent = campaign.deliveries.filter(status="sent").count()
        answered = survey.responses.count() if survey else 0
        self.stdout.write(
            f"Demo campaign '{campaign.name}': {sent:,} messages, {answered:,} survey answers."
        )
