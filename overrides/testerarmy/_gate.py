"""One client-wide back-off signal for 429s — pure bookkeeping over an injected clock, no I/O.

Without it, a thousand concurrent calls (or the polls of a thousand-run wait) that meet a 429 each
retry on their own schedule: they all come back together when ``Retry-After`` ends, most are refused
again, and every refusal spends a retry. The gate makes them act as one:

* **closed until** the time a 429 named: no request of the client is sent before it (the ones that
  were already waiting re-check it, so a later, longer ``Retry-After`` also holds them);
* **spaced** sends after that: each 429 doubles the gap between admissions (starting at
  ``MIN_SPACING``), each accepted answer shrinks it by ``RELAX``, and a gap below ``MIN_SPACING``
  switches spacing off. This is additive-increase/multiplicative-decrease on the send *rate*, which
  settles just under the server's limit without knowing it (upstream documents none).

A client that never meets a 429 pays one lock and one clock read per request.

Sync threads and async tasks use the same object (the flows in ``_retry`` read it and yield
``Sleep``); the lock is held only for arithmetic, never across a wait, so it cannot stall a loop.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["MAX_SPACING", "MIN_SPACING", "RELAX", "RateGate"]

# A 1 ms gap is 1,000 requests/s: below that the server's limit is not what refusals are about.
MIN_SPACING: Final = 0.001
# Never space sends further apart than this (a server asking for less traffic says so with Retry-After).
MAX_SPACING: Final = 2.0
# Per accepted answer: ~70 accepted answers halve the gap again.
RELAX: Final = 0.99


class RateGate:
    """Shared by every request of one client (see the module docstring)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._closed_until = -math.inf
        self._next_slot = -math.inf
        self._spacing = 0.0

    @property
    def spacing(self) -> float:
        """Current gap between admissions in seconds (0: not spacing)."""
        return self._spacing

    def closed_for(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        return max(0.0, self._closed_until - self._clock())

    @property
    def closed_until(self) -> float:
        """Clock time the gate opens at (the latest refusal's end)."""
        return self._closed_until

    def admit(self, waited_for: float = -math.inf) -> tuple[float, float]:
        """Reserve a send slot: (seconds to wait before sending, 0 = now; the closure it waits for).

        ``waited_for`` is a closure this request has already slept off (its own refusal's pause),
        so only a later closure, or the spacing behind other requests, holds it again. After
        waiting, ask :meth:`reclosed_since` with the second value: if a refusal closed the gate
        again meanwhile, take a new slot instead of walking into it. Comparing closures (not the
        clock) keeps an injected sleep that does not advance the clock from spinning.
        """
        now = self._clock()
        with self._lock:
            closure = self._closed_until
            open_at = now if closure <= waited_for else max(now, closure)
            if self._spacing == 0.0 and open_at <= now:
                return 0.0, closure  # the common case: no 429 met lately
            start = max(open_at, self._next_slot)
            self._next_slot = start + self._spacing
        return start - now, closure

    def reclosed_since(self, closure: float) -> bool:
        """Whether a refusal closed the gate later than ``closure`` (a value from :meth:`admit`)."""
        return self._closed_until > closure

    def refused(self, delay: float | None) -> None:
        """A 429 arrived; ``delay`` is the pause the client will honour (``None``: it will not retry).

        Refusals that arrive while the gate is already closed are the same signal (requests that were
        in flight together), so only the first one widens the gap: a herd of 1,000 refusals must not
        push the spacing to its cap at once.
        """
        now = self._clock()
        with self._lock:
            if now >= self._closed_until:
                self._spacing = min(MAX_SPACING, max(MIN_SPACING, self._spacing * 2.0))
            if delay is not None and delay > 0:
                self._closed_until = max(self._closed_until, now + delay)

    def accepted(self) -> None:
        """Any answer that is not a 429: the server took the request, so the gap may shrink."""
        if self._spacing == 0.0:
            return
        with self._lock:
            spacing = self._spacing * RELAX
            self._spacing = spacing if spacing >= MIN_SPACING else 0.0
