"""Customer import: ours (end to end through the import job) against stock django-import-export.

    DATABASE_URL=postgres://.../segmenta_importbench python -m bench.import --rows 1000000

1. Writes a customer CSV of --rows rows (emails, names, phones, countries, birth dates,
   cities, email consent), deterministic.
2. Ours: an ImportJob run exactly as the Celery task runs it (parse, validate, stage with
   COPY, upsert, consent ledger events and state), into an empty customer table.
3. Stock: django-import-export's ModelResource with use_bulk=True on the first --stock-rows
   rows of the same file, into an empty customer table; then the same with the speed-ups
   its documentation gives for big files (CachedInstanceLoader, skip_diff). Stock does
   less: no normalisation, no validation, no consent ledger. "ratio" is against the first,
   as the issue asks; "ratio_vs_stock_tuned" against the second.
4. Ours again on the same CSV (every row unchanged), then on a --xlsx-rows row XLSX.
Peak RSS is the process's maximum resident set size after step 2 (ours ran first).
The last line is one JSON object.
"""

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import User
from django.core.files import File
from django.core.management import call_command
from django.db import connection

from segmentation.customers.models import Customer
from segmentation.imports import jobs
from segmentation.imports.mapping import guess
from segmentation.imports.models import ImportJob, ImportKind, ImportStatus

HEADER = [
    "Email", "Customer ID", "First name", "Last name", "Phone", "Country", "Birth date",
    "Gender", "City", "Postal code", "Newsletter",
]  # fmt: skip
FIRST = ["Anna", "Lukas", "Camille", "Hugo", "Sofia", "Marco", "Emma", "Noah", "Lena", "Jonas"]
LAST = ["Müller", "Schmidt", "Dubois", "Martin", "Rossi", "García", "Berg", "Larsen", "Costa"]
PLACES = [("DE", "Berlin", "+49"), ("FR", "Paris", "+33"), ("IT", "Roma", "+39"),
          ("ES", "Madrid", "+34"), ("NL", "Utrecht", "+31"), ("DK", "Aarhus", "+45")]  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rows(count: int, seed: int = 4):
    rng = random.Random(seed)
    for n in range(count):
        country, city, prefix = PLACES[n % len(PLACES)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        consent = rng.random()
        yield [
            f"{first.lower()}.{n}@example.com",
            f"BCUS-{n:08d}",
            first,
            last,
            f"{prefix} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}",
            country,
            f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            rng.choice(["female", "male", "female", "male", "nonbinary", ""]),
            city,
            f"{rng.randint(10000, 99999)}",
            "yes" if consent < 0.4 else ("no" if consent < 0.5 else ""),
        ]


def write_csv(path: Path, count: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows(count))


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(HEADER)
    for row in rows(count, seed=5):
        sheet.append(row)
    workbook.save(path)


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"postgresql {cursor.fetchone()[0]}"


def empty_tables() -> None:
    with connection.cursor() as cursor:
        # TRUNCATE fires no row triggers: the ledger's append-only guard is for the app.
        cursor.execute(
            "TRUNCATE segmentation_customer, segmentation_consentevent, "
            "segmentation_customerinterest, segmentation_topicconsent RESTART IDENTITY "
            "CASCADE"
        )
        cursor.execute("VACUUM ANALYZE segmentation_customer")


def ours(path: Path, user: User) -> tuple[float, dict]:
    headers = HEADER
    with open(path, "rb") as f:
        job = ImportJob.objects.create(
            kind=ImportKind.CUSTOMERS,
            original_name=path.name,
            file=File(f, name=path.name),
            size=path.stat().st_size,
            headers=headers,
            mapping={str(k): v for k, v in guess(ImportKind.CUSTOMERS, headers).items()},
            options={"actor": user.username},
            created_by=user,
            status=ImportStatus.CHECKED,
        )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    start = time.perf_counter()
    status = jobs.run(job.pk, dry_run=False)
    elapsed = time.perf_counter() - start
    job.refresh_from_db()
    if status != ImportStatus.DONE:
        raise SystemExit(f"our import ended {status}: {job.report}")
    # The stored copy of the upload (100 MB at 1M rows) is not worth keeping after a bench.
    job.file.delete(save=False)
    if job.problems_file:
        job.problems_file.delete(save=False)
    return elapsed, job.report


def stock(path: Path, count: int, tuned: bool = False) -> float:
    """Stock ModelResource with use_bulk; tuned: also the documented speed-ups for big
    imports (instances loaded in one query by CachedInstanceLoader, no diffs)."""
    import tablib
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    class CustomerResource(resources.ModelResource):
        email = fields.Field(attribute="email", column_name="Email")
        external_id = fields.Field(attribute="external_id", column_name="Customer ID")
        first_name = fields.Field(attribute="first_name", column_name="First name")
        last_name = fields.Field(attribute="last_name", column_name="Last name")
        phone = fields.Field(attribute="phone", column_name="Phone")
        country = fields.Field(attribute="country", column_name="Country")
        birth_date = fields.Field(
            attribute="birth_date", column_name="Birth date", widget=widgets.DateWidget()
        )
        gender = fields.Field(attribute="gender", column_name="Gender")
        city = fields.Field(attribute="city", column_name="City")
        postal_code = fields.Field(attribute="postal_code", column_name="Postal code")

        class Meta:
            model = Customer
            use_bulk = True
            batch_size = 1000
            import_id_fields = ["email"]
            if tuned:
                instance_loader_class = CachedInstanceLoader
                skip_diff = True
            fields = (
                "email", "external_id", "first_name", "last_name", "phone", "country",
                "birth_date", "gender", "city", "postal_code",
            )  # fmt: skip

    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = tablib.Dataset(headers=header)
        for n, row in enumerate(reader):
            if n >= count:
                break
            data.append(row)
    start = time.perf_counter()
    result = CustomerResource().import_data(data, dry_run=False, use_transactions=True)
    elapsed = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"stock import had errors: {result.totals}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stock-rows", type=int, default=50_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-importer")
    log(f"database ready in {time.perf_counter() - t0:.1f}s ({server_version()})")

    with tempfile.TemporaryDirectory(prefix="segmenta-bench-import-") as tmp:
        folder = Path(tmp)
        csv_path = folder / f"customers-{args.rows}.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, args.rows)
        log(f"wrote {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t0:.1f}s")  # fmt: skip

        empty_tables()
        ours_s, report = ours(csv_path, user)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ours_rate = args.rows / ours_s
        log(f"ours: {args.rows:,} rows in {ours_s:.1f}s = {ours_rate:,.0f} rows/s; "
            f"new {report['new']:,}, invalid {report['invalid']:,}, consent events "
            f"{report['consent']['events']}; peak RSS {peak_rss_mb:.0f} MB; "
            f"seconds per phase {report.get('seconds')}")  # fmt: skip

        # The same file again: every row is unchanged (the idempotence path, no inserts).
        again_s, again = ours(csv_path, user)
        again_rate = args.rows / again_s
        log(f"ours again (unchanged {again['unchanged']:,}): {again_s:.1f}s = "
            f"{again_rate:,.0f} rows/s; seconds per phase {again.get('seconds')}")  # fmt: skip

        stock_rows = min(args.stock_rows, args.rows)
        empty_tables()
        plain_s = stock(csv_path, stock_rows)
        plain_rate = stock_rows / plain_s
        log(f"stock (use_bulk): {stock_rows:,} rows in {plain_s:.1f}s = {plain_rate:,.0f} rows/s")
        empty_tables()
        tuned_s = stock(csv_path, stock_rows, tuned=True)
        tuned_rate = stock_rows / tuned_s
        log(f"stock (use_bulk, CachedInstanceLoader, skip_diff): {stock_rows:,} rows in "
            f"{tuned_s:.1f}s = {tuned_rate:,.0f} rows/s")  # fmt: skip

        xlsx_rate = None
        if args.xlsx_rows:
            xlsx_path = folder / f"customers-{args.xlsx_rows}.xlsx"
            t0 = time.perf_counter()
            write_xlsx(xlsx_path, args.xlsx_rows)
            log(f"wrote {args.xlsx_rows:,}-row XLSX in {time.perf_counter() - t0:.1f}s")
            empty_tables()
            xlsx_s, xlsx_report = ours(xlsx_path, user)
            xlsx_rate = args.xlsx_rows / xlsx_s
            log(
                f"ours XLSX: {args.xlsx_rows:,} rows in {xlsx_s:.1f}s = {xlsx_rate:,.0f} rows/s; "
                f"seconds per phase {xlsx_report.get('seconds')}"
            )
        empty_tables()

    print(
        json.dumps(
            {
                "bench": "import",
                "rows": args.rows,
                "ours_rows_per_s": round(ours_rate),
                "stock_rows": stock_rows,
                "stock_rows_per_s": round(plain_rate),
                "stock_tuned_rows_per_s": round(tuned_rate),
                # As the issue asks: against ModelResource with use_bulk.
                "ratio": round(ours_rate / plain_rate, 2),
                "ratio_vs_stock_tuned": round(ours_rate / tuned_rate, 2),
                "peak_rss_mb": round(peak_rss_mb),
                "ours_seconds": round(ours_s, 2),
                "ours_phases": report.get("seconds"),
                # Tables written in a bulk load (indexes dropped and built again), if any.
                "ours_bulk_load": report.get("bulk_load"),
                "reimport_unchanged_rows_per_s": round(again_rate),
                "xlsx_rows": args.xlsx_rows,
                "xlsx_rows_per_s": round(xlsx_rate) if xlsx_rate else None,
                "database": server_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
