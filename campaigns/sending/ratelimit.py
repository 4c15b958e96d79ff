"""Messages per second per channel across all workers, and the batch size that follows."""

import time

from django.conf import settings
from django.core.cache import cache


class RateLimiter:
    """At most SEGMENTA_SEND_RATE_<CHANNEL> messages per second across all workers.

    One counter per channel and calendar second in the cache (Redis with CACHE_URL: shared
    by every process). A worker takes a few slots at a time and uses them within that second
    only, so the sum over all workers never exceeds the rate in any second.
    """

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.rate = getattr(settings, f"SEGMENTA_SEND_RATE_{channel.upper()}", 0)
        self.second = -1
        self.slots = 0

    def wait(self) -> None:
        if self.rate <= 0:
            return
        while True:
            now = time.time()
            second = int(now)
            if second != self.second:
                self.second, self.slots = second, 0
            if self.slots == 0:
                self.slots = self._take(second)
            if self.slots:
                self.slots -= 1
                return
            time.sleep(second + 1 - now)

    def _take(self, second: int) -> int:
        want = max(1, self.rate // 20)
        key = f"segmenta:send-rate:{self.channel}:{second}"
        cache.add(key, 0, timeout=10)
        try:
            total = cache.incr(key, want)
        except ValueError:  # expired between add and incr: a past second
            return 0
        return max(0, min(want, self.rate - (total - want)))


def batch_size(channel: str) -> int:
    """Small enough that a rate-limited batch takes about five seconds (pause stays quick
    and claims stay fresh), at most SEGMENTA_SEND_BATCH_SIZE."""
    rate = getattr(settings, f"SEGMENTA_SEND_RATE_{channel.upper()}", 0)
    size = settings.SEGMENTA_SEND_BATCH_SIZE
    return min(size, max(1, rate * 5)) if rate > 0 else size
