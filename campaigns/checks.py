"""Deployment checks (`manage.py check --deploy`) for what sending promises."""

from django.core import checks
from django.db import connection

from campaigns import uring


@checks.register(checks.Tags.compatibility, deploy=True)
def exactly_once_hand_over(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Whether a killed worker can still send a message twice (README, "Sending")."""
    if connection.vendor != "postgresql" or uring.for_this_process() is not None:
        return []
    return [
        checks.Warning(
            "io_uring cannot set socket options on this host: a worker killed in the "
            "microseconds between arming a message and sending its COMMIT sends it twice.",
            hint=(
                "Run workers on Linux 6.7 or newer with io_uring allowed (a seccomp profile "
                "that permits io_uring_setup and io_uring_enter; kernel.io_uring_disabled=0)."
            ),
            id="campaigns.W001",
        )
    ]
