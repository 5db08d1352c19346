"""Optional per-key rate limiting (token bucket), off unless configured.

Upstream documents 429 but no numbers and no headers; the simulator answers 429 ``RateLimited`` with a
``Retry-After`` header in whole seconds so clients can exercise their back-off. Limits are in *real*
seconds: a rate limit protects servers in wall-clock time, whatever the simulated time scale.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimit", "RateLimiter"]


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per ``per`` seconds for each API key (burst up to ``requests``)."""

    requests: int
    per: float = 1.0

    def __post_init__(self) -> None:
        if self.requests < 1:
            raise ValueError(f"rate limit requests must be >= 1, got {self.requests}")
        if not self.per > 0 or self.per == float("inf"):
            raise ValueError(f"rate limit period must be a finite number of seconds > 0, got {self.per}")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"10/1"`` or ``"10/1s"``: 10 requests per second; ``"100/60"``: 100 a minute."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*", text)
        if not match:
            raise ValueError(f"rate limit must look like REQUESTS/SECONDS (e.g. 10/1), got {text!r}")
        return cls(int(match.group(1)), float(match.group(2)))


class RateLimiter:
    """Token buckets keyed by caller; ``acquire`` returns 0 when allowed, else seconds to wait."""

    def __init__(self, limit: RateLimit, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)

    def acquire(self, key: str) -> float:
        rate = self.limit.requests / self.limit.per
        now = self._monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit.requests), now))
            tokens = min(float(self.limit.requests), tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        # Whole seconds, rounded up, at least 1: "Retry-After: 0" would invite a hot loop.
        return str(max(1, math.ceil(wait)))
