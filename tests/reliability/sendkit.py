"""What the sending fault tests share: worker processes that can be SIGKILLed (each in its own
process group, so the pool's children die with it), a beat stand-in, and the checks."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from campaigns.models import Campaign, Delivery
from campaigns.sending.requeue import requeue_stale
from tests.support.processes import ROOT, process_env

# The test process (requeue_stale, launch) and the workers agree on these.
FAST_RECOVERY = {
    "SEGMENTA_SEND_CLAIM_TIMEOUT": 3,
    "SEGMENTA_SEND_STALL_SECONDS": 2,
    "SEGMENTA_SEND_RETRY_SECONDS": 1,
    "SEGMENTA_SEND_MAX_ATTEMPTS": 12,
}


@contextmanager
def worker(log_path: Path, concurrency: int = 2, **env: str) -> Iterator[subprocess.Popen]:
    """`celery worker` in a session of its own: kill_group() takes the pool down with it."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING",
        f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "-n", f"send{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    settings_env = {key: str(value) for key, value in FAST_RECOVERY.items()}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=process_env(**settings_env, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_group(process)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children at once, as a crash or the OOM killer would."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_group(process: subprocess.Popen) -> None:
    """A warm shutdown (the parent stops its pool), then SIGKILL for whatever is left."""
    if process.poll() is None:
        process.terminate()
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    kill_group(process)


def beat_until(done: Callable[[], bool], timeout: float, what: str, every: float = 0.5) -> None:
    """Wait for `done`, running requeue_stale the way beat would (more often: tests are short)."""
    deadline = time.monotonic() + timeout
    next_beat = 0.0
    while time.monotonic() < deadline:
        if done():
            return
        if time.monotonic() >= next_beat:
            requeue_stale()
            next_beat = time.monotonic() + every
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def finished(campaign: Campaign) -> Callable[[], bool]:
    def check() -> bool:
        return Campaign.objects.filter(pk=campaign.pk, status="sent").exists()

    return check


def statuses(campaign: Campaign) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Delivery.objects.filter(campaign=campaign).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def show_log(log_path: Path) -> None:
    if log_path.exists():
        print(log_path.read_text()[-5000:])
