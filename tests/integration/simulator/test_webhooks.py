"""Webhook delivery over real HTTP to a loopback receiver: body, retries with backoff, final status."""

from __future__ import annotations

import itertools
import time

import pytest
from testerarmy.testing import Simulator

from ._receiver import receiver

pytestmark = pytest.mark.integration


def wait_status(sim: Simulator, run_id: str, want: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while sim.run(run_id).webhook_status != want:
        assert time.monotonic() < deadline, f"webhookStatus stayed {sim.run(run_id).webhook_status}"
        time.sleep(0.01)


@pytest.mark.testerarmy_sim(time_scale=0)
def test_delivered_on_completion_with_the_run_body(sim: Simulator, http):
    with receiver() as hook:
        run_id = http.post("/v1/runs", json={"prompt": "Pay [sim:fail]", "webhookUrl": hook.url}).json()["id"]
        assert http.get(f"/v1/runs/{run_id}").json()["webhookStatus"] == "pending"
        time.sleep(0.05)
        assert hook.deliveries == []  # manual clock: nothing is terminal yet
        sim.advance(1000)
        (delivery,) = hook.wait_for(1)
        wait_status(sim, run_id, "delivered")
    body = delivery.body
    assert body["id"] == run_id
    assert body["status"] == "completed"
    assert body["output"]["result"] == "FAILED"
    assert body["webhookUrl"] == hook.url
    assert delivery.headers["Content-Type"] == "application/json"
    assert http.get(f"/v1/runs/{run_id}").json()["webhookStatus"] == "delivered"


@pytest.mark.testerarmy_sim(time_scale=0, webhook_time_scale=0.02)
def test_fails_then_retries_at_1_2_4_seconds_scaled(sim: Simulator, http):
    with receiver([(500, 0), (503, 0), (500, 0), (204, 0)]) as hook:
        run_id = http.post("/v1/runs", json={"prompt": "x", "webhookUrl": hook.url}).json()["id"]
        sim.advance(1000)
        deliveries = hook.wait_for(4)
        wait_status(sim, run_id, "delivered")
    gaps = [b.at - a.at for a, b in itertools.pairwise(deliveries)]
    # 1 s, 2 s, 4 s at 0.02 real s per simulated s = 20, 40, 80 ms (plus scheduling noise).
    for gap, expected in zip(gaps, (0.02, 0.04, 0.08), strict=True):
        assert expected * 0.9 <= gap < expected + 0.25
    assert [a.status_code for a in sim.webhook_deliveries] == [500, 503, 500, 204]
    assert all(d.body["id"] == run_id for d in deliveries)


@pytest.mark.testerarmy_sim(time_scale=0, webhook_time_scale=0.001)
def test_gives_up_after_three_retries(sim: Simulator, http):
    with receiver([(500, 0)] * 10) as hook:
        run_id = http.post("/v1/runs", json={"prompt": "[sim:error]", "webhookUrl": hook.url}).json()["id"]
        sim.advance(1000)
        wait_status(sim, run_id, "failed")
        time.sleep(0.05)
        assert len(hook.deliveries) == 4
        assert hook.deliveries[0].body["status"] == "failed"
        assert hook.deliveries[0].body["error"]["code"] == "PROVIDER_CAPACITY"
    assert http.get(f"/v1/runs/{run_id}").json()["webhookStatus"] == "failed"


@pytest.mark.testerarmy_sim(time_scale=0, webhook_timeout=0.2, webhook_retry_delays=(0,))
def test_a_slow_receiver_counts_as_a_timeout(sim: Simulator, http):
    # A 0.2 s (real) timeout: the first answer takes 1 s and is abandoned; the retry succeeds.
    with receiver([(200, 1.0), (200, 0)]) as hook:
        run_id = http.post("/v1/runs", json={"prompt": "x", "webhookUrl": hook.url}).json()["id"]
        sim.advance(1000)
        hook.wait_for(2)
        wait_status(sim, run_id, "delivered")
    first, second = sim.webhook_deliveries
    assert first.status_code is None
    assert (first.error or "").startswith("timeout")
    assert second.ok


@pytest.mark.testerarmy_sim(time_scale=0)
def test_cancelled_runs_fire_their_webhook_too(sim: Simulator, http):
    with receiver() as hook:
        run_id = http.post("/v1/runs", json={"prompt": "x", "webhookUrl": hook.url}).json()["id"]
        http.post(f"/v1/runs/{run_id}/cancel")
        (delivery,) = hook.wait_for(1)
        wait_status(sim, run_id, "delivered")
    assert delivery.body["status"] == "cancelled"


@pytest.mark.testerarmy_sim(time_scale=0)
def test_runs_without_webhook_have_null_status_and_no_delivery(sim: Simulator, http):
    run_id = http.post("/v1/runs", json={"prompt": "x"}).json()["id"]
    sim.advance(1000)
    time.sleep(0.05)
    assert http.get(f"/v1/runs/{run_id}").json()["webhookStatus"] is None
    assert sim.webhook_deliveries == []


@pytest.mark.testerarmy_sim(time_scale=0.005, jitter=0)
def test_delivered_on_a_running_clock_without_any_nudge(sim: Simulator, http):
    # 2 s queue + 20 s run at 0.005 = 0.11 s real; the dispatcher sleeps until then, then delivers.
    with receiver() as hook:
        started = time.monotonic()
        run_id = http.post("/v1/runs", json={"prompt": "x", "webhookUrl": hook.url}).json()["id"]
        (delivery,) = hook.wait_for(1, timeout=5)
        wait_status(sim, run_id, "delivered")
    assert delivery.body["status"] == "completed"
    assert 0.1 <= delivery.at - started < 2.0
