import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import database_from_url
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


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_sqlite_urls_are_relative_to_the_project_unless_absolute():
    base = Path("/srv/segmenta")
    assert (
        database_from_url("sqlite:///var/db.sqlite3", base)["NAME"]
        == "/srv/segmenta/var/db.sqlite3"
    )
    assert database_from_url("sqlite:////data/db.sqlite3", base)["NAME"] == "/data/db.sqlite3"


def test_postgres_urls_carry_credentials_host_and_port():
    db = database_from_url("postgres://app:s%40cret@db.internal:6432/segmenta", Path("."))
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app", "s@cret", "db.internal", "6432", "segmenta",
    )  # fmt: skip


def test_an_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(ValueError, match="mysql"):
        database_from_url("mysql://x/y", Path("."))
