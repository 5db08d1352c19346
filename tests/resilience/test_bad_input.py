"""Bad arguments to the client: a clear error naming the argument, before any request is sent.

Every case runs against a live Simulator with both clients; the client's pool counts attempts
(none allowed) and the server's request log must show only the sentinel request sent afterwards.
"""

from __future__ import annotations

import inspect
import math
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from .conftest import KEY, Attempts

pytestmark = pytest.mark.integration

RUN = str(uuid.uuid4())

# (what is wrong, call, exception type, fragment of the message)
CALLS: list[tuple[str, Callable[[Any], Any], type[Exception], str]] = [
    ("empty prompt", lambda c: c.runs.create(prompt=""), ValueError, "prompt must not be empty"),
    ("blank prompt", lambda c: c.runs.create(prompt=" \t\n"), ValueError, "prompt must not be empty"),
    ("None prompt", lambda c: c.runs.create(prompt=None), TypeError, "prompt must be a str"),
    ("int prompt", lambda c: c.runs.create(prompt=42), TypeError, "prompt must be a str, got int"),
    ("bytes prompt", lambda c: c.runs.create(prompt=b"check"), TypeError, "prompt must be a str, got bytes"),
    ("list prompt", lambda c: c.runs.create(prompt=["a"]), TypeError, "prompt must be a str, got list"),
    (
        "ftp webhook",
        lambda c: c.runs.create(prompt="p", webhook_url="ftp://h.example/x"),
        ValueError,
        "webhook_url",
    ),
    ("relative webhook", lambda c: c.runs.create(prompt="p", webhook_url="/hook"), ValueError, "webhook_url"),
    (
        "js webhook",
        lambda c: c.runs.create(prompt="p", webhook_url="javascript:alert(1)"),
        ValueError,
        "webhook_url",
    ),
    (
        "hostless webhook",
        lambda c: c.runs.create(prompt="p", webhook_url="https://"),
        ValueError,
        "webhook_url",
    ),
    ("empty webhook", lambda c: c.runs.create(prompt="p", webhook_url=""), ValueError, "webhook_url"),
    ("int webhook", lambda c: c.runs.create(prompt="p", webhook_url=8080), TypeError, "webhook_url"),
    ("non-UUID id", lambda c: c.runs.get("run_123"), ValueError, "run_id must be a UUID"),
    ("path traversal id", lambda c: c.runs.get("../../v1/tests"), ValueError, "run_id must be a UUID"),
    ("truncated UUID", lambda c: c.runs.get(RUN[:-1]), ValueError, "run_id must be a UUID"),
    ("empty id", lambda c: c.runs.get(""), ValueError, "run_id must be a UUID"),
    ("int id", lambda c: c.runs.get(7), TypeError, "run_id must be a UUID string"),
    ("None id", lambda c: c.runs.get(None), TypeError, "run_id must be a UUID string"),
    ("non-UUID cancel", lambda c: c.runs.cancel("all"), ValueError, "run_id must be a UUID"),
    ("non-UUID wait", lambda c: c.runs.wait("latest"), ValueError, "run_id must be a UUID"),
    ("zero timeout", lambda c: c.runs.wait(RUN, timeout=0), ValueError, "timeout must be a positive"),
    ("negative timeout", lambda c: c.runs.wait(RUN, timeout=-30), ValueError, "timeout must be a positive"),
    ("NaN timeout", lambda c: c.runs.wait(RUN, timeout=math.nan), ValueError, "timeout must be a positive"),
    (
        "infinite timeout",
        lambda c: c.runs.wait(RUN, timeout=math.inf),
        ValueError,
        "timeout must be a positive",
    ),
    ("str timeout", lambda c: c.runs.wait(RUN, timeout="60"), TypeError, "timeout must be a number"),
    ("bool timeout", lambda c: c.runs.wait(RUN, timeout=True), TypeError, "timeout must be a number"),
    ("zero poll interval", lambda c: c.runs.wait(RUN, poll_interval=0), ValueError, "poll_interval"),
    ("negative max interval", lambda c: c.runs.wait(RUN, max_interval=-1), ValueError, "max_interval"),
    (
        "max < poll interval",
        lambda c: c.runs.wait(RUN, poll_interval=5, max_interval=1),
        ValueError,
        "max_interval",
    ),
    (
        "str raise_on_failure",
        lambda c: c.runs.wait(RUN, raise_on_failure="yes"),
        TypeError,
        "raise_on_failure",
    ),
    # create_and_wait checks its wait options before the run is created (no orphan run).
    (
        "create_and_wait zero timeout",
        lambda c: c.runs.create_and_wait(prompt="p", timeout=0),
        ValueError,
        "timeout",
    ),
    ("create_and_wait typo", lambda c: c.runs.create_and_wait(prompt="p", timout=5), TypeError, "timout"),
    ("wait_many of a str", lambda c: c.runs.wait_many(RUN), TypeError, "sequence of run ids"),
    ("wait_many bad item", lambda c: c.runs.wait_many([RUN, "x"]), ValueError, "run_ids[1]"),
    ("zero page size", lambda c: c.runs.list(limit=0), ValueError, "limit must be between 1 and 100"),
    ("huge page size", lambda c: c.runs.list(limit=1000), ValueError, "limit must be between 1 and 100"),
    ("str page size", lambda c: c.runs.list(limit="10"), TypeError, "limit must be an int"),
    ("empty status filter", lambda c: c.runs.list(status=""), ValueError, "status must not be empty"),
    ("non-UUID test", lambda c: c.tests.trigger("login-test"), ValueError, "test_id must be a UUID"),
    ("non-UUID group", lambda c: c.groups.trigger("smoke"), ValueError, "group_id must be a UUID"),
    ("bad group wait", lambda c: c.groups.trigger_and_wait(RUN, timeout=-1), ValueError, "timeout"),
    ("non-UUID batch", lambda c: c.batches.cancel("latest"), ValueError, "batch_id must be a UUID"),
    ("non-UUID batch rerun", lambda c: c.batches.rerun_and_wait("x"), ValueError, "batch_id must be a UUID"),
    ("bad batch wait", lambda c: c.batches.rerun_and_wait(RUN, poll_interval=0), ValueError, "poll_interval"),
    ("tests list without project", lambda c: c.tests.list(), TypeError, "project_id"),
    ("tests list bad group", lambda c: c.tests.list(project_id="p", group_id="g"), ValueError, "group_id"),
    ("tests page size", lambda c: c.tests.list(project_id="p", limit=0), ValueError, "limit must be between"),
    ("runs list bad project", lambda c: c.runs.list(project_id="p"), ValueError, "project_id must be a UUID"),
    ("runs list unknown filter", lambda c: c.runs.list(owner="me"), TypeError, "unexpected argument"),
    ("blank webhook secret", lambda c: c.webhooks.trigger(RUN, " "), ValueError, "secret must not be empty"),
    (
        "spaced webhook secret",
        lambda c: c.webhooks.trigger(RUN, "a b"),
        ValueError,
        "secret must not contain",
    ),
]

# (what is wrong, constructor keyword arguments, exception type, fragment of the message)
CONSTRUCTORS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("empty key", {"api_key": ""}, ta.MissingAPIKeyError, "TESTERARMY_API_KEY"),
    ("blank key", {"api_key": "   "}, ta.MissingAPIKeyError, "TESTERARMY_API_KEY"),
    ("int key", {"api_key": 1234}, TypeError, "api_key must be a str"),
    ("key with a space", {"api_key": "sk_test one"}, ValueError, "api_key contains whitespace"),
    ("key with a newline", {"api_key": "sk_test\nX-Evil: 1"}, ValueError, "api_key contains whitespace"),
    ("non-ASCII key", {"api_key": "sk_tést"}, ValueError, "non-ASCII"),
    ("ftp base URL", {"base_url": "ftp://127.0.0.1/api"}, ValueError, "base_url must be an http(s) URL"),
    ("hostless base URL", {"base_url": "http:///api"}, ValueError, "base_url must be an http(s) URL"),
    (
        "base URL ending in /v1",
        {"base_url": "http://127.0.0.1:1/api/v1"},
        ValueError,
        "must not end with /v1",
    ),
    ("base URL with credentials", {"base_url": "https://u:p@tester.army/api"}, ValueError, "user:password"),
    ("base URL with a query", {"base_url": "https://tester.army/api?x=1"}, ValueError, "query string"),
    ("plain http to a remote host", {"base_url": "http://tester.army/api"}, ValueError, "plain http://"),
    ("int base URL", {"base_url": 8080}, TypeError, "base_url must be a str"),
    ("zero timeout", {"timeout": 0}, ValueError, "timeout must be a positive"),
    ("negative timeout", {"timeout": -1.5}, ValueError, "timeout must be a positive"),
    ("NaN timeout", {"timeout": math.nan}, ValueError, "timeout must be a positive"),
    ("str timeout", {"timeout": "30"}, TypeError, "timeout must be a number"),
    ("negative connect timeout", {"timeout": httpx.Timeout(10, connect=-1)}, ValueError, "timeout.connect"),
    ("negative max_retries", {"max_retries": -1}, ValueError, "max_retries must be between 0 and 10"),
    ("huge max_retries", {"max_retries": 1000}, ValueError, "max_retries must be between 0 and 10"),
    ("float max_retries", {"max_retries": 2.5}, TypeError, "max_retries must be an int"),
    ("bool max_retries", {"max_retries": True}, TypeError, "max_retries must be an int"),
    ("Authorization header", {"default_headers": {"Authorization": "Bearer x"}}, ValueError, "Authorization"),
    (
        "headers as a list",
        {"default_headers": [("X-A", "1")]},
        TypeError,
        "default_headers must be a mapping",
    ),
    ("non-str header value", {"default_headers": {"X-A": 1}}, TypeError, "default_headers keys and values"),
    (
        "str allow_insecure_http",
        {"allow_insecure_http": "yes"},
        TypeError,
        "allow_insecure_http must be a bool",
    ),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,), time_scale=0, seed=0) as simulator:
        yield simulator


def _only_the_sentinel_reached(sim: Simulator, sentinel: Callable[[], object]) -> None:
    """The server saw nothing but one request sent afterwards (so a stray request, had there been
    one, would already be in its log)."""
    sim.requests.clear()
    sentinel()
    seen = [(r.method, r.api_path) for r in sim.requests]
    assert seen in ([], [("GET", "/v1/runs")]), seen


async def _ainvoke(call: Callable[[Any], Any], client: ta.AsyncTesterArmy) -> object:
    result = call(client)
    if inspect.isawaitable(result):
        return await result
    return await anext(result)  # runs.list: an async iterator


def _check(error: BaseException, exc_type: type[Exception], fragment: str) -> None:
    assert type(error) is exc_type, repr(error)
    text = str(error)
    assert fragment in text, text
    assert "\n" not in text
    assert len(text) < 400
    assert KEY not in text


@pytest.mark.parametrize(("what", "call", "exc_type", "fragment"), CALLS, ids=[c[0] for c in CALLS])
def test_bad_call_arguments_fail_before_any_request_sync(
    what: str, call: Callable[[Any], Any], exc_type: type[Exception], fragment: str, sim: Simulator
) -> None:
    attempts = Attempts()
    with (
        httpx.Client(event_hooks={"request": [attempts]}) as pool,
        ta.TesterArmy(api_key=KEY, base_url=sim.url, http_client=pool) as client,
    ):
        sim.requests.clear()
        with pytest.raises(exc_type) as info:
            call(client)  # (runs.list checks its arguments when called, not when iterated)
        assert len(attempts) == 0, attempts.sent
        _check(info.value, exc_type, fragment)
        _only_the_sentinel_reached(sim, lambda: list(client.runs.list(limit=1)))
    assert not [s for s in sim.runs if s.prompt == "p"], "a run was created"


@pytest.mark.anyio
@pytest.mark.parametrize(("what", "call", "exc_type", "fragment"), CALLS, ids=[c[0] for c in CALLS])
async def test_bad_call_arguments_fail_before_any_request_async(
    what: str, call: Callable[[Any], Any], exc_type: type[Exception], fragment: str, sim: Simulator
) -> None:
    attempts = Attempts()
    async with (
        httpx.AsyncClient(event_hooks={"request": [attempts.ahook]}) as pool,
        ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url, http_client=pool) as client,
    ):
        with pytest.raises(exc_type) as info:
            await _ainvoke(call, client)
        assert len(attempts) == 0, attempts.sent
        _check(info.value, exc_type, fragment)
    assert not [s for s in sim.runs if s.prompt == "p"], "a run was created"


@pytest.mark.parametrize(
    ("what", "kwargs", "exc_type", "fragment"), CONSTRUCTORS, ids=[c[0] for c in CONSTRUCTORS]
)
@pytest.mark.parametrize("flavour", [ta.TesterArmy, ta.AsyncTesterArmy], ids=["sync", "async"])
def test_bad_client_options_fail_at_construction(
    flavour: type[Any],
    what: str,
    kwargs: dict[str, Any],
    exc_type: type[Exception],
    fragment: str,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TESTERARMY_API_KEY", raising=False)
    monkeypatch.delenv("TESTERARMY_BASE_URL", raising=False)
    options = {"api_key": KEY, "base_url": sim.url, **kwargs}
    sim.requests.clear()
    with pytest.raises(exc_type) as info:
        flavour(**options)
    _check(info.value, exc_type, fragment)
    if isinstance(options["api_key"], str) and len(options["api_key"].strip()) > 3:
        assert options["api_key"].strip() not in str(info.value)  # a bad key is not echoed either
    with ta.TesterArmy(api_key=KEY, base_url=sim.url) as probe:
        _only_the_sentinel_reached(sim, lambda: list(probe.runs.list(limit=1)))


def test_wrong_http_client_flavour_is_refused(sim: Simulator) -> None:
    with httpx.Client() as pool, pytest.raises(TypeError, match=r"http_client must be an httpx\.AsyncClient"):
        ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url, http_client=pool)
    # (an AsyncClient that never connected holds nothing to close)
    with pytest.raises(TypeError, match=r"http_client must be an httpx\.Client"):
        ta.TesterArmy(api_key=KEY, base_url=sim.url, http_client=httpx.AsyncClient())


def test_the_tables_are_big_enough() -> None:
    assert len(CALLS) >= 40
    assert len(CONSTRUCTORS) >= 25
