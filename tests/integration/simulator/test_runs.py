"""Run lifecycle over HTTP: states, outcomes from markers and rules, list, cancel, ownership, control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from testerarmy.testing import OutcomeRule, Simulator

pytestmark = pytest.mark.integration


def create(http, prompt: str) -> str:
    resp = http.post("/v1/runs", json={"prompt": prompt})
    assert resp.status_code == 202, resp.text
    return resp.json()["id"]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.testerarmy_sim(time_scale=0, jitter=0, queue_seconds=2, run_seconds=20)
def test_states_follow_the_clock(sim: Simulator, http):
    run_id = create(http, "Check the search box")
    seen = [http.get(f"/v1/runs/{run_id}").json()]
    for step in (2, 20):
        sim.advance(step)
        seen.append(http.get(f"/v1/runs/{run_id}").json())
    assert [r["status"] for r in seen] == ["queued", "running", "completed"]
    queued, running, done = seen
    assert queued["startedAt"] is None
    assert queued["output"] is None
    assert queued["durationMs"] is None
    assert running["startedAt"] is not None
    assert running["completedAt"] is None
    assert done["output"]["result"] == "PASS"
    assert done["output"]["featureName"] == "Check the search box"
    assert done["output"]["issues"] == []
    assert done["durationMs"] == pytest.approx(20_000)
    created, started, completed = (parse_time(done[k]) for k in ("createdAt", "startedAt", "completedAt"))
    assert (started - created).total_seconds() == pytest.approx(2)
    assert (completed - started).total_seconds() == pytest.approx(20)
    assert done["type"] == "test"
    assert done["source"] == "api"
    assert done["platform"] == "web"
    assert done["error"] is None


@pytest.mark.testerarmy_sim(time_scale=0)
@pytest.mark.parametrize(
    ("prompt", "status", "result", "error_code"),
    [
        ("ok [sim:pass]", "completed", "PASS", None),
        ("bug [sim:fail] [sim:issues=2]", "completed", "FAILED", None),
        ("down [sim:error]", "failed", None, "PROVIDER_CAPACITY"),
        ("down [sim:error=BROWSER_START]", "failed", None, "BROWSER_START"),
    ],
)
def test_markers_choose_the_outcome(sim: Simulator, http, prompt, status, result, error_code):
    run_id = create(http, prompt)
    sim.advance(10_000)
    run = http.get(f"/v1/runs/{run_id}").json()
    assert run["status"] == status
    assert (run["output"] or {}).get("result") == result
    assert (run["error"] or {}).get("code") == error_code
    if error_code is not None:
        assert set(run["error"]) == {"code", "message"}
    if result == "FAILED":
        issues = run["output"]["issues"]
        assert len(issues) == 2
        assert all(
            i["type"] == "issue" and 1 <= i["severity"] <= 5 and i["name"] and i["url"] for i in issues
        )


@pytest.mark.testerarmy_sim(time_scale=0)
def test_planner_skipped_output(sim: Simulator, http):
    plain = create(http, "infra only [sim:skip]")
    reasoned = create(http, "docs only [sim:skip=Only documentation changed]")
    sim.advance(10_000)
    assert http.get(f"/v1/runs/{plain}").json()["output"]["kind"] == "planner_skipped"
    run = http.get(f"/v1/runs/{reasoned}").json()
    assert (run["status"], run["output"]) == (
        "completed",
        {"kind": "planner_skipped", "reason": "Only documentation changed"},
    )
    assert sim.run(reasoned).skipped
    assert sim.run(reasoned).result is None


@pytest.mark.testerarmy_sim(time_scale=0, jitter=0)
def test_duration_slow_and_hang_markers(sim: Simulator, http):
    quick = create(http, "[sim:queue=0] [sim:duration=1]")
    slow = create(http, "[sim:queue=0] [sim:duration=1] [sim:slow]")
    hang = create(http, "[sim:hang]")
    sim.advance(1)
    assert http.get(f"/v1/runs/{quick}").json()["status"] == "completed"
    assert http.get(f"/v1/runs/{slow}").json()["status"] == "running"
    sim.advance(9)
    assert http.get(f"/v1/runs/{slow}").json()["durationMs"] == pytest.approx(10_000)
    sim.advance(10**6)
    assert http.get(f"/v1/runs/{hang}").json()["status"] == "running"


@pytest.mark.testerarmy_sim(time_scale=0, rules=[OutcomeRule("checkout", "fail")])
def test_rule_table(sim: Simulator, http):
    run_id = create(http, "Test the Checkout")
    sim.advance(10_000)
    assert http.get(f"/v1/runs/{run_id}").json()["output"]["result"] == "FAILED"


@pytest.mark.testerarmy_sim(time_scale=0)
def test_admin_controls_finish_runs_deterministically(sim: Simulator, http, admin):
    a, b, c = (create(http, "[sim:hang]") for _ in range(3))
    assert sim.start_run(a).status.value == "running"
    assert sim.complete_run(a, "FAILED").result == "FAILED"
    assert sim.fail_run(b, code="DEVICE_LOST", message="gone").status.value == "failed"
    assert http.get(f"/v1/runs/{b}").json()["error"] == {"code": "DEVICE_LOST", "message": "gone"}
    resp = admin.post(f"/runs/{c}/complete", json={"result": "PASS"})
    assert resp.status_code == 200
    assert resp.json()["output"]["result"] == "PASS"
    assert admin.post(f"/runs/{c}/complete").status_code == 409  # already terminal
    with pytest.raises(Exception, match="already completed"):
        sim.complete_run(c)


@pytest.mark.testerarmy_sim(time_scale=0)
def test_cancel_queued_and_running_but_not_terminal(sim: Simulator, http):
    queued = create(http, "[sim:queue=100]")
    running = create(http, "[sim:queue=0] [sim:hang]")
    done = create(http, "[sim:queue=0] [sim:duration=0]")
    sim.advance(0.001)
    assert http.get(f"/v1/runs/{running}").json()["status"] == "running"
    for run_id in (queued, running):
        resp = http.post(f"/v1/runs/{run_id}/cancel")
        assert resp.status_code == 200
        assert resp.json()["status"] == "cancelled"
        run = http.get(f"/v1/runs/{run_id}").json()
        assert run["status"] == "cancelled"
        assert run["completedAt"] is not None
    assert http.get(f"/v1/runs/{queued}").json()["startedAt"] is None
    assert http.get(f"/v1/runs/{running}").json()["startedAt"] is not None
    resp = http.post(f"/v1/runs/{done}/cancel")
    assert resp.status_code == 409  # documented: "Run is already terminal or cannot be cancelled"
    assert resp.json() == {
        "error": "Conflict",
        "message": f"Run {done} is already completed and cannot be cancelled",
    }


@pytest.mark.testerarmy_sim(time_scale=0, jitter=0)
def test_list_is_newest_first_with_limit_and_status_filter(sim: Simulator, http):
    ids = []
    for i in range(12):
        ids.append(create(http, f"run {i} [sim:hang]" if i % 2 else f"run {i} [sim:queue=1000]"))
        sim.advance(1)
    default = http.get("/v1/runs").json()
    assert [r["id"] for r in default["runs"]] == ids[::-1]  # default limit 20, newest first
    assert default["nextCursor"] is None
    assert len(http.get("/v1/runs", params={"limit": 100}).json()["runs"]) == 12
    assert [r["id"] for r in http.get("/v1/runs", params={"limit": 3}).json()["runs"]] == ids[::-1][:3]
    running = http.get("/v1/runs", params={"status": "running", "limit": 100}).json()["runs"]
    assert {r["id"] for r in running} == set(ids[1:-1:2])  # the last one is still in its 2 s queue
    assert all(r["status"] == "running" for r in running)
    queued = http.get("/v1/runs", params={"status": "queued", "limit": 100}).json()["runs"]
    assert {r["id"] for r in queued} == set(ids[0::2]) | {ids[-1]}


def test_runs_belong_to_the_key_that_created_them():
    with Simulator(api_keys=("sk_test_a", "sk_test_b"), time_scale=0) as sim:
        a = httpx.Client(base_url=sim.url, headers={"Authorization": "Bearer sk_test_a"}, trust_env=False)
        b = httpx.Client(base_url=sim.url, headers={"Authorization": "Bearer sk_test_b"}, trust_env=False)
        with a, b:
            run_id = create(a, "mine")
            assert b.get(f"/v1/runs/{run_id}").status_code == 404
            assert b.post(f"/v1/runs/{run_id}/cancel").status_code == 400  # no 404 documented
            assert b.get("/v1/runs").json() == {"runs": [], "nextCursor": None}
            assert [r["id"] for r in a.get("/v1/runs").json()["runs"]] == [run_id]


def test_same_seed_same_ids_and_content():
    def scenario(seed: int) -> list[dict]:
        epoch = datetime(2030, 1, 1, tzinfo=UTC)
        with (
            Simulator(time_scale=0, seed=seed, epoch=epoch) as sim,
            httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {sim.api_key}"}) as http,
        ):
            ids = [create(http, p) for p in ("a [sim:fail]", "b", "c [sim:error]")]
            sim.advance(10_000)
            return [http.get(f"/v1/runs/{i}").json() for i in ids]

    first, again, other = scenario(7), scenario(7), scenario(8)
    for run in first + again:  # screenshot URLs carry the (random) port
        if run["output"]:
            run["output"].pop("screenshots")
            for issue in run["output"]["issues"]:
                issue.pop("screenshotUrl")
    assert first == again
    assert [r["id"] for r in first] != [r["id"] for r in other]


@pytest.mark.parametrize("scale", [0.01, 1.0])
def test_timestamps_and_the_date_header_follow_the_simulated_clock(scale):
    """At any time scale, createdAt and the server's Date header tell the same (simulated) time."""
    import email.utils

    with Simulator(time_scale=scale, validate_responses=True) as sim:
        sim.advance(300)  # five simulated minutes ahead of the wall clock
        resp = httpx.post(
            f"{sim.url}/v1/runs", json={"prompt": "x"}, headers={"Authorization": f"Bearer {sim.api_key}"}
        )
        created = datetime.fromisoformat(resp.json()["createdAt"].replace("Z", "+00:00"))
        served = email.utils.parsedate_to_datetime(resp.headers["date"])
        simulated = sim.clock.to_datetime(sim.clock.now())
    assert resp.headers.get_list("date") == [resp.headers["date"]]  # one Date header, the simulator's
    assert abs((served - created).total_seconds()) < 2  # Date has whole seconds
    assert timedelta(0) <= simulated - created < timedelta(seconds=60)
