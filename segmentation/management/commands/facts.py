"""Check, mend or compact the segment preview's facts table.

manage.py facts            # how many customers' rows differ from their data, and bloat
manage.py facts --repair   # write every row again from its data
manage.py facts --compact  # rewrite the table without its dead rows (a few seconds' lock),
                           # then mark its pages all-visible
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from segmentation.segments import facts


class Command(BaseCommand):
    help = "Check the preview's facts table against the customers' data; repair or compact it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="rewrite rows that differ")
        parser.add_argument(
            "--compact", action="store_true", help="VACUUM FULL the table, then VACUUM"
        )

    def handle(self, *args, repair: bool, compact: bool, **options) -> None:
        if repair:
            self.stdout.write(f"{facts.repair():,} rows written again.")
        if compact:
            facts.compact()
        wrong = facts.drift()
        shown = ", ".join(map(str, wrong)) + (" ..." if len(wrong) == 20 else "")
        self.stdout.write(f"Rows that differ from the data: {shown or 'none'}.")
        self.stdout.write(f"Size against what its rows need: {facts.bloat():.2f}x.")
        self.stdout.write(f"Pages marked all-visible: {facts.visible(analyze=False):.0%}.")
        if wrong:
            raise CommandError("The facts table differs: run `manage.py facts --repair`.")
