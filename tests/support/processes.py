"""Real processes for integration tests: a Celery worker on the configured broker."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from config.env import database_url

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_tests(name: str = "") -> str:
    """The URL of the database the test run is using (or of another one on the same server),
    over TCP or the embedded server's socket alike."""
    return database_url(
        {**connection.settings_dict, "NAME": name or connection.settings_dict["NAME"]}
    )


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
