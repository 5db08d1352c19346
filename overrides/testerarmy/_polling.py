"""Waiting for runs — the algorithm, written once as a sans-I/O flow (see ``_flow``).

One run is followed by :func:`_follow_run`:

* poll now, then after ``poll_interval`` seconds, growing x``backoff`` up to ``max_interval``
  (a run usually takes minutes: early polls catch quick runs, later ones stay cheap);
* a server hint — ``Retry-After`` on the GET, or on a 429 — stretches the next pause (capped);
* every change of status is reported once (:class:`Notify` → ``on_update(run)``);
* a terminal status (``completed``, ``failed``, ``cancelled``) ends the wait; with
  ``raise_on_failure`` a ``failed``/``cancelled`` run raises :class:`RunFailedError`;
* transient errors (connection problems, timeouts, 429, 5xx — each GET has already had the
  transport's retries) do not abort the wait; anything else (401, 403, 404, an unparseable run) does;
* the last pause is cut to the deadline and one final poll happens at it, then
  :class:`WaitTimeoutError` (run id, last status seen, elapsed).

:func:`wait_flow` multiplexes any number of such followers on one timeline: the runs that are due
are fetched together (one :class:`Fetch` action, which the async driver performs concurrently over
one connection pool), sleeps are merged, results come back in input order. ``wait()`` is simply
``wait_flow`` over one id.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, TypedDict

from ._errors import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    RateLimitError,
    RunFailedError,
    WaitTimeoutError,
)
from ._flow import Sleep
from ._logging import logger
from ._validation import require_positive

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = [
    "FAILED_STATUSES",
    "TERMINAL_STATUSES",
    "Fetch",
    "Notify",
    "Polled",
    "RoundPlanner",
    "WaitAction",
    "WaitOptions",
    "WaitSettings",
    "failure_reason",
    "is_transient",
    "status_of",
    "wait_flow",
]

TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "cancelled"})
FAILED_STATUSES: Final = frozenset({"failed", "cancelled"})

DEFAULT_POLL_INTERVAL: Final = 1.0
DEFAULT_MAX_INTERVAL: Final = 10.0
DEFAULT_BACKOFF: Final = 1.5
# A server hint longer than this is not obeyed blindly (a bogus "Retry-After: 86400" must not park a CI job).
MAX_HINT: Final = 60.0


# NamedTuples like every flow action (see _flow.Sleep).
class Fetch(NamedTuple):
    """Action: GET each run; the outcome is a tuple, per id, of :class:`Polled` or the raised error."""

    run_ids: tuple[str, ...]


class Notify(NamedTuple):
    """Action: the run's status changed — call ``on_update(run)``."""

    run: Run


class Polled(NamedTuple):
    """A successful poll: the run, and the server's ``Retry-After`` hint in seconds if any."""

    run: Run
    retry_after: float | None = None


WaitAction = Fetch | Sleep | Notify


class WaitOptions(TypedDict, total=False):
    """Keyword arguments of every ``*_and_wait`` method (same meaning as in ``runs.wait``).

    * ``timeout``: seconds to wait in total before :class:`WaitTimeoutError`.
    * ``poll_interval``: first pause between polls (grows x1.5 per poll).
    * ``max_interval``: longest pause between polls.
    * ``on_update``: called with the run on every status change (async callables welcome in the
      async client).
    * ``raise_on_failure``: raise :class:`RunFailedError` for ``failed``/``cancelled`` runs.
    """

    timeout: float
    poll_interval: float
    max_interval: float
    on_update: Callable[[Run], object] | None
    raise_on_failure: bool


class WaitSettings(NamedTuple):
    """Validated wait options (:meth:`build`); read-only."""

    timeout: float
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_interval: float = DEFAULT_MAX_INTERVAL
    backoff: float = DEFAULT_BACKOFF
    raise_on_failure: bool = False

    @classmethod
    def from_options(cls, options: WaitOptions, *, default_timeout: float) -> WaitSettings:
        unknown = set(options) - set(WaitOptions.__annotations__)
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        return cls.build(
            timeout=options.get("timeout", default_timeout),
            poll_interval=options.get("poll_interval", DEFAULT_POLL_INTERVAL),
            max_interval=options.get("max_interval", DEFAULT_MAX_INTERVAL),
            raise_on_failure=options.get("raise_on_failure", False),
        )

    @classmethod
    def build(
        cls, *, timeout: object, poll_interval: object, max_interval: object, raise_on_failure: object
    ) -> WaitSettings:
        """Validated settings; raises before any request (``create_and_wait`` checks these first)."""
        settings = cls(
            timeout=require_positive(timeout, "timeout"),
            poll_interval=require_positive(poll_interval, "poll_interval"),
            max_interval=require_positive(max_interval, "max_interval"),
        )
        if settings.max_interval < settings.poll_interval:
            raise ValueError(
                f"max_interval ({settings.max_interval}) must be >= poll_interval ({settings.poll_interval})"
            )
        if not isinstance(raise_on_failure, bool):
            raise TypeError(f"raise_on_failure must be a bool, got {type(raise_on_failure).__name__}")
        return cls(
            timeout=settings.timeout,
            poll_interval=settings.poll_interval,
            max_interval=settings.max_interval,
            raise_on_failure=raise_on_failure,
        )


def status_of(run: Run) -> str:
    """The status as a plain string (``RunStatus`` members and unknown strings alike)."""
    status: object = run.status
    value = getattr(status, "value", status)
    return str(value)


def failure_reason(run: Run) -> str | None:
    """A short reason from ``run.error`` (``{code, message}``, plus whatever else it carries)."""
    error: Any = run.error
    for attribute in ("message", "code"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    details = getattr(error, "additional_properties", None)
    if not isinstance(details, dict) or not details:
        return None
    for key in ("message", "reason", "error", "code"):
        value = details.get(key)
        if isinstance(value, str) and value:
            return value
    return str(details)[:300]


def is_transient(error: BaseException) -> bool:
    """Errors worth waiting through: the next poll may well succeed."""
    if isinstance(error, APIConnectionError | RateLimitError | InternalServerError):
        return True
    return isinstance(error, APIStatusError) and error.status_code == 408


def _follow_run(
    run_id: str, settings: WaitSettings, clock: Callable[[], float]
) -> Generator[WaitAction, Any, Run]:
    start = clock()
    deadline = start + settings.timeout
    interval = settings.poll_interval
    last_status: str | None = None
    last_run: Run | None = None
    while True:
        (outcome,) = yield Fetch((run_id,))
        if isinstance(outcome, Polled):
            run = last_run = outcome.run
            status = status_of(run)
            if status != last_status:
                last_status = status
                yield Notify(run)
            if status in TERMINAL_STATUSES:
                if settings.raise_on_failure and status in FAILED_STATUSES:
                    raise RunFailedError(run, failure_reason(run))
                return run
            hint = outcome.retry_after
        elif isinstance(outcome, Exception) and is_transient(outcome):
            logger.info("Polling run %s: transient error, will poll again: %s", run_id, outcome)
            hint = outcome.retry_after if isinstance(outcome, RateLimitError) else None
        else:
            raise outcome
        now = clock()
        remaining = deadline - now
        if remaining <= 0:
            raise WaitTimeoutError(run_id, last_status, now - start, last_run)
        pause = interval if hint is None else max(interval, min(hint, MAX_HINT))
        yield Sleep(min(pause, remaining))
        interval = min(interval * settings.backoff, settings.max_interval)


class RoundPlanner(Protocol):
    """Answers one poll round with other actions than per-run GETs (``_listpoll.StatusPlanner``)."""

    def fetch(self, run_ids: Sequence[str]) -> Generator[Any, Any, tuple[Polled | Exception, ...]]: ...


def wait_flow(
    run_ids: Sequence[str],
    settings: WaitSettings,
    clock: Callable[[], float],
    planner: RoundPlanner | None = None,
) -> Generator[Any, Any, list[Run]]:
    """Follow every run in ``run_ids`` until all are terminal; the runs in input order.

    Each round's due runs are one :class:`Fetch`, or, with a ``planner``, whatever actions it yields
    to answer them (list pages, then a ``Fetch`` of the rest).

    The first error of any follower (timeout, failure with ``raise_on_failure``, a fatal API error)
    ends the whole wait: for a batch, "fail fast" is what a CI gate wants.
    """
    followers = [_follow_run(run_id, settings, clock) for run_id in run_ids]
    results: list[Run | None] = [None] * len(followers)
    pending: dict[int, WaitAction] = {}
    wake_at: dict[int, float] = {}
    notified_at: dict[int, float] = {}

    def advance(index: int, value: object, now: float) -> None:
        # ``now`` is read once per round, not per follower: followers on the same schedule must wake
        # at the same instant, or the time spent advancing a thousand of them (a loaded machine, a
        # scaled clock) splits one round into many small ones that no list page can answer together.
        try:
            action = followers[index].send(value)
        except StopIteration as done:
            results[index] = done.value
            pending.pop(index, None)
            wake_at.pop(index, None)
            return
        pending[index] = action
        if isinstance(action, Notify):
            notified_at[index] = now  # its pause counts from the poll, not from the callbacks
        elif isinstance(action, Sleep):
            wake_at[index] = now + action.seconds

    try:
        start = clock()
        for index in range(len(followers)):
            advance(index, None, start)
        while pending:
            notify = next((i for i, action in pending.items() if isinstance(action, Notify)), None)
            if notify is not None:
                yield pending[notify]
                advance(notify, None, notified_at.pop(notify))
                continue
            due = [i for i, action in pending.items() if isinstance(action, Fetch)]
            if due:
                ids = tuple(run_ids[i] for i in due)
                if planner is None:
                    outcomes = yield Fetch(ids)
                else:
                    outcomes = yield from planner.fetch(ids)
                answered_at = clock()
                for index, outcome in zip(due, outcomes, strict=True):
                    advance(index, (outcome,), answered_at)
                continue
            now = clock()
            ready = [i for i, when in wake_at.items() if when <= now]
            if not ready:
                yield Sleep(min(wake_at.values()) - now)
                continue
            for index in ready:
                wake_at.pop(index)
                advance(index, None, now)
    finally:
        for follower in followers:
            follower.close()
    runs = [run for run in results if run is not None]
    assert len(runs) == len(results)
    return runs
