"""When to retry a request, and how long to wait — pure decisions, no I/O.

Idempotency decides everything:

* Idempotent requests — ``GET``/``HEAD``/``OPTIONS``/``PUT``/``DELETE`` and ``POST
  /v1/runs/{id}/cancel`` (cancelling twice cancels once) — are retried on connection errors,
  timeouts, broken responses and on 408, 429, 500, 502, 503, 504.
* Every other request (``POST /v1/runs``, ``/v1/tests/{id}/runs``, ``/v1/groups/{id}/runs``, the
  group webhook, pull-request runs, creations and ``PATCH``) is retried **only** when it provably never
  reached the server: the connection could not be opened (``ConnectError``/``ConnectTimeout``) or no
  pooled connection became free (``PoolTimeout``). After a read timeout or a 5xx the server may have
  created the run, and the API has no idempotency keys, so a retry could create a second run.

A 429 is a **refusal**: the API did nothing (upstream: "Usage limit exceeded" / "back off and
retry"). So any request, run-creating POSTs included, is retried after a 429 *that says when*
(``Retry-After``, seconds or HTTP-date), as long as the request's total wait on such refusals stays
within ``max_retry_after`` (and ``max_retries`` is not 0). Repeating a refused request cannot create
a second run, so refusals spend that time budget, not the ``max_retries`` count. A 429 without
``Retry-After`` is retried with the backoff (counted) only when the request is idempotent; a
run-creating one raises ``RateLimitError`` at once with what the server said. A ``Retry-After``
longer than the remaining budget is not slept: the caller gets ``RateLimitError.retry_after``
instead of a call that blocks for minutes.

On any other retryable response a ``Retry-After`` replaces the computed backoff, with the same cap.

Every 429 also reaches the client's :class:`~._gate.RateGate`, so all concurrent requests of the
client hold off together and then resume spaced out, instead of retrying one by one.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import re
import time
from collections.abc import Callable, Generator
from typing import Final, NamedTuple

import httpx

from ._flow import Sleep
from ._gate import RateGate
from ._logging import logger, redact_headers, redact_url, scrub

__all__ = [
    "MIN_REFUSAL_COST",
    "RETRIES_EXTENSION",
    "RETRYABLE_STATUSES",
    "SEND",
    "RetryPolicy",
    "Send",
    "is_idempotent",
    "parse_retry_after",
    "refusal_cost",
    "retry_flow",
]

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
# Response extension: how many retries preceded this response. A 400 to a retried cancel may be the
# echo of our own earlier attempt (which did cancel the run before its answer was lost).
RETRIES_EXTENSION: Final = "testerarmy.retries"

_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# POSTs that are idempotent by meaning. Matched on the path's end so any base-URL prefix works.
_IDEMPOTENT_POSTS: Final = (re.compile(r"/v1/runs/[^/]+/cancel/?$"),)

# The request never left this machine: safe to retry whatever it is.
_NEVER_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server: retry only if repeating it is harmless.
_MAYBE_SENT: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def is_idempotent(method: str, path: str) -> bool:
    method = method.upper()
    if method in _IDEMPOTENT_METHODS:
        return True
    return method == "POST" and any(pattern.search(path) for pattern in _IDEMPOTENT_POSTS)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), else ``None``.

    ``now`` is wall-clock time (epoch seconds) for the HTTP-date form. A date in the past means 0.
    Garbage, negative or non-finite values are ignored (``None``), never trusted.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP-date is always GMT; be lenient with a missing zone
            return None
        return max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


#: What one refusal spends of ``max_retry_after`` at least. A server answering ``Retry-After: 0``
#: forever would otherwise never exhaust the budget (an endless loop of immediate retries); with
#: this floor the default 60 s budget allows at most 60 refusals of one request.
MIN_REFUSAL_COST = 1.0


def refusal_cost(retry_after: float) -> float:
    return max(retry_after, MIN_REFUSAL_COST)


# A NamedTuple, not a frozen dataclass: ~7x cheaper to define on import (figure 5, docs/performance.md).
class RetryPolicy(NamedTuple):
    """Retry limits and backoff. ``random``/``wall_clock`` are injectable for deterministic tests."""

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    random: Callable[[], float] = random.random
    wall_clock: Callable[[], float] = time.time

    def backoff(self, retries_done: int) -> float:
        """Exponential backoff, capped, minus up to ``jitter`` of it so clients do not retry in step."""
        base = min(self.max_backoff, self.initial_backoff * 2.0**retries_done)
        return base * (1.0 - self.jitter * self.random())

    def decide(
        self,
        request: httpx.Request,
        outcome: httpx.Response | Exception,
        retries_done: int,
        refusal_wait: float = 0.0,
    ) -> float | None:
        """Seconds to wait before retrying ``request`` after ``outcome``, or ``None``: do not retry.

        ``retries_done`` counts the retries after anything but a refusal; ``refusal_wait`` is the
        time already spent waiting on refusals (429 with ``Retry-After``) for this request.
        """
        if self.max_retries <= 0:
            return None
        if isinstance(outcome, httpx.Response) and outcome.status_code == 429:
            retry_after = parse_retry_after(outcome.headers.get("retry-after"), self.wall_clock())
            if retry_after is not None:  # the server said when: a refusal, safe to repeat
                spent = refusal_wait + refusal_cost(retry_after)
                return retry_after if spent <= self.max_retry_after else None
            # No (valid) Retry-After: an ordinary retryable status, handled below.
        if retries_done >= self.max_retries:
            return None
        if isinstance(outcome, Exception):
            if isinstance(outcome, _NEVER_SENT) or (
                isinstance(outcome, _MAYBE_SENT) and is_idempotent(request.method, request.url.path)
            ):
                return self.backoff(retries_done)
            return None
        # The status first: it settles the common case (a success) without looking at the path.
        if outcome.status_code not in RETRYABLE_STATUSES or not is_idempotent(
            request.method, request.url.path
        ):
            return None
        retry_after = parse_retry_after(outcome.headers.get("retry-after"), self.wall_clock())
        if retry_after is None:
            return self.backoff(retries_done)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


class Send:
    """Action: send the request once; the outcome is a fully read response or the transport error."""

    # A plain class (the one instance is SEND): a dataclass costs ~0.3 ms to define on import.
    __slots__ = ()

    def __repr__(self) -> str:
        return "Send()"


SEND: Final = Send()


def _describe(outcome: httpx.Response | Exception, request: httpx.Request) -> str:
    if isinstance(outcome, Exception):
        # Exception text is not ours: scrub the credential this request carries, just in case.
        credential = request.headers.get("authorization", "")
        return scrub(f"{type(outcome).__name__}: {outcome}", (credential, credential.partition(" ")[2]))
    return f"HTTP {outcome.status_code} {outcome.reason_phrase}".rstrip()


def _says_when(outcome: httpx.Response | Exception, policy: RetryPolicy) -> bool:
    assert isinstance(outcome, httpx.Response)
    return parse_retry_after(outcome.headers.get("retry-after"), policy.wall_clock()) is not None


def _admission(gate: RateGate, waited_for: float) -> Generator[Sleep, object, None]:
    """Wait for a send slot of the client's gate (nothing to wait for in the common case)."""
    wait, closure = gate.admit(waited_for)
    while wait > 0:
        yield Sleep(wait)
        if not gate.reclosed_since(closure):
            return
        # A refusal that arrived while this request waited closed the gate again: queue anew.
        wait, closure = gate.admit()


def retry_flow(
    request: httpx.Request, policy: RetryPolicy, gate: RateGate | None = None
) -> Generator[Send | Sleep, httpx.Response | Exception, httpx.Response]:
    """Send ``request`` until it succeeds or ``policy`` says stop; raise the last transport error.

    With a ``gate`` (one per client), each attempt first waits for its admission, and each answer
    tells the gate whether the server refused (429) or accepted.
    """
    retries_done = 0
    refusal_wait = 0.0
    waited_for = -math.inf  # the gate closure this request has slept off itself
    while True:
        if gate is not None:
            yield from _admission(gate, waited_for)
        # The redacted URL and headers are formatted only when someone listens: this runs for
        # every request, and the common case logs nothing.
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug(
                "Request %s %s (attempt %d) headers=%s",
                request.method,
                redact_url(request.url),
                retries_done + 1,
                redact_headers(request.headers.multi_items()),
            )
        outcome = yield SEND
        if debug and isinstance(outcome, httpx.Response):
            logger.debug(
                "Response %s %s -> %s", request.method, redact_url(request.url), _describe(outcome, request)
            )
        delay = policy.decide(request, outcome, retries_done, refusal_wait)
        refused = isinstance(outcome, httpx.Response) and outcome.status_code == 429
        if gate is not None and isinstance(outcome, httpx.Response):
            if refused:
                gate.refused(delay)
            else:
                gate.accepted()
        if delay is None:
            if isinstance(outcome, Exception):
                raise outcome
            outcome.extensions[RETRIES_EXTENSION] = retries_done
            return outcome
        # A refusal that said when spends the time budget; it did nothing server-side, so it is not
        # a retry in RETRIES_EXTENSION's sense either (no earlier attempt can have taken effect).
        if refused and _says_when(outcome, policy):
            refusal_wait += refusal_cost(delay)
        else:
            retries_done += 1
        logger.info(
            "Retrying %s %s in %.2f s (retry %d of %d) after %s",
            request.method,
            redact_url(request.url),
            delay,
            retries_done,
            policy.max_retries,
            _describe(outcome, request),
        )
        if refused and gate is not None:
            # This pause is the closure the refusal just set: the next admission does not wait for
            # it a second time (only for spacing behind others, or a later refusal).
            waited_for = gate.closed_until
        yield Sleep(delay)
