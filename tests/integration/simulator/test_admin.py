"""The admin API (/_sim) and the Python inspection helpers (sim.requests, sim.runs)."""

from __future__ import annotations

import time

import httpx
import pytest
from testerarmy.testing import Simulator

pytestmark = pytest.mark.integration


@pytest.mark.testerarmy_sim(time_scale=0, jitter=0)
def test_advance_moves_runs_forward(sim: Simulator, http, admin):
    run_id = http.post("/v1/runs", json={"prompt": "x"}).json()["id"]
    assert admin.post("/advance", json={"seconds": 2}).json() == {"now": 2.0}
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "running"
    assert admin.post("/advance", json={"seconds": -1}).status_code == 400
    assert admin.post("/advance", json={"seconds": "soon"}).status_code == 400


@pytest.mark.testerarmy_sim(time_scale=0)
def test_admin_run_controls_and_views(sim: Simulator, http, admin):
    run_id = http.post("/v1/runs", json={"prompt": "x [sim:hang]"}).json()["id"]
    assert admin.post(f"/runs/{run_id}/start").json()["status"] == "running"
    failed = admin.post(f"/runs/{run_id}/fail", json={"code": "OOM", "message": "out of memory"}).json()
    assert failed["error"] == {"code": "OOM", "message": "out of memory"}
    (listed,) = admin.get("/runs").json()["runs"]
    assert listed["id"] == run_id
    assert listed["status"] == "failed"
    assert admin.post("/runs/00000000-0000-4000-8000-000000000000/start").status_code == 404
    assert admin.post(f"/runs/{run_id}/complete", json={"result": "MAYBE"}).status_code == 400


def test_request_log_for_assertions(sim: Simulator, http, admin):
    http.post("/v1/runs", json={"prompt": "once"}, headers={"Idempotency-Key": "k1"})
    http.get("/v1/runs")
    http.get("/v1/runs", headers={"Authorization": "Bearer wrong"})
    assert sim.requests.count(method="POST", path="/v1/runs") == 1
    (post,) = sim.requests.filter(operation="runs.create")
    assert post.json == {"prompt": "once"}
    assert post.headers["idempotency-key"] == "k1"
    assert "authorization" not in post.headers  # secrets never enter the log
    assert [r.status for r in sim.requests] == [202, 200, 401]
    logged = admin.get("/requests").json()["requests"]
    assert [r["operation"] for r in logged] == ["runs.create", "runs.list", "runs.list"]
    assert sim.api_key not in str(logged)
    assert admin.delete("/requests").status_code == 200
    assert len(sim.requests) == 0  # admin calls themselves are not logged


def test_state_lists_seeded_entities_with_webhook_paths(sim: Simulator, admin):
    state = admin.get("/state").json()
    default, group = state["groups"]
    assert (default["isDefault"], group["isDefault"]) == (True, False)
    assert len(group["testIds"]) == len(default["testIds"]) == 3
    url = sim.group_webhook_url(group["id"])
    assert url.endswith(group["webhookPath"].removeprefix("/api"))
    assert httpx.post(url, json={}, trust_env=False).status_code == 202
    (project,) = state["projects"]
    hook = sim.project_webhook_url(project["id"])
    assert hook.endswith(project["webhookPath"].removeprefix("/api"))
    assert httpx.post(hook, json={}, trust_env=False).json()["ignored"] is True


def test_screenshots_are_served(sim: Simulator, http):
    run_id = http.post("/v1/runs", json={"prompt": "x [sim:queue=0] [sim:duration=0]"}).json()["id"]
    shots = http.get(f"/v1/runs/{run_id}").json()["output"]["screenshots"]
    assert shots
    png = httpx.get(shots[0], trust_env=False)
    assert (png.status_code, png.headers["content-type"], png.content[:4]) == (200, "image/png", b"\x89PNG")


def test_upload_url_for_unknown_key_is_404(sim: Simulator):
    assert httpx.put(f"{sim.admin_url}/uploads/nope", content=b"x", trust_env=False).status_code == 404


def test_webhook_attempts_view(sim: Simulator, http, admin):
    run_id = http.post("/v1/runs", json={"prompt": "x", "webhookUrl": "https://example.com/hook"}).json()[
        "id"
    ]
    sim.complete_run(run_id)
    deadline = time.monotonic() + 5
    while sim.run(run_id).webhook_status != "failed":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (attempt,) = admin.get("/webhooks").json()["attempts"]
    assert attempt["run_id"] == run_id
    assert attempt["ok"] is False
    assert "loopback" in attempt["error"]
