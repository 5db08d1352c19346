"""The sync client against the simulator: lifecycle, waiting, retries, faults, no duplicate runs."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from .conftest import FAST_WAIT, Sleeps, logged

pytestmark = pytest.mark.integration

Make = Callable[..., ta.TesterArmy]


def test_create_and_wait_reports_every_status(client: ta.TesterArmy, sim: Simulator) -> None:
    seen: list[str] = []
    run = client.runs.create_and_wait(
        prompt="Check the login form", on_update=lambda r: seen.append(str(r.status)), **FAST_WAIT
    )
    assert run.status == "completed"
    assert run.output.result == "PASS"
    assert ta.summarize(run).outcome is ta.Outcome.PASSED
    assert seen[0] == "queued"
    assert seen[-1] == "completed"
    assert len(seen) == len(set(seen))  # one call per change
    assert logged(sim, "POST", "/v1/runs") == 1
    assert [r.id for r in sim.runs] == [str(run.id)]


def test_failing_verdict_and_failed_run(client: ta.TesterArmy) -> None:
    verdict = client.runs.create_and_wait(prompt="Check the cart [sim:fail]", **FAST_WAIT)
    assert verdict.status == "completed"
    assert verdict.output.result == "FAILED"  # the published verdict enum: PASS | FAILED
    summary = ta.summarize(verdict)
    assert (summary.outcome, summary.passed) == (ta.Outcome.FAILED, False)
    assert summary.issues  # a failing verdict names what failed
    broken = client.runs.create_and_wait(prompt="Check the cart [sim:error]", **FAST_WAIT)
    assert broken.status == "failed"
    assert ta.summarize(broken).outcome is ta.Outcome.ERRORED
    assert ta.summarize(broken).error  # run.error is {code, message}
    with pytest.raises(ta.RunFailedError) as info:
        client.runs.create_and_wait(prompt="Check the cart [sim:error]", raise_on_failure=True, **FAST_WAIT)
    assert info.value.status == "failed"


def test_cancel_a_hanging_run_then_wait(client: ta.TesterArmy) -> None:
    created = client.runs.create(prompt="Never ends [sim:hang]")
    client.runs.cancel(created.id)
    assert client.runs.wait(created.id, **FAST_WAIT).status == "cancelled"


def test_wait_timeout_against_a_hanging_run(client: ta.TesterArmy) -> None:
    created = client.runs.create(prompt="Never ends [sim:hang] [sim:queue=0]")
    with pytest.raises(ta.WaitTimeoutError) as info:
        client.runs.wait(created.id, timeout=0.5, poll_interval=0.05, max_interval=0.1)
    assert info.value.run_id == str(created.id)
    assert info.value.last_status in ("queued", "running")
    assert 0.5 <= info.value.elapsed < 5


def test_list_runs_with_filter(client: ta.TesterArmy, sim: Simulator) -> None:
    ok = client.runs.create_and_wait(prompt="A", **FAST_WAIT)
    bad = client.runs.create_and_wait(prompt="B [sim:error]", **FAST_WAIT)
    assert str(bad.id) in {str(r.id) for r in client.runs.list(status="failed")}
    assert str(ok.id) not in {str(r.id) for r in client.runs.list(status="failed")}
    # limit is the page size: the iterator follows nextCursor across pages to every run.
    before = logged(sim, "GET", "/v1/runs")
    listed = [str(r.id) for r in client.runs.list(limit=1)]
    assert sorted(listed) == sorted([str(ok.id), str(bad.id)])  # each run once
    assert logged(sim, "GET", "/v1/runs") - before >= 2  # one page per run at least


def test_saved_test_and_group_batch(client: ta.TesterArmy, sim: Simulator) -> None:
    test = sim.tests[0]
    run = client.tests.trigger_and_wait(test.id, **FAST_WAIT)
    assert run.status == "completed"
    group = sim.groups[0]
    runs = client.groups.trigger_and_wait(group.id, **FAST_WAIT)
    assert logged(sim, "POST", f"/v1/groups/{group.id}/runs") == 1
    # runIds lists one run per test in the group's order; the result keeps that order.
    assert [str(r.test_id) for r in runs] == list(group.test_ids)
    assert len(runs) == len(group.test_ids)
    assert all(r.status == "completed" for r in runs)


def test_batch_rerun_and_wait_and_cancel(client: ta.TesterArmy, sim: Simulator) -> None:
    group = sim.groups[0]
    started = client.groups.trigger(group.id)
    first = client.runs.wait_many(started.run_ids, **FAST_WAIT)
    rerun = client.batches.rerun_and_wait(started.batch_id, **FAST_WAIT)
    assert logged(sim, "POST", f"/v1/batches/{started.batch_id}/rerun") == 1
    assert len(rerun) == len(first)
    assert {str(r.id) for r in rerun}.isdisjoint({str(r.id) for r in first})  # new runs
    assert all(ta.summarize(r).outcome is not ta.Outcome.PENDING for r in rerun)
    # Cancelling a finished batch is idempotent: nothing left to cancel, every run already finished.
    try:
        summary = client.batches.cancel(started.batch_id)
    except ta.ConflictError as exc:  # the spec's 409 for a batch whose runs could not be cancelled
        pytest.fail(f"cancelling a finished batch must succeed: {exc}")
    assert summary.cancelled == 0
    assert summary.already_finished == len(first)


def test_group_webhook(client: ta.TesterArmy, sim: Simulator) -> None:
    url = sim.group_webhook_url(sim.groups[0].id)
    webhook_id, secret = url.rsplit("/", 2)[-2:]
    response = client.webhooks.trigger(webhook_id, secret, commit_sha="abc123")
    assert response.received is True
    with pytest.raises(ta.APIStatusError) as info:
        client.webhooks.trigger(webhook_id, "wrong-secret")
    assert info.value.status_code in (401, 403, 404)
    assert secret not in str(info.value)


def test_wrong_key_is_authentication_error_without_retries(make_client: Make, sim: Simulator) -> None:
    with pytest.raises(ta.AuthenticationError) as info:
        make_client(api_key="sk_wrong_key").runs.get(uuid.uuid4())
    assert info.value.status_code == 401
    assert "sk_wrong_key" not in str(info.value)
    assert logged(sim, "GET") == 1


def test_unknown_run_is_not_found(client: ta.TesterArmy) -> None:
    with pytest.raises(ta.NotFoundError):
        client.runs.get(uuid.uuid4())


class TestRetriesAgainstFaults:
    def test_get_503_503_then_200(self, make_client: Make, sim: Simulator, sleeps: Sleeps) -> None:
        client = make_client(sleep=sleeps)
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 503])
        assert str(client.runs.get(created.id).id) == str(created.id)
        assert logged(sim, "GET", f"/v1/runs/{created.id}") == 3
        assert len(sleeps) == 2

    def test_429_retry_after_seconds_and_http_date(
        self, make_client: Make, sim: Simulator, sleeps: Sleeps
    ) -> None:
        # The client's 429 gate reads the clock: it must move with the recorded sleeps, or the
        # second request would still be waiting out the first refusal.
        client = make_client(sleep=sleeps, clock=lambda: float(sum(sleeps)))
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", status=429, retry_after=1)
        client.runs.get(created.id)
        assert sleeps == [1.0]
        sim.faults.add(
            method="GET", path="/v1/runs/{id}", status=429, retry_after=3, retry_after_format="http-date"
        )
        client.runs.get(created.id)
        # An HTTP-date has whole seconds: 3 s from the server's clock is (2, 3] s from ours.
        assert len(sleeps) == 2
        assert 1.0 < sleeps[1] <= 3.0

    def test_post_500_after_the_run_was_created_is_not_retried(
        self, make_client: Make, sim: Simulator, sleeps: Sleeps
    ) -> None:
        sim.faults.add(method="POST", path="/v1/runs", status=500, after_handler=True)
        with pytest.raises(ta.InternalServerError):
            make_client(sleep=sleeps).runs.create(prompt="p")
        assert logged(sim, "POST", "/v1/runs") == 1
        assert len(sim.runs) == 1  # the server did create it; exactly once
        assert sleeps == []

    def test_post_504_and_dropped_connection_not_retried(self, make_client: Make, sim: Simulator) -> None:
        client = make_client(sleep=Sleeps())
        sim.faults.add(method="POST", path="/v1/runs", status=504, after_handler=True)
        with pytest.raises(ta.GatewayTimeoutError):
            client.runs.create(prompt="p")
        sim.faults.add(method="POST", path="/v1/runs", body="drop", after_handler=True)
        with pytest.raises(ta.APIConnectionError):
            client.runs.create(prompt="p")
        assert logged(sim, "POST", "/v1/runs") == 2
        assert len(sim.runs) == 2

    def test_post_read_timeout_not_retried(self, make_client: Make, sim: Simulator) -> None:
        sim.faults.add(method="POST", path="/v1/runs", latency=1.0, after_handler=True)
        with pytest.raises(ta.APITimeoutError):
            make_client(timeout=0.3, sleep=Sleeps()).runs.create(prompt="p")
        assert logged(sim, "POST", "/v1/runs") == 1
        assert len(sim.runs) == 1

    def test_get_with_dropped_connection_is_retried(
        self, make_client: Make, sim: Simulator, sleeps: Sleeps
    ) -> None:
        client = make_client(sleep=sleeps)
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", body="drop")
        assert str(client.runs.get(created.id).id) == str(created.id)
        assert len(sleeps) == 1

    @pytest.mark.parametrize(
        ("body", "fragment"), [("html", "non-JSON body"), ("empty", "empty response body")]
    )
    def test_odd_error_bodies(self, make_client: Make, sim: Simulator, body: str, fragment: str) -> None:
        client = make_client(max_retries=0)
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", status=502, body=body)
        with pytest.raises(ta.InternalServerError, match=fragment):
            client.runs.get(created.id)

    def test_truncated_success_body(self, make_client: Make, sim: Simulator) -> None:
        client = make_client(max_retries=0)
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", body="truncated")
        with pytest.raises(ta.APIResponseValidationError, match="not JSON"):
            client.runs.get(created.id)

    def test_unknown_enum_and_extra_fields_parse(self, client: ta.TesterArmy, sim: Simulator) -> None:
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", mutate=["unknown_enum", "extra_fields"])
        run = client.runs.get(created.id)
        assert isinstance(run.status, str)
        assert run.additional_properties  # the extra fields were kept

    def test_wait_rides_out_a_burst_of_errors(self, make_client: Make, sim: Simulator) -> None:
        client = make_client(max_retries=0)
        created = client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 502, 504, 429], skip=1)
        assert client.runs.wait(created.id, **FAST_WAIT).status == "completed"


def test_a_bare_origin_reaches_the_api_as_the_official_cli_configures_it(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTERARMY_BASE_URL", sim.root_url)  # as TesterArmy's CLI reads it: an origin
    with ta.TesterArmy(api_key=sim.api_key) as client:
        assert client.base_url == sim.url
        created = client.runs.create(prompt="p")
        assert str(client.runs.get(created.id).id) == str(created.id)
