"""Token-bucket rate limiting with an injected clock."""

from __future__ import annotations

import pytest
from testerarmy.testing._ratelimit import RateLimit, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_refill():
    clock = Clock()
    limiter = RateLimiter(RateLimit(2, 1.0), monotonic=clock)
    assert limiter.acquire("k") == 0
    assert limiter.acquire("k") == 0
    wait = limiter.acquire("k")
    assert wait == pytest.approx(0.5)
    assert limiter.acquire("other") == 0  # buckets are per key
    clock.t += 0.5
    assert limiter.acquire("k") == 0
    assert limiter.acquire("k") > 0


def test_retry_after_is_whole_seconds_at_least_one():
    assert RateLimiter.retry_after_header(0.01) == "1"
    assert RateLimiter.retry_after_header(1.2) == "2"


@pytest.mark.parametrize(
    ("text", "expected"), [("10/1", RateLimit(10, 1)), (" 100 / 60s ", RateLimit(100, 60))]
)
def test_parse(text, expected):
    assert RateLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["10", "ten/1", "10/0", "0/1", "-1/1"])
def test_parse_rejects(text):
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit.parse(text)
