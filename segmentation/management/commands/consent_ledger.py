from django.core.management.base import BaseCommand, CommandError

from segmentation.consent import audit


class Command(BaseCommand):
    help = "Print the consent ledger for one email address or phone number as CSV (for audits)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address", help="email address or E.164 phone number")

    def handle(self, *args, address: str, **options) -> None:
        events = audit.events_for_address(address)
        if not events.exists():
            raise CommandError(f"No consent events for {address}.")
        self.stdout.write(audit.as_csv(events), ending="")
