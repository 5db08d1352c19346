"""The API key never shows: the whole client, sync and async, at DEBUG on every logger.

Each scenario below is a real call against the simulator (or a closed port, or a server that echoes
the key back); everything a user could print afterwards is collected — results, errors (str, repr,
formatted tracebacks with their causes, their request/response), reprs of the client and its parts —
together with every log line of every logger, and searched for the key.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy.testing import Simulator
from testerarmy_api.api.runs import get as generated_get

from .conftest import KEY, TinyServer, everything_about, leaks

pytestmark = pytest.mark.integration

FAST = {"poll_interval": 0.02, "max_interval": 0.05, "timeout": 20.0}


def _echo_key(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    """A misbehaving server: quotes the credential it received in its error body.

    (Not in a response header: httpcore's own DEBUG trace prints response headers verbatim, which
    the SDK does not filter — see docs/reliability.md, "Limits".)
    """
    auth = handler.headers.get("Authorization", "")
    body = json.dumps(
        {"error": f"Unauthorized {auth}", "message": f"invalid credential {auth}", "got": [auth]}
    ).encode()
    return 401, {"Content-Type": "application/json"}, body


def _parts(client: Any) -> list[object]:
    """The client and the objects a user can reach from it without touching private names."""
    return [client, client.api, client.runs, client.tests, client.groups, client.webhooks, client.timeout]


def _sync_scenarios(
    client: ta.TesterArmy, sim: Simulator, closed: ta.TesterArmy, echo: ta.TesterArmy
) -> list[tuple[str, Callable[[], object]]]:
    group_url = sim.group_webhook_url(sim.groups[0].id)
    webhook_id, secret = group_url.rsplit("/", 2)[-2:]

    def faulty_get(**fault: Any) -> Callable[[], object]:
        def call() -> object:
            run = client.runs.create(prompt="faulty get")
            sim.faults.add(method="GET", path="/v1/runs/{id}", **fault)
            try:
                return client.runs.get(run.id)
            finally:
                sim.faults.clear()

        return call

    return [
        ("create_and_wait", lambda: client.runs.create_and_wait(prompt="Check the footer", **FAST)),
        (
            "failed run raises",
            lambda: client.runs.create_and_wait(prompt="x [sim:error]", raise_on_failure=True, **FAST),
        ),
        ("wait timeout", lambda: client.runs.wait(client.runs.create(prompt="[sim:hang]").id, timeout=0.1)),
        ("503 then ok", faulty_get(statuses=[503, 503])),
        ("429 forever", faulty_get(status=429, retry_after=0, times=None)),
        ("reset mid-response", faulty_get(body="drop")),
        ("html 502 forever", faulty_get(status=502, body="html", times=None)),
        ("truncated body", faulty_get(body="truncated")),
        ("unknown run", lambda: client.runs.get(uuid.uuid4())),
        ("list", lambda: list(client.runs.list(limit=5))),
        ("cancel", lambda: client.runs.cancel(client.runs.create(prompt="[sim:hang]").id)),
        ("cancel twice", lambda: client.runs.cancel(sim.runs[0].id)),
        ("group webhook", lambda: client.webhooks.trigger(webhook_id, secret)),
        ("group webhook, wrong secret", lambda: client.webhooks.trigger(webhook_id, "wrong-secret")),
        ("generated client", lambda: generated_get.sync_detailed(uuid.uuid4(), client=client.api)),
        ("connection refused", lambda: closed.runs.get(uuid.uuid4())),
        ("server echoes the key", lambda: echo.runs.get(uuid.uuid4())),
    ]


def _collect(label: str, outcome: object, exposed: list[tuple[str, str]]) -> None:
    if isinstance(outcome, BaseException):
        exposed.append((label, everything_about(outcome)))
    else:
        exposed.append((label, repr(outcome)))
        exposed.append((label, str(outcome)))


def _assert_nothing_leaked(exposed: list[tuple[str, str]], debug_logs: Any) -> None:
    assert {"testerarmy", "httpx", "httpcore"} <= debug_logs.loggers, debug_logs.loggers
    log_text = "\n".join(debug_logs.lines)
    assert "'authorization': '<redacted>'" in log_text  # headers were logged, redacted
    assert "Traceback" in "\n".join(text for _, text in exposed)  # tracebacks were formatted
    leaked = [label for label, text in [*exposed, ("logs", log_text)] if leaks(text)]
    assert leaked == [], f"the key appears in: {leaked}"


def test_sync_client_at_debug_never_shows_the_key(
    sim: Simulator, closed_port: int, debug_logs: Any, recwarn: pytest.WarningsRecorder
) -> None:
    exposed: list[tuple[str, str]] = []
    with (
        TinyServer("127.0.0.1", _echo_key) as echo_server,
        ta.TesterArmy(api_key=KEY, base_url=sim.url, sleep=lambda s: None) as client,
        ta.TesterArmy(
            api_key=KEY, base_url=f"http://127.0.0.1:{closed_port}/api", sleep=lambda s: None
        ) as closed,
        ta.TesterArmy(api_key=KEY, base_url=f"{echo_server.root}/api", max_retries=0) as echo,
    ):
        for label, call in _sync_scenarios(client, sim, closed, echo):
            try:
                outcome: object = call()
            except Exception as exc:
                outcome = exc
            _collect(label, outcome, exposed)
        for part in [*_parts(client), *_parts(closed), *_parts(echo)]:
            exposed.append((f"repr({type(part).__name__})", repr(part)))
            exposed.append((f"str({type(part).__name__})", str(part)))
        assert echo_server.seen
        assert all(seen.authorization == f"Bearer {KEY}" for seen in echo_server.seen)  # it did get it
    exposed += [("warning", str(w.message)) for w in recwarn]
    outcomes = [label for label, text in exposed if "Error" in text]
    assert len(outcomes) >= 8  # the error scenarios did raise
    _assert_nothing_leaked(exposed, debug_logs)


@pytest.mark.anyio
async def test_async_client_at_debug_never_shows_the_key(
    sim: Simulator, closed_port: int, debug_logs: Any
) -> None:
    exposed: list[tuple[str, str]] = []

    async def no_sleep(seconds: float) -> None:
        return None

    with TinyServer("127.0.0.1", _echo_key) as echo_server:
        async with (
            ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url, sleep=no_sleep) as client,
            ta.AsyncTesterArmy(
                api_key=KEY, base_url=f"http://127.0.0.1:{closed_port}/api", sleep=no_sleep
            ) as closed,
            ta.AsyncTesterArmy(api_key=KEY, base_url=f"{echo_server.root}/api", max_retries=0) as echo,
        ):

            async def faulty(**fault: Any) -> object:
                run = await client.runs.create(prompt="faulty get")
                sim.faults.add(method="GET", path="/v1/runs/{id}", **fault)
                try:
                    return await client.runs.get(run.id)
                finally:
                    sim.faults.clear()

            async def listed() -> object:
                return [run async for run in client.runs.list(limit=5)]

            scenarios: list[tuple[str, Callable[[], Awaitable[object]]]] = [
                ("create_and_wait", lambda: client.runs.create_and_wait(prompt="Check search", **FAST)),
                (
                    "failed run raises",
                    lambda: client.runs.create_and_wait(
                        prompt="x [sim:error]", raise_on_failure=True, **FAST
                    ),
                ),
                ("group batch", lambda: client.groups.trigger_and_wait(sim.groups[0].id, **FAST)),
                ("503 then ok", lambda: faulty(statuses=[503, 503])),
                ("429 forever", lambda: faulty(status=429, retry_after=0, times=None)),
                ("reset forever", lambda: faulty(body="drop", times=None)),
                ("unknown run", lambda: client.runs.get(uuid.uuid4())),
                ("list", listed),
                ("generated client", lambda: generated_get.asyncio_detailed(uuid.uuid4(), client=client.api)),
                ("connection refused", lambda: closed.runs.get(uuid.uuid4())),
                ("server echoes the key", lambda: echo.runs.get(uuid.uuid4())),
            ]
            for label, call in scenarios:
                try:
                    outcome: object = await call()
                except Exception as exc:
                    outcome = exc
                _collect(label, outcome, exposed)
            for part in [*_parts(client), *_parts(closed), *_parts(echo)]:
                exposed.append((f"repr({type(part).__name__})", repr(part)))
    _assert_nothing_leaked(exposed, debug_logs)


def test_a_key_without_the_sk_prefix_is_warned_about_without_being_shown(sim: Simulator) -> None:
    odd = "ODDKEY_0123456789_SECRETPART"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with (
            ta.TesterArmy(api_key=odd, base_url=sim.url) as client,
            pytest.raises(ta.AuthenticationError) as info,
        ):
            client.runs.get(uuid.uuid4())
    assert [w.category for w in caught] == [ta.TesterArmyWarning]
    assert odd not in str(caught[0].message)
    assert not leaks(everything_about(info.value), (odd,))


def test_the_key_cannot_be_smuggled_into_a_header_or_an_error(sim: Simulator) -> None:
    # A key with a newline would be a header injection; the error must not echo it either.
    for bad in (f"{KEY}\r\nX-Injected: 1", f"{KEY[:9]}\t{KEY[9:]}", f"{KEY}\x00", f"{KEY}é"):
        with pytest.raises(ValueError) as info:
            ta.TesterArmy(api_key=bad, base_url=sim.url)
        assert not leaks(everything_about(info.value))


@pytest.fixture
def closed_port() -> Any:
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    yield sock.getsockname()[1]
    sock.close()


def test_headers_and_requests_print_masked(sim: Simulator) -> None:
    with ta.TesterArmy(api_key=KEY, base_url=sim.url, max_retries=0) as client:
        sim.faults.add(method="GET", path="/v1/runs/{id}", status=500)
        with pytest.raises(ta.InternalServerError) as info:
            client.runs.get(uuid.uuid4())
    request = info.value.request
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {KEY}"  # really sent ...
    assert "[secure]" in repr(request.headers)  # ... but printed masked
    assert not leaks(repr(request) + repr(request.headers) + repr(httpx.Headers(request.headers)))
