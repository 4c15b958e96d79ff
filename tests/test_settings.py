import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, database_url
from tests.support.processes import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "segmenta.example.com",
    "PATH": "/usr/bin:/bin",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_settings_pass_the_deploy_check():
    # The check does not connect: the database's host need not exist.
    env = {**PRODUCTION, "DATABASE_URL": "postgres://segmenta@db.invalid:5432/segmenta"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_postgres_urls_carry_credentials_host_and_port():
    db = database_from_url("postgres://app:s%40cret@db.internal:6432/segmenta")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app", "s@cret", "db.internal", "6432", "segmenta",
    )  # fmt: skip
    assert "OPTIONS" not in db


def test_a_socket_folder_comes_from_the_host_option_and_other_options_go_to_psycopg():
    db = database_from_url("postgresql://postgres:@/segmenta?host=/srv/pg&sslmode=disable")
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "/srv/pg",
        "",
        "segmenta",
        "postgres",
    )
    assert db["OPTIONS"] == {"sslmode": "disable"}


@pytest.mark.parametrize(
    "entry",
    [
        database_from_url("postgres://app:s%40c%2Fret@db.internal:6432/segmenta"),
        database_from_url("postgres://postgres@127.0.0.1/test_segmenta?connect_timeout=5"),
        database_from_url("postgres://postgres:@/test_segmenta?host=/srv/My%20Data/pg&port=5433"),
    ],
)
def test_a_database_url_made_from_an_entry_reads_back_as_the_same_entry(entry):
    assert database_from_url(database_url(entry)) == entry


@pytest.mark.parametrize(
    "url", ["file:///var/segmenta.db", "mysql://x/y", "pgsql://x/y", "/var/db"]
)
def test_anything_but_a_postgres_url_is_a_clear_error(url):
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL only.*DATABASE_URL"):
        database_from_url(url)


def test_the_settings_refuse_another_databases_url(tmp_path):
    env = {**PRODUCTION, "DATABASE_URL": f"mysql://segmenta@{tmp_path.name}/segmenta"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL must be a postgres:// URL" in result.stderr
    assert "mysql://" in result.stderr
