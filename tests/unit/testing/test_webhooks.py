"""Webhook delivery policy (timeout, 3 retries at 1/2/4 s scaled, final status) with a fake transport."""

from __future__ import annotations

import httpx
import pytest
from testerarmy.testing._lifecycle import Planner, SimClock
from testerarmy.testing._state import Store
from testerarmy.testing._webhooks import WebhookDispatcher, WebhookPolicy, is_loopback_url

URL = "http://127.0.0.1:9/hook"


def setup(statuses, *, url=URL, time_scale=0.5, policy=None):
    store = Store(clock=SimClock(0), planner=Planner(seed=0, queue_seconds=0, run_seconds=1, jitter=0))
    run = store.create_run(owner="a", prompt="p", input={"prompt": "p"}, webhook_url=url)
    store.clock.advance(5)
    (snap,), _ = store.due_webhooks()
    calls: list[httpx.Request] = []
    answers = list(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        answer = answers.pop(0) if answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    dispatcher = WebhookDispatcher(
        store,
        render=lambda s: {"id": s.id, "status": s.status.value},
        policy=policy or WebhookPolicy(),
        time_scale=time_scale,
        sleep=sleep,
        transport=httpx.MockTransport(handler),
    )
    return store, run, snap, dispatcher, calls, sleeps


async def deliver(dispatcher, snap):
    async with httpx.AsyncClient(transport=dispatcher._transport) as client:
        return await dispatcher.deliver(client, snap)


@pytest.mark.anyio
async def test_first_attempt_succeeds():
    store, run, snap, dispatcher, calls, sleeps = setup([204])
    assert await deliver(dispatcher, snap) == "delivered"
    assert len(calls) == 1
    assert calls[0].headers["content-type"] == "application/json"
    assert calls[0].read() == b'{"id":"%s","status":"completed"}' % run.id.encode()
    assert sleeps == []
    assert store.snapshot(run.id).webhook_status == "delivered"


@pytest.mark.anyio
async def test_three_retries_with_scaled_backoff_then_failed():
    store, run, snap, dispatcher, calls, sleeps = setup([500, 502, httpx.ConnectError("refused"), 404])
    assert await deliver(dispatcher, snap) == "failed"
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]  # 1, 2, 4 s at time_scale 0.5
    attempts = dispatcher.attempts
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert [a.status_code for a in attempts] == [500, 502, None, 404]
    assert "ConnectError" in (attempts[2].error or "")
    assert store.snapshot(run.id).webhook_status == "failed"


@pytest.mark.anyio
async def test_success_on_the_last_retry():
    _store, _run, snap, dispatcher, calls, _ = setup([500, 500, 500, 200])
    assert await deliver(dispatcher, snap) == "delivered"
    assert len(calls) == 4


@pytest.mark.anyio
async def test_timeouts_count_as_failures_and_the_timeout_is_never_scaled():
    _store, _run, snap, dispatcher, calls, _ = setup([httpx.ReadTimeout("slow")] * 4, time_scale=0.01)
    assert await deliver(dispatcher, snap) == "failed"
    assert all((a.error or "").startswith("timeout") for a in dispatcher.attempts)
    # Upstream's 10 s in real seconds at any time scale: a real receiver needs real time.
    assert [c.extensions["timeout"]["read"] for c in calls] == [10.0] * 4


@pytest.mark.anyio
async def test_non_loopback_urls_are_refused_without_a_request():
    _store, _run, snap, dispatcher, calls, sleeps = setup([], url="https://example.com/hook")
    assert await deliver(dispatcher, snap) == "failed"
    assert calls == []
    assert sleeps == []
    assert "loopback" in (dispatcher.attempts[0].error or "")


@pytest.mark.anyio
async def test_external_urls_allowed_when_configured():
    _store, _run, snap, dispatcher, calls, _ = setup(
        [200], url="https://example.com/hook", policy=WebhookPolicy(allow_external=True)
    )
    assert await deliver(dispatcher, snap) == "delivered"
    assert str(calls[0].url) == "https://example.com/hook"


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:1/x", True),
        ("http://localhost/x", True),
        ("http://[::1]:8/x", True),
        ("http://127.5.5.5/", True),
        ("http://10.0.0.1/", False),
        ("https://tester.army/", False),
        ("nope", False),
    ],
)
def test_is_loopback_url(url, loopback):
    assert is_loopback_url(url) is loopback


def test_policy_validation():
    with pytest.raises(ValueError, match="timeout"):
        WebhookPolicy(timeout=0)
    with pytest.raises(ValueError, match="delays"):
        WebhookPolicy(retry_delays=(1, -1))


def test_idle_time_follows_the_next_due_webhook():
    store, _, _, dispatcher, _, _ = setup([])
    dispatcher.poll_interval, dispatcher.max_idle = 0.01, 1.0
    assert dispatcher._idle_time(store, None) == 1.0  # nothing scheduled: wait for a wake-up
    assert dispatcher._idle_time(store, 5.0) == 1.0  # manual clock (scale 0): only wake-ups matter
    store.clock.time_scale = 0.01
    assert dispatcher._idle_time(store, store.clock.now() + 50) == pytest.approx(0.5, abs=0.01)
    assert dispatcher._idle_time(store, store.clock.now() - 1) == 0.01
    assert dispatcher._idle_time(store, store.clock.now() + 10_000) == 1.0
