"""Fault matrix: every run operation × every way the network, a proxy or the API can misbehave.

Each row of :data:`MATRIX` states, before anything runs, what must happen:

* ``RETRIED`` — the SDK retried (or, for ``wait``, polled again) and returned the right result;
* ``ERROR`` — the SDK raised this exact typed error after this many attempts;
* ``PARSED`` — the odd-but-valid body was parsed without complaint;

together with how many requests the client sent (counted below the retry layer), how many the
server saw (the simulator's request log, tagged per scenario), and — for run-creating calls — how
many runs exist server-side afterwards (never more than one: a retry never creates a run twice).

Real HTTP to a Simulator on 127.0.0.1 with scripted faults; time is fake (injected clock/sleep), so
backoffs and poll pauses do not really wait. Connection refused is a bound, non-listening port.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import httpx
import pytest
import testerarmy as ta
from testerarmy._retry import RetryPolicy, refusal_cost
from testerarmy.testing import Simulator
from testerarmy_api.types import Unset

from .conftest import KEY, Attempts, FakeTime

pytestmark = pytest.mark.integration

RETRIED: Final = "retried and succeeded"
ERROR: Final = "typed error"
PARSED: Final = "parsed fine"

FOREVER = None  # a fault that hits every matching request
# Client read timeout in the read-timeout scenarios (real seconds). The healthy retry must answer
# within it too, so it is generous: 0.25 s was exceeded once by a healthy listing on a loaded CI box.
READ_TIMEOUT = 1.0
LATENCY = 2.0  # server delay that trips it, with a margin for a late-scheduled client


def _policy_backoff(seconds: float) -> bool:
    # First retry of the default policy: 0.5 s minus up to 25 % jitter.
    return 0.375 <= seconds <= 0.5


@dataclass(frozen=True)
class Fault:
    """A way to fail: simulator fault options (``None``: no fault is injected, see the name)."""

    spec: dict[str, Any] | None
    retryable: bool  # would an idempotent request be retried after it?
    first_pause: Callable[[float], bool] = _policy_backoff  # the first retry pause must satisfy this
    retry_after: Callable[[float | None], bool] | None = None  # RateLimitError.retry_after check


REFUSAL_SECONDS: Final = 2
# A request refused forever (429 with Retry-After) is repeated while its refusals fit in the
# policy's max_retry_after budget, each spending at least MIN_REFUSAL_COST: then RateLimitError.
REFUSED_FOREVER_SENT: Final = 1 + int(RetryPolicy().max_retry_after // refusal_cost(REFUSAL_SECONDS))

FAULTS: dict[str, Fault] = {
    "500": Fault({"status": 500}, True),
    "502": Fault({"status": 502}, True),
    "503": Fault({"status": 503}, True),
    "504": Fault({"status": 504}, True),
    "429 Retry-After seconds": Fault(
        {"status": 429, "retry_after": REFUSAL_SECONDS},
        True,
        first_pause=lambda s: s == 2.0,
        retry_after=lambda value: value == 2.0,
    ),
    "429 Retry-After HTTP-date": Fault(
        {"status": 429, "retry_after": 3, "retry_after_format": "http-date"},
        True,
        # whole-second dates: "in 3 s" is between 2 and 3 s away when it is read
        first_pause=lambda s: 1.0 < s <= 3.0,
        retry_after=lambda value: value is not None and 1.0 < value <= 3.0,
    ),
    "429 no Retry-After": Fault(
        {"status": 429, "retry_after_format": "omit"}, True, retry_after=lambda value: value is None
    ),
    "connection refused": Fault(None, True),  # the client is pointed at a closed port
    "reset mid-response": Fault({"body": "drop"}, True),
    "read timeout": Fault({"latency": LATENCY}, True),
    "truncated JSON": Fault({"body": "truncated"}, False),
    "HTML error page": Fault({"status": 502, "body": "html"}, True),  # a proxy's (nginx) error page
    "empty body": Fault({"body": "empty"}, False),  # 2xx with no body at all
    "unknown enum value": Fault({"mutate": ["unknown_enum"]}, False),
    "unknown extra fields": Fault({"mutate": ["extra_fields"]}, False),
    "missing optional fields": Fault({"mutate": ["drop_optional"]}, False),
    # No fault: a queued run really has nulls in every nullable field (output, startedAt, ...).
    "nulls where nullable": Fault(None, False),
}

ROUTES = {
    "submit": ("POST", "/v1/runs"),
    "get": ("GET", "/v1/runs/{id}"),
    "list": ("GET", "/v1/runs"),
    "cancel": ("POST", "/v1/runs/{id}/cancel"),
    "wait": ("GET", "/v1/runs/{id}"),
}


@dataclass(frozen=True)
class Row:
    op: str
    fault: str
    outcome: str
    requests: int  # requests the server saw
    error: type[Exception] | None = None
    attempts: int | None = None  # requests the client sent (default: = requests)
    times: int | None = 1  # matching requests the fault hits
    after_handler: bool = False  # the server does the work first, then the response is spoiled
    runs: int | None = None  # submit: runs that exist server-side afterwards
    lookups: int = 0  # cancel: GETs that check the run's status (not counted in requests/attempts)
    wait_timeout: float = 30.0

    @property
    def id(self) -> str:
        times = "forever" if self.times is None else f"x{self.times}"
        where = ", after the handler" if self.after_handler else ""
        return f"{self.op}: {self.fault} {times}{where}"

    @property
    def sent(self) -> int:
        return self.requests if self.attempts is None else self.attempts


R = Row
AH = {"after_handler": True}
# fmt: off
MATRIX: list[Row] = [
    # --- submit (POST /v1/runs): never retried once it may have reached the server ------------
    # The server created the run, then the response failed: one attempt, exactly one run.
    R("submit", "500", ERROR, 1, ta.InternalServerError, runs=1, **AH),
    R("submit", "502", ERROR, 1, ta.InternalServerError, runs=1, **AH),
    R("submit", "503", ERROR, 1, ta.InternalServerError, runs=1, **AH),
    R("submit", "504", ERROR, 1, ta.GatewayTimeoutError, runs=1, **AH),
    R("submit", "503", ERROR, 1, ta.InternalServerError, runs=0),  # refused before the handler
    # A 429 that says when is a refusal (nothing was created): waited out and sent again, one run.
    R("submit", "429 Retry-After seconds", RETRIED, 2, runs=1),
    R("submit", "429 Retry-After HTTP-date", RETRIED, 2, runs=1),
    # Without Retry-After a run-creating POST is not repeated: the caller decides.
    R("submit", "429 no Retry-After", ERROR, 1, ta.RateLimitError, runs=0),
    # Never connected, so provably never sent: retried (3 attempts), still no run.
    R("submit", "connection refused", ERROR, 0, ta.APIConnectionError, attempts=3, runs=0),
    R("submit", "reset mid-response", ERROR, 1, ta.APIConnectionError, runs=1, **AH),
    R("submit", "read timeout", ERROR, 1, ta.APITimeoutError, runs=1, **AH),
    R("submit", "truncated JSON", ERROR, 1, ta.APIResponseValidationError, runs=1),
    R("submit", "HTML error page", ERROR, 1, ta.InternalServerError, runs=1, **AH),
    R("submit", "empty body", ERROR, 1, ta.APIResponseValidationError, runs=1, **AH),
    R("submit", "unknown enum value", PARSED, 1, runs=1),
    R("submit", "unknown extra fields", PARSED, 1, runs=1),
    R("submit", "missing optional fields", PARSED, 1, runs=1),
    # --- get (GET /v1/runs/{id}): idempotent, retried up to max_retries=2 ---------------------
    R("get", "500", RETRIED, 2),
    R("get", "502", RETRIED, 2),
    R("get", "503", RETRIED, 2),
    R("get", "504", RETRIED, 2),
    R("get", "429 Retry-After seconds", RETRIED, 2),
    R("get", "429 Retry-After HTTP-date", RETRIED, 2),
    R("get", "429 no Retry-After", RETRIED, 2),
    R("get", "connection refused", ERROR, 0, ta.APIConnectionError, attempts=3),
    R("get", "reset mid-response", RETRIED, 2),
    R("get", "read timeout", RETRIED, 2),
    R("get", "truncated JSON", ERROR, 1, ta.APIResponseValidationError),
    R("get", "HTML error page", RETRIED, 2),
    R("get", "empty body", ERROR, 1, ta.APIResponseValidationError),
    R("get", "unknown enum value", PARSED, 1),
    R("get", "unknown extra fields", PARSED, 1),
    R("get", "missing optional fields", PARSED, 1),
    R("get", "nulls where nullable", PARSED, 1),
    # Faults that outlast the retries: the typed error after 1 + max_retries attempts.
    R("get", "503", ERROR, 3, ta.InternalServerError, times=FOREVER),
    R("get", "504", ERROR, 3, ta.GatewayTimeoutError, times=FOREVER),
    R("get", "429 no Retry-After", ERROR, 3, ta.RateLimitError, times=FOREVER),
    R("get", "HTML error page", ERROR, 3, ta.InternalServerError, times=FOREVER),
    R("get", "reset mid-response", ERROR, 3, ta.APIConnectionError, times=FOREVER),
    R("get", "read timeout", ERROR, 3, ta.APITimeoutError, times=FOREVER),
    # --- list (GET /v1/runs) -----------------------------------------------------------------
    R("list", "500", RETRIED, 2),
    R("list", "502", RETRIED, 2),
    R("list", "503", RETRIED, 2),
    R("list", "504", RETRIED, 2),
    R("list", "429 Retry-After seconds", RETRIED, 2),
    R("list", "429 Retry-After HTTP-date", RETRIED, 2),
    R("list", "429 no Retry-After", RETRIED, 2),
    R("list", "connection refused", ERROR, 0, ta.APIConnectionError, attempts=3),
    R("list", "reset mid-response", RETRIED, 2),
    R("list", "read timeout", RETRIED, 2),
    R("list", "truncated JSON", ERROR, 1, ta.APIResponseValidationError),
    R("list", "HTML error page", RETRIED, 2),
    R("list", "empty body", ERROR, 1, ta.APIResponseValidationError),
    R("list", "unknown enum value", PARSED, 1),
    R("list", "unknown extra fields", PARSED, 1),
    R("list", "missing optional fields", PARSED, 1),
    R("list", "nulls where nullable", PARSED, 1),
    R("list", "502", ERROR, 3, ta.InternalServerError, times=FOREVER),
    R("list", "429 Retry-After seconds", ERROR, REFUSED_FOREVER_SENT, ta.RateLimitError, times=FOREVER),
    # --- cancel (POST /v1/runs/{id}/cancel): idempotent by meaning, retried ------------------
    R("cancel", "500", RETRIED, 2),
    R("cancel", "502", RETRIED, 2),
    R("cancel", "503", RETRIED, 2),
    R("cancel", "504", RETRIED, 2),
    # The first attempt did cancel the run but its answer was lost; the retry hears "already
    # cancelled", the client looks at the run (1 GET): cancelled, so that is success.
    R("cancel", "503", RETRIED, 2, lookups=1, **AH),
    R("cancel", "429 Retry-After seconds", RETRIED, 2),
    R("cancel", "429 Retry-After HTTP-date", RETRIED, 2),
    R("cancel", "429 no Retry-After", RETRIED, 2),
    R("cancel", "connection refused", ERROR, 0, ta.APIConnectionError, attempts=3),
    R("cancel", "reset mid-response", RETRIED, 2, lookups=1, **AH),
    R("cancel", "read timeout", RETRIED, 2, lookups=1, **AH),
    R("cancel", "truncated JSON", ERROR, 1, ta.APIResponseValidationError),
    R("cancel", "HTML error page", RETRIED, 2),
    R("cancel", "empty body", ERROR, 1, ta.APIResponseValidationError, **AH),
    R("cancel", "unknown enum value", PARSED, 1),
    R("cancel", "unknown extra fields", PARSED, 1),
    R("cancel", "missing optional fields", PARSED, 1),
    R("cancel", "500", ERROR, 3, ta.InternalServerError, times=FOREVER),
    # --- wait (polling GET /v1/runs/{id}) on a finished run ----------------------------------
    # Three faults in a row outlast one poll's retries; the wait treats that as transient and
    # polls again: 3 + 1 requests.
    R("wait", "500", RETRIED, 4, times=3),
    R("wait", "502", RETRIED, 4, times=3),
    R("wait", "503", RETRIED, 4, times=3),
    R("wait", "504", RETRIED, 4, times=3),
    R("wait", "429 Retry-After seconds", RETRIED, 4, times=3),
    R("wait", "429 Retry-After HTTP-date", RETRIED, 4, times=3),
    R("wait", "429 no Retry-After", RETRIED, 4, times=3),
    # 2 s budget: poll (3 attempts, ~1.3 s of backoff), pause to the deadline, final poll.
    R("wait", "connection refused", ERROR, 0, ta.WaitTimeoutError, attempts=6, wait_timeout=2.0),
    R("wait", "reset mid-response", RETRIED, 4, times=3),
    R("wait", "read timeout", RETRIED, 4, times=3),
    R("wait", "truncated JSON", ERROR, 1, ta.APIResponseValidationError),
    R("wait", "HTML error page", RETRIED, 4, times=3),
    R("wait", "empty body", ERROR, 1, ta.APIResponseValidationError),
    # An unknown status is not terminal: reported, then polled again.
    R("wait", "unknown enum value", PARSED, 2),
    R("wait", "unknown extra fields", PARSED, 1),
    R("wait", "missing optional fields", PARSED, 1),
    R("wait", "nulls where nullable", PARSED, 1),
    R("wait", "503", ERROR, 6, ta.WaitTimeoutError, times=FOREVER, wait_timeout=2.0),
]
# fmt: on


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    # time_scale=0: runs stay queued until a test finishes them, so every count is deterministic.
    with Simulator(api_keys=(KEY,), time_scale=0, seed=0) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def setup_client(sim: Simulator) -> Iterator[ta.TesterArmy]:
    """Creates the runs the scenarios work on (its requests carry no scenario tag)."""
    with ta.TesterArmy(api_key=KEY, base_url=sim.url) as client:
        yield client


def server_saw(sim: Simulator, tag: str, method: str, expected: int) -> int:
    """Requests of this scenario (with this method) in the server's log.

    A record is written once its response went out (after a read timeout, only when the delayed
    handler finishes), so wait — bounded — until the expected number is there.
    """
    deadline = time.monotonic() + LATENCY + 3.0
    while True:
        seen = sum(1 for r in sim.requests if r.headers.get("x-scenario") == tag and r.method == method)
        if seen >= expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


def perform(client: ta.TesterArmy, op: str, run_id: str, prompt: str, row: Row, updates: list[str]) -> Any:
    if op == "submit":
        return client.runs.create(prompt=prompt)
    if op == "get":
        return client.runs.get(run_id)
    if op == "list":
        return list(client.runs.list(limit=100))
    if op == "cancel":
        return client.runs.cancel(run_id)
    assert op == "wait"
    return client.runs.wait(
        run_id,
        timeout=row.wait_timeout,
        poll_interval=1.0,
        max_interval=1.0,
        on_update=lambda run: updates.append(str(getattr(run.status, "value", run.status))),
    )


def check_parsed(row: Row, result: Any, sim: Simulator, run_id: str) -> None:
    """What a tolerated body must look like once parsed."""
    if row.op == "list":
        ours = [run for run in result if str(run.id) == run_id]
        assert len(ours) == 1, "our run is in the listing"
        result = ours[0]
    if row.fault == "unknown enum value":
        if row.op == "wait":
            assert updates_seen(result) == "completed"  # the next poll; the odd status was reported
        else:  # `status` is an open enum in every answer (runs, cancel): kept as a plain string
            assert result.status == "sim_unknown_status"  # kept as a plain string
    elif row.fault == "unknown extra fields":
        assert result.additional_properties["simUnknownField"] == {"addedBy": "testerarmy-simulator", "n": 1}
    elif row.fault == "missing optional fields":
        if row.op == "cancel":
            assert result.additional_properties == {}  # id and status are required: nothing else
        elif row.op == "wait":  # a finished run: output present, but only with required fields
            assert isinstance(result.started_at, Unset)
            assert result.output.result == "PASS"  # required by TestOutput: kept
            assert isinstance(result.output.steps, Unset)  # optional: dropped
        elif row.op != "submit":  # (CreateRunResponse has no optional field)
            assert isinstance(result.output, Unset)
            assert isinstance(result.started_at, Unset)
    elif row.fault == "nulls where nullable":
        raw = sim.run_json(run_id)
        if row.op == "wait":  # a finished run: no error, no webhook
            assert raw["error"] is None
            assert raw["webhookUrl"] is None
            assert result.error is None
            assert result.webhook_url is None
        else:  # a queued run: no output, not started, not finished
            assert raw["output"] is None
            assert raw["startedAt"] is None
            assert raw["completedAt"] is None
            assert result.output is None
            assert result.started_at is None
            assert result.completed_at is None


def updates_seen(run: Any) -> str:
    return str(getattr(run.status, "value", run.status))


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_fault_matrix(row: Row, sim: Simulator, setup_client: ta.TesterArmy, closed_port: int) -> None:
    fault = FAULTS[row.fault]
    tag = row.id
    prompt = f"fault matrix: {tag}"
    sim.faults.clear()
    run_id = ""
    if row.op != "submit":
        run_id = str(setup_client.runs.create(prompt=prompt).id)
        if row.op == "wait":
            sim.complete_run(run_id)
    if fault.spec is not None:
        method, path = ROUTES[row.op]
        sim.faults.add(
            method=method, path=path, times=row.times, after_handler=row.after_handler, **fault.spec
        )

    fake = FakeTime()
    attempts = Attempts()
    pool = httpx.Client(event_hooks={"request": [attempts]})
    refused = row.fault == "connection refused"
    client = ta.TesterArmy(
        api_key=KEY,
        base_url=f"http://127.0.0.1:{closed_port}/api" if refused else sim.url,
        timeout=READ_TIMEOUT if row.fault == "read timeout" else 10.0,
        http_client=pool,
        clock=fake.clock,
        sleep=fake.sleep,
        default_headers={"X-Scenario": tag},
    )
    updates: list[str] = []
    result: Any = None
    error: Exception | None = None
    try:
        result = perform(client, row.op, run_id, prompt, row, updates)
    except Exception as exc:
        error = exc
    finally:
        client.close()
        pool.close()
        sim.faults.clear()

    # The outcome, exactly as the table states it.
    if row.error is None:
        assert error is None, f"expected success, got {type(error).__name__}: {error}"
    else:
        assert type(error) is row.error, f"expected {row.error.__name__}, got {error!r}"
        assert KEY not in str(error)
        assert KEY not in repr(error)
    method = ROUTES[row.op][0]
    sent = [path for verb, path in attempts.sent if verb == method]
    assert len(sent) == row.sent, f"client sent {attempts.sent}"
    assert len(attempts) - len(sent) == row.lookups, f"client sent {attempts.sent}"
    assert server_saw(sim, tag, method, row.requests) == row.requests
    if refused:
        assert all(path.startswith("/api/v1/") for path in sent)

    # The table is consistent with itself: the kind of outcome matches the numbers.
    if row.outcome == RETRIED:
        assert error is None
        assert row.requests > 1
    elif row.outcome == PARSED:
        assert error is None
        assert attempts.sent
        assert not fault.retryable
    else:
        assert error is not None

    # Pauses: each transport retry waited as the policy / the server's Retry-After says.
    if fault.retryable and row.sent > 1:
        assert fake.sleeps
        assert fault.first_pause(fake.sleeps[0]), fake.sleeps
    if row.op != "wait":
        assert len(fake.sleeps) == row.sent - 1, fake.sleeps
    if isinstance(error, ta.RateLimitError):
        assert fault.retry_after is not None
        assert fault.retry_after(error.retry_after), error.retry_after
    if isinstance(error, ta.APIStatusError):
        assert fault.spec is not None
        expected_status = fault.spec["status"]
        assert error.status_code == expected_status
        assert str(expected_status) in str(error)

    # Server-side effects.
    if row.op == "submit":
        mine = [snap for snap in sim.runs if snap.prompt == prompt]
        assert len(mine) == row.runs, f"{len(mine)} runs exist for one create() call"
        if error is None:
            assert str(result.id) == mine[0].id
    elif row.op == "cancel":
        cancelled = sim.run(run_id).status.value == "cancelled"
        # Before-the-handler faults that outlast the retries leave the run alone; anything that
        # reached the handler cancelled it (once).
        assert cancelled == (error is None or row.after_handler or fault.spec == {"body": "truncated"})
    elif row.op in ("get", "wait") and error is None:
        assert str(result.id) == run_id
    if row.op == "wait" and error is None:
        assert updates_seen(result) == "completed"
        assert updates[-1] == "completed"
        if row.fault == "unknown enum value":
            assert updates == ["sim_unknown_status", "completed"]
    if isinstance(error, ta.WaitTimeoutError):
        assert error.last_status is None  # no poll ever got through

    if row.outcome == PARSED:
        check_parsed(row, result, sim, run_id)


def test_matrix_is_big_and_covers_every_fault_for_every_operation() -> None:
    assert len(MATRIX) >= 30
    for op in ROUTES:
        covered = {row.fault for row in MATRIX if row.op == op}
        missing = set(FAULTS) - covered
        # Bodies without nullable fields (CreateRunResponse, CancelRunResponse) cannot show nulls.
        assert missing <= ({"nulls where nullable"} if op in ("submit", "cancel") else set()), (op, missing)
    assert len({row.id for row in MATRIX}) == len(MATRIX), "scenario ids are unique"
