"""Real processes for integration tests: a Celery worker on the configured broker."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_tests(name: str = "") -> str:
    """The URL of the database the test run is using (or of another one on the same server)."""
    s = connection.settings_dict
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    name = name or s["NAME"]
    host = s["HOST"] or "localhost"
    if host.startswith("/"):  # a Unix socket's folder (the embedded server)
        return f"postgres://{auth}@/{name}?host={quote(host, safe='')}"
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{name}"


def process_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url_for_tests(), DEBUG="1", PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


@contextmanager
def celery_worker(log_path: Path, concurrency: int = 1, **env: str) -> Iterator[subprocess.Popen]:
    """Start `celery worker` as a separate process; stop it (TERM, then KILL) afterwards."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--loglevel=INFO", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=process_env(**env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
