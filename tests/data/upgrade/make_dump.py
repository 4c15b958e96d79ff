"""Make the database dump that tests/test_upgrade.py upgrades: a database as main at 678a5ef
(before segmentation/ was split into rooms) left it, with rows in every table of the apps.

It runs with THAT commit's code (its module paths), not today's:

    git worktree add /tmp/segmenta-678a5ef 678a5ef
    cd /tmp/segmenta-678a5ef
    createdb -h 127.0.0.1 -U postgres segmenta_upgrade_source
    export DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/segmenta_upgrade_source
    python manage.py migrate
    python /path/to/tests/data/upgrade/make_dump.py
    pg_dump -h 127.0.0.1 -U postgres --inserts --no-owner --no-privileges \
        segmenta_upgrade_source | grep -v '^\\' > /path/to/tests/data/upgrade/main-678a5ef.sql

(grep drops psql's \restrict lines, so that the test can load the SQL without psql.) It prints
the rows per table as JSON, which is kept as rows-678a5ef.json beside the dump.
"""

import datetime as dt
import json
import os
import sys
from decimal import Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from segmentation.metrics import recompute_customer_metrics  # noqa: E402

from campaigns import models as c  # noqa: E402
from feedback import models as f  # noqa: E402
from segmentation import models as s  # noqa: E402

NOW = timezone.now().replace(microsecond=0)


def people() -> list:
    books = s.Interest.objects.create(slug="books", name="Books")
    s.AttributeDefinition.objects.create(key="loyalty_card", label="Loyalty card", type="boolean")
    customers = []
    for n in range(3):
        customer = s.Customer.objects.create(
            email=f"person{n}@example.com",
            external_id=f"C-{n}",
            phone=f"+4915112345{n:03d}",
            first_name=f"Per{n}",
            last_name="Son",
            country="DE",
            birth_date=dt.date(1980 + n, 1, 2),
            attributes={"loyalty_card": n % 2 == 0},
        )
        customer.interests.add(books)
        customers.append(customer)
    for n, customer in enumerate(customers):
        s.Order.objects.create(
            customer=customer,
            external_id=f"O-{n}",
            total=Decimal("19.90") + n,
            placed_at=NOW - dt.timedelta(days=n + 1),
            items=[{"sku": "B-1", "qty": 1}],
        )
    recompute_customer_metrics()  # also writes the order histories and the facts rows
    return customers


def consent(customers: list) -> None:
    wording = s.ConsentWording.objects.create(version="v1", text="May we write to you?")
    topic = s.Topic.objects.create(slug="news", name="News")
    for customer in customers:
        event = s.ConsentEvent.objects.create(
            customer=customer,
            address_hash="h" * 64,
            channel="email",
            action="granted",
            source="import",
            wording=wording,
            evidence="upgrade fixture",
        )
        s.ConsentEvent.objects.create(
            customer=customer,
            address_hash="h" * 64,
            channel="email",
            topic=topic,
            action="granted",
            source="import",
            request=event,
        )
        s.TopicConsent.objects.create(
            customer=customer, topic=topic, channel="email", status="granted", changed_at=NOW
        )
    s.Customer.objects.update(email_consent="granted")
    s.Suppression.objects.create(address_hash="e" * 64, channel="email", reason="erased")


def shop_and_imports(customers: list, user: User) -> None:
    key = s.ApiKey.objects.create(name="Shop", prefix="abcd1234", key_hash="k" * 64)
    s.Event.objects.create(
        integration=key,
        event_id="pv-1",
        kind="page_view",
        customer=customers[0],
        occurred_at=NOW,
        data={"url": "https://shop.example.com/"},
    )
    s.Cart.objects.create(
        integration=key,
        cart_id="cart-1",
        customer=customers[1],
        value=Decimal("42.00"),
        items=2,
        updated_at=NOW - dt.timedelta(hours=5),
    )
    s.ImportJob.objects.create(
        kind="customers",
        status="done",
        file="uploads/2026/12/customers.csv",
        original_name="customers.csv",
        size=100,
        headers=["Email"],
        mapping={"0": "email"},
        created_by=user,
        total_rows=3,
        processed_rows=3,
        report={"rows": 3},
    )
    s.ImportMapping.objects.create(kind="customers", signature="s" * 64, mapping={"0": "email"})
    s.StatsSnapshot.take()


def campaign(customers: list, user: User) -> None:
    segment = s.Segment.objects.create(
        name="Everyone",
        definition={"type": "group", "op": "and", "negate": False, "children": []},
        created_by=user,
    )
    made = c.Campaign.objects.create(
        name="Spring",
        status="sent",
        sender_name="Shop",
        sender_email="shop@example.com",
        created_by=user,
        launched_at=NOW,
        finished_at=NOW,
    )
    track = c.Track.objects.create(campaign=made, segment=segment)
    variant = c.Variant.objects.create(
        track=track, label="A", weight=100, subject="Hi", text_body="Hello {{ first_name }}"
    )
    deliveries = [
        c.Delivery.objects.create(
            campaign=made,
            customer=customer,
            track=track,
            variant=variant,
            status="sent",
            sent_at=NOW,
            attempts=1,
        )
        for customer in customers
    ]
    order = s.Order.objects.get(external_id="O-0")
    c.OrderAttribution.objects.create(order=order, delivery=deliveries[0])
    c.WinnerDecision.objects.create(
        track=track, metric="click", winner=variant, summary="A won", figures={"A": 1}
    )
    c.CampaignResult.objects.create(campaign=made, computed_at=NOW, data={"sent": 3})
    survey(track, variant, deliveries, user)


def survey(track, variant, deliveries: list, user: User) -> None:
    made = f.Survey.objects.create(name="How was it?", status="open", created_by=user)
    nps = f.Question.objects.create(survey=made, kind="nps", text="Recommend us?")
    pick = f.Question.objects.create(survey=made, kind="single", text="Which?", position=1)
    choice = f.Choice.objects.create(question=pick, label="This one")
    f.TrackSurvey.objects.create(track=track, survey=made)
    for n, delivery in enumerate(deliveries):
        response = f.Response.objects.create(
            survey=made,
            delivery=delivery,
            customer=delivery.customer,
            track=track,
            variant=variant,
        )
        f.Answer.objects.create(response=response, question=nps, number=7 + n)
        f.Answer.objects.create(response=response, question=pick, choice=choice)


def rows_per_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND "
            "(tablename LIKE 'segmentation\\_%' OR tablename LIKE 'campaigns\\_%' "
            "OR tablename LIKE 'feedback\\_%') ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


if __name__ == "__main__":
    user = User.objects.create_user("marketer", "marketer@example.com", "not-used")
    customers = people()
    consent(customers)
    shop_and_imports(customers, user)
    campaign(customers, user)
    counts = rows_per_table()
    empty = [table for table, n in counts.items() if not n]
    if empty:
        raise SystemExit(f"Tables left empty: {empty}")
    print(json.dumps(counts, indent=2, sort_keys=True))
