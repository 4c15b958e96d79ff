"""Campaign results: per track (segment) x variant funnel, rates with intervals, verdicts.

Other apps add counts to the funnel (feedback adds survey responses) with provide_count()
from their AppConfig.ready, so that campaigns does not import them.
"""

from collections.abc import Callable

from campaigns.models import Campaign

# fn(campaign) -> {(track_id, variant_id or None): count}
CountProvider = Callable[[Campaign], dict[tuple[int, int | None], int]]
_count_providers: dict[str, tuple[str, CountProvider]] = {}


def provide_count(name: str, label: str, provider: CountProvider) -> None:
    """Let another app add a count per track and variant to the results."""
    _count_providers[name] = (label, provider)
