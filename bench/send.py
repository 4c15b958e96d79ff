"""Campaign sending through real Celery workers, beside a raw Django SMTP loop, in one run.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segmenta_sendbench \\
        python -m bench.send --recipients 100000

1. Migrates the database; seeds demo customers with seed_demo when there are too few (says
   how long that took) and gives email consent to exactly --recipients of them (bench data:
   the consent state is set directly, the ledger is not what is measured).
2. Starts a counting SMTP server (aiosmtpd) in a child process on loopback; it offers
   PIPELINING as production MTAs do (--no-pipelining: it does not).
3. Raw: renders --raw-messages of the same messages (the campaign's variant, the same
   customers) and sends them with Django's SMTP backend over one connection, in this process.
4. Ours: --workers `celery worker` processes (--concurrency each) on the broker; the campaign
   is launched (audience frozen, batch tasks enqueued) and timed from the launch to the last
   message the server accepted; then checked: every row sent, the campaign finished.
Messages per second of both, and ours / raw, as the last line (JSON).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
if os.environ["DEBUG"] == "0":
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # noqa: S105
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")

import django

django.setup()

from django.core.mail import get_connection
from django.core.management import call_command
from django.db import connection

from campaigns.models import Campaign, Delivery, Track, Variant
from campaigns.rendering.compiled import compile_variant
from campaigns.rendering.mail import build_email
from campaigns.sending.lifecycle import launch
from campaigns.sending.progress import progress
from config.celery import app
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty
from tests.support.smtp import smtp_server_process

ROOT = Path(__file__).resolve().parent.parent
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONTENT = {
    "subject": "{{ first_name|default:'Hello' }}, our spring selection",
    "text_body": (
        "Hi {{ first_name|default:'there' }},\n\nNew arrivals in {{ city|default:'your area' }}: "
        "https://shop.example.com/spring\nSee you soon."
    ),
    "html_body": (
        "<html><body><h1>Hi {{ first_name|default:'there' }}</h1><p>New arrivals in "
        "{{ city|default:'your area' }}: <a href=\"https://shop.example.com/spring\">spring "
        "selection</a>.</p><p>See you soon.</p></body></html>"
    ),
}


def log(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(recipients: int) -> None:
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    with_email = Customer.objects.exclude(email=None).count()
    if with_email < recipients:
        needed = int((recipients - with_email) / 0.96) + 100
        call_command("seed_demo", customers=needed, orders=0, append=True, verbosity=0)
        log(f"seeded {needed:,} customers in {time.perf_counter() - t0:.1f}s")
    Campaign.objects.filter(name__startswith="bench-send").delete()
    with connection.cursor() as cursor:
        # Exactly `recipients` customers may get email: the lowest ids with an address.
        cursor.execute(
            "UPDATE segmentation_customer SET email_consent = CASE WHEN id IN ("
            " SELECT id FROM segmentation_customer WHERE email IS NOT NULL ORDER BY id LIMIT %s)"
            " THEN %s ELSE %s END",
            [recipients, ConsentStatus.GRANTED, ConsentStatus.NONE],
        )
        cursor.execute("ANALYZE segmentation_customer")
        # Earlier runs' rows were just deleted; this machine's server runs with autovacuum
        # off, so clear them as autovacuum would, or every run would be slower than the last.
        cursor.execute("VACUUM ANALYZE campaigns_delivery")
    log(f"database ready in {time.perf_counter() - t0:.1f}s")


def make_campaign(name: str) -> Campaign:
    segment, _ = Segment.objects.get_or_create(
        name="bench-send everyone", defaults={"definition": empty()}
    )
    campaign = Campaign.objects.create(
        name=name, sender_name="Shop", sender_email="news@shop.example.com"
    )
    track = Track.objects.create(campaign=campaign, segment=segment)
    Variant.objects.create(track=track, label="A", weight=100, **CONTENT)
    return campaign


def raw_loop(campaign: Campaign, count: int, shared) -> float:
    """Render and send `count` of the campaign's messages over one SMTP connection."""
    variant = Variant.objects.get(track__campaign=campaign)
    compiled = compile_variant(variant, campaign.channel, campaign)
    rows = (
        Delivery.objects.filter(campaign=campaign).select_related("customer").order_by("pk")[:count]
    )
    smtp = get_connection(SMTP_BACKEND, fail_silently=False)
    before = shared.total.value
    start = time.monotonic()
    smtp.open()
    for delivery in rows.iterator(chunk_size=2000):
        delivery.campaign = campaign
        rendered = compiled.render(delivery.customer, delivery, campaign)
        smtp.send_messages([build_email(rendered, campaign, delivery.customer, delivery)])
    smtp.close()
    sent = shared.total.value - before
    if sent != count:
        raise SystemExit(f"raw loop: the server accepted {sent} of {count} messages")
    return count / (shared.last_at.value - start)


def start_workers(workers: int, concurrency: int, env: dict[str, str], logs: Path) -> list:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING",
        f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    processes = []
    for n in range(workers):
        log_file = open(logs / f"worker{n}.log", "wb")  # noqa: SIM115 (lives with the process)
        processes.append(
            subprocess.Popen(
                [*command, "-n", f"bench{n}@%h"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=1) or []) < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"workers did not start; see {logs}")
    return processes


def stop_workers(processes: list) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def ours(campaign: Campaign, recipients: int, shared) -> tuple[float, dict]:
    before = shared.total.value
    start = time.monotonic()
    plan = launch(campaign)
    frozen = time.monotonic() - start
    log(f"ours: launched (froze {plan.recipients:,} recipients in {frozen:.1f}s)")
    deadline = time.monotonic() + 3600
    while shared.total.value - before < recipients:
        if time.monotonic() > deadline:
            raise SystemExit("ours: timed out")
        time.sleep(0.2)
    elapsed = shared.last_at.value - start
    while Campaign.objects.filter(pk=campaign.pk, status="sending").exists():
        time.sleep(0.2)
    campaign.refresh_from_db()
    figures = progress(campaign)
    extra = shared.total.value - before - recipients
    if campaign.status != "sent" or figures["sent"] != recipients or extra:
        raise SystemExit(f"ours: {campaign.status}, {figures}, {extra} extra messages")
    return recipients / elapsed, {"freeze_s": round(frozen, 2), "elapsed_s": round(elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--raw-messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    # README's production command: sending waits on SMTP and PostgreSQL replies, so a
    # 2-core machine runs four pool processes.
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--no-pipelining",
        action="store_true",
        help="the SMTP server does not offer PIPELINING (one reply per round trip)",
    )
    args = parser.parse_args()
    raw_count = min(args.raw_messages, args.recipients)

    prepare(args.recipients)
    app.control.purge()  # tasks left by an interrupted run
    logs = Path(os.environ.get("SEGMENTA_VAR_DIR", ROOT / "var")) / "bench-send"
    logs.mkdir(parents=True, exist_ok=True)
    with smtp_server_process(pipelining=not args.no_pipelining) as (port, shared):
        mail = {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
        os.environ.update(mail)
        from django.conf import settings

        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        # Batch tasks per campaign: one per worker process.
        settings.SEGMENTA_SEND_PARALLEL = args.workers * args.concurrency
        campaign = make_campaign(f"bench-send {time.strftime('%Y-%m-%d %H:%M:%S')}")

        processes = start_workers(args.workers, args.concurrency, mail, logs)
        try:
            ours_rate, detail = ours(campaign, args.recipients, shared)
        finally:
            stop_workers(processes)
        log(f"ours: {args.recipients:,} messages at {ours_rate:,.0f} msg/s {detail}")

        raw_rate = raw_loop(campaign, raw_count, shared)
        log(f"raw: {raw_count:,} messages at {raw_rate:,.0f} msg/s")

    print(
        json.dumps(
            {
                "bench": "send",
                "recipients": args.recipients,
                "ours_msgs_per_s": round(ours_rate),
                "raw_msgs_per_s": round(raw_rate),
                "ratio": round(ours_rate / raw_rate, 2),
                "raw_messages": raw_count,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "smtp_pipelining": not args.no_pipelining,
                **detail,
            }
        )
    )


if __name__ == "__main__":
    main()
