"""Make a fresh installation usable: demo data once, an admin and the two demo roles' users.

Safe to run on every `make run`: nothing that exists is changed, except that the admin's
password follows SEGMENTA_ADMIN_PASSWORD when that is set.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from segmentation.customers.models import Customer, StatsSnapshot
from segmentation.customers.rfm import recompute_rfm
from segmentation.demo.consent import grant_demo_consent

DEMO_USERS = {"marketer": "Marketer", "dataadmin": "Data admin"}


class Command(BaseCommand):
    help = "Load demo data if there are no customers; create the admin and demo users if missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--orders", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, **options) -> None:
        if Customer.objects.exists():
            self.stdout.write("Customers exist already: no demo data loaded.")
            # Data from before RFM existed gets its tiers now, not at the next periodic run
            # (seed_demo below computes them itself).
            tiered = recompute_rfm()
            if tiered:
                self.stdout.write(f"RFM scores and tiers brought up to date ({tiered:,} rows).")
        else:
            call_command(
                "seed_demo",
                customers=options["customers"],
                orders=options["orders"],
                seed=options["seed"],
                stdout=self.stdout,
            )
            events = grant_demo_consent()
            self.stdout.write(f"Demo consent: {events} ledger events written.")
            StatsSnapshot.take()  # the dashboard shows the demo data at once
            # A sent A/B campaign with results and survey answers: only on demo customers, so
            # by name (campaigns and feedback build on segmentation, not the other way).
            call_command("demo_campaign", stdout=self.stdout)
        from_env = os.environ.get("SEGMENTA_ADMIN_PASSWORD", "")
        password = from_env or secrets.token_urlsafe(12)
        # An operator's own password is not echoed into logs; a generated one must be shown.
        shown = "<the password in SEGMENTA_ADMIN_PASSWORD>" if from_env else password
        url = settings.SITE_URL.rstrip("/") + "/"
        with transaction.atomic():
            admin = self._admin(password, reset=bool(from_env))
            created = self._demo_users(password)
        if admin == "created":
            self.stdout.write(self.style.SUCCESS(f"Log in at {url} as admin / {shown}"))
        elif admin == "reset":
            self.stdout.write(
                "The admin account exists; its password was set from the environment."
            )
        else:
            self.stdout.write(
                "The admin account exists; its password is unchanged "
                "(SEGMENTA_ADMIN_PASSWORD or manage.py changepassword admin resets it)."
            )
        for username in created:
            self.stdout.write(
                self.style.SUCCESS(f"Demo user ({DEMO_USERS[username]}): {username} / {shown}")
            )

    def _admin(self, password: str, reset: bool) -> str:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            User.objects.create_superuser("admin", "admin@example.com", password)
            return "created"
        if reset:
            admin.set_password(password)
            admin.save(update_fields=["password"])
            return "reset"
        return "kept"

    def _demo_users(self, password: str) -> list[str]:
        """Create the missing demo users in their roles; returns the usernames created."""
        created = []
        for username, role in DEMO_USERS.items():
            if User.objects.filter(username=username).exists():
                continue
            user = User.objects.create_user(
                username, f"{username}@example.com", password, is_staff=role == "Data admin"
            )
            user.groups.add(Group.objects.get(name=role))
            created.append(username)
        return created
