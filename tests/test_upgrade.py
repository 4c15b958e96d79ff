"""An upgrade keeps every row: a database that main at 678a5ef made (before segmentation/ was
split into rooms), with rows in every table of the apps, migrated by today's code. Every
table still holds its rows, today's models read each of them, and the preview's facts table
follows today's definitions (tests/data/upgrade/make_dump.py made the dump)."""

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.support.processes import ROOT, database_url_for_tests, process_env

DATA = Path(__file__).parent / "data" / "upgrade"
# Run in the upgraded database with today's code: every model's rows read through the ORM.
READ_EVERYTHING = """
import json, django
django.setup()
from django.apps import apps
from segmentation.segments import facts, facts_source
rows = {}
for model in apps.get_models():
    table = model._meta.db_table
    if table.startswith(("segmentation_", "campaigns_", "feedback_")):
        rows[table] = len(list(model.objects.all()))
print(json.dumps({"rows": rows, "drift": facts.drift(),
                  "installed": facts_source.installed() == facts_source.fingerprint()}))
"""


def _server(**options) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres", user=s["USER"], password=s["PASSWORD"] or None,
        host=s["HOST"] or None, port=s["PORT"] or None, autocommit=True, **options,
    )  # fmt: skip


@pytest.fixture
def old_database():
    name = "segmenta_upgrade_test"
    with _server() as server:
        server.execute(f"DROP DATABASE IF EXISTS {name}")
        server.execute(f"CREATE DATABASE {name}")
    try:
        settings = connection.settings_dict
        with psycopg.connect(
            dbname=name, user=settings["USER"], password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None, port=settings["PORT"] or None, autocommit=True,
        ) as old:  # fmt: skip
            old.execute((DATA / "main-678a5ef.sql").read_text())
        yield database_url_for_tests(name)
    finally:
        with _server() as server:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _run(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=process_env(DATABASE_URL=url),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_migrating_a_database_made_before_the_rooms_keeps_every_row(old_database):
    before = json.loads((DATA / "rows-678a5ef.json").read_text())
    assert before and all(before.values())  # the dump has rows in every table

    _run(old_database, "manage.py", "migrate", "--noinput")
    after = json.loads(_run(old_database, "-c", READ_EVERYTHING).splitlines()[-1])

    assert after["rows"] == before
    assert after["drift"] == [] and after["installed"] is True
