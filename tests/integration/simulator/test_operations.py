"""The published API's stateful behaviours over real HTTP; every answer is also checked against the
normalized spec (openapi-core, the ``checked`` client) and by the simulator itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from testerarmy.testing import Limits, SeedGroup, SeedProject, SeedTest, Simulator
from testerarmy.testing._behaviours import BEHAVIOURS, operations_of
from testerarmy.testing._spec import load_spec

from ._conformance import check_response

pytestmark = pytest.mark.integration

STEP = {"type": "act", "title": "Open the page"}


def _checked_client(sim: Simulator) -> httpx.Client:
    def check(response: httpx.Response) -> None:
        response.read()
        check_response(response)

    return httpx.Client(
        base_url=sim.url,
        headers={"Authorization": f"Bearer {sim.api_key}"},
        trust_env=False,
        timeout=10,
        event_hooks={"response": [check]},
    )


@pytest.fixture
def checked(sim: Simulator) -> Iterator[httpx.Client]:
    with _checked_client(sim) as client:
        yield client


def test_every_operation_of_the_spec_has_its_behaviour():
    spec = load_spec()
    served = operations_of(spec)
    assert {op.key for op in served} == {op.key for op in spec.operations}
    assert [op.key for op in served if op.handler is None] == []
    assert set(BEHAVIOURS) == {op.key for op in spec.operations}


def test_projects_crud_and_cascading_delete(sim: Simulator, checked):
    created = checked.post("/v1/projects", json={"name": "Blog", "url": "https://blog.example.com"})
    assert created.status_code == 201
    project = created.json()["project"]
    assert [e["kind"] for e in project["environments"]] == ["production", "pr_preview"]
    pid = project["id"]
    assert checked.get(f"/v1/projects/{project['shortId']}").json()["id"] == pid
    renamed = checked.patch(f"/v1/projects/{pid}", json={"name": "Blog 2"}).json()["project"]
    assert renamed["name"] == "Blog 2"
    test = checked.post("/v1/tests", json={"title": "T", "steps": [STEP], "projectId": pid}).json()["test"]
    run = checked.post(f"/v1/tests/{test['id']}/runs", json={}).json()["runId"]
    assert checked.delete(f"/v1/projects/{pid}").json() == {"deleted": True, "id": pid}
    assert checked.get(f"/v1/projects/{pid}").status_code == 404
    assert checked.get(f"/v1/tests/{test['id']}").status_code == 404
    assert checked.get(f"/v1/runs/{run}").status_code == 404
    assert [p["id"] for p in checked.get("/v1/projects").json()["projects"]] == [sim.projects[0].id]


@pytest.mark.testerarmy_sim(limits=Limits(projects=1))
def test_project_limit_is_403_with_counts(checked):
    resp = checked.post("/v1/projects", json={"name": "Two", "url": "https://two.example.com"})
    assert resp.status_code == 403
    assert (resp.json()["currentCount"], resp.json()["limit"]) == (1, 1)


def test_environments_built_ins_and_name_conflicts(sim: Simulator, checked):
    path = f"/v1/projects/{sim.projects[0].short_id}/environments"
    env = checked.post(path, json={"name": "Staging", "url": "https://staging.example.com"})
    assert env.status_code == 201
    assert env.json()["environment"]["kind"] == "static"
    for name in ("staging", "Production"):
        conflict = checked.post(path, json={"name": name, "url": "https://x.example.com"})
        assert conflict.status_code == 409, name
    envs = checked.get(path).json()["environments"]
    built_in = next(e for e in envs if e["kind"] == "production")
    assert checked.delete(f"{path}/{built_in['id']}").status_code == 400
    gone = checked.delete(f"{path}/{env.json()['environment']['id']}")
    assert gone.json()["deleted"] is True
    assert len(checked.get(path).json()["environments"]) == 2


def test_credentials_three_bodies_and_no_password_ever(sim: Simulator, checked):
    path = f"/v1/projects/{sim.projects[0].id}/credentials"
    bodies = [
        {"kind": "login", "label": "Admin", "username": "admin@example.com", "password": "hunter2-secret"},
        {"kind": "login", "authMethod": "custom", "label": "SSO", "authInstructions": "Use the SSO button"},
        {"kind": "inbox", "label": "Inbox"},
    ]
    made = [checked.post(path, json=b) for b in bodies]
    assert [r.status_code for r in made] == [201, 201, 201]
    summaries = [r.json()["credential"] for r in made]
    assert [(c["kind"], c["authMethod"], c["hasAuthInstructions"]) for c in summaries] == [
        ("login", "password", False),
        ("login", "custom", True),
        ("inbox", "password", False),
    ]
    listed = checked.get(path)
    assert [c["id"] for c in listed.json()["credentials"]] == [c["id"] for c in summaries]
    assert "hunter2-secret" not in listed.text + "".join(r.text for r in made)
    assert "password" not in str([list(c) for c in summaries])


@pytest.mark.testerarmy_sim(limits=Limits(memories_per_project=2))
def test_memories_limit_pruning_and_409(sim: Simulator, checked):
    path = f"/v1/projects/{sim.projects[0].id}/memories"

    def memory(title: str, importance: str) -> httpx.Response:
        body = {"category": "test_insights", "title": title, "content": "c", "importance": importance}
        return checked.post(path, json=body)

    low = memory("low", "low").json()
    assert low["pruned"] == 0
    memory("medium", "medium")
    high = memory("high", "high").json()  # full: the lowest-ranked one makes room
    assert high["pruned"] == 1
    listed = checked.get(path).json()
    assert [m["title"] for m in listed["memories"]] == ["medium", "high"]
    assert (listed["count"], listed["maxMemories"]) == (2, 2)
    assert memory("another low", "low").status_code == 409  # nothing ranked below it
    mid = listed["memories"][0]["id"]
    assert checked.delete(f"{path}/{mid}").json() == {"deleted": True, "id": mid}
    assert checked.delete(f"{path}/{mid}").status_code == 404


def test_files_list(sim: Simulator, checked):
    path = f"/v1/projects/{sim.projects[0].id}/files"
    assert checked.get(path).json() == {"files": []}
    record = sim.add_file(sim.projects[0].id, "spec.pdf", media_type="application/pdf", file_size=10)
    assert [f["id"] for f in checked.get(path).json()["files"]] == [record.id]


@pytest.mark.testerarmy_sim(tests=(), groups=())
def test_tests_pages_of_50_by_cursor(sim: Simulator, checked):
    pid = sim.projects[0].id
    made = [sim.add_test(f"t{n}", "x").id for n in range(120)]
    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        params = {"projectId": pid, **({"cursor": cursor} if cursor else {})}
        page = checked.get("/v1/tests", params=params).json()
        sizes.append(len(page["tests"]))
        seen += [t["id"] for t in page["tests"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sizes == [50, 50, 20]
    assert seen == made
    assert checked.get("/v1/tests", params={"projectId": pid, "cursor": "bogus"}).status_code == 400


def test_groups_default_cap_and_membership(sim: Simulator, checked):
    pid = sim.projects[0].id
    groups = checked.get("/v1/groups", params={"projectId": pid}).json()["groups"]
    default = next(g for g in groups if g["isDefault"])
    assert checked.delete(f"/v1/groups/{default['id']}").status_code == 400
    created = checked.post("/v1/groups", json={"projectId": pid, "name": "New"})
    assert created.status_code == 201
    gid = created.json()["group"]["id"]
    test_id = sim.tests[0].id
    assert checked.post(f"/v1/groups/{gid}/tests", json={"testId": test_id}).status_code == 201
    again = checked.post(f"/v1/groups/{gid}/tests", json={"testId": test_id})
    assert (again.status_code, again.json()["added"]) == (200, False)
    detail = checked.get(f"/v1/tests/{test_id}").json()
    assert gid in [g["id"] for g in detail["groups"]]
    assert (
        checked.patch(f"/v1/groups/{gid}", json={"prepTestId": test_id}).json()["group"]["prepTestId"]
        == test_id
    )
    removed = checked.delete(f"/v1/groups/{gid}/tests/{test_id}").json()
    assert removed["removed"] is True
    assert checked.get(f"/v1/groups/{gid}").json()["prepTestId"] is None
    assert checked.delete(f"/v1/groups/{gid}/tests/{test_id}").json()["removed"] is False
    while len(checked.get("/v1/groups", params={"projectId": pid}).json()["groups"]) < 20:
        assert checked.post("/v1/groups", json={"projectId": pid, "name": "more"}).status_code == 201
    assert checked.post("/v1/groups", json={"projectId": pid, "name": "21st"}).status_code == 400
    assert checked.delete(f"/v1/groups/{gid}").json() == {"deleted": True, "id": gid}


@pytest.mark.testerarmy_sim(time_scale=0)
def test_batches_cancel_idempotent_and_rerun_skipping_disabled(sim: Simulator, checked):
    group = next(g for g in sim.groups if not g.is_default)
    batch = checked.post(f"/v1/groups/{group.id}/runs", json={}).json()
    first = checked.post(f"/v1/batches/{batch['batchId']}/cancel").json()
    assert (first["cancelled"], first["alreadyFinished"]) == (3, 0)
    second = checked.post(f"/v1/batches/{batch['batchId']}/cancel").json()
    assert (second["cancelled"], second["alreadyFinished"]) == (0, 3)
    off = group.test_ids[0]
    checked.patch(f"/v1/tests/{off}", json={"enabled": False})
    rerun = checked.post(f"/v1/batches/{batch['batchId']}/rerun")
    assert rerun.status_code == 202
    assert rerun.json()["skippedTestIds"] == [off]
    assert rerun.json()["sourceBatchId"] == batch["batchId"]
    assert rerun.json()["count"] == 2
    assert checked.post("/v1/batches/c0ffee00-dead-4000-8000-000000000000/cancel").status_code == 404


@pytest.mark.testerarmy_sim(time_scale=0)
def test_runs_list_filters(sim: Simulator, checked):
    test = sim.tests[0]
    by_test = checked.post(f"/v1/tests/{test.id}/runs", json={}).json()["runId"]
    prompt = checked.post("/v1/runs", json={"prompt": "[sim:queue=0] [sim:hang]"}).json()["id"]
    sim.advance(1)
    listed = checked.get("/v1/runs", params={"testId": test.id}).json()["runs"]
    assert [r["id"] for r in listed] == [by_test]
    in_project = checked.get("/v1/runs", params={"projectId": test.project_id}).json()["runs"]
    assert [r["id"] for r in in_project] == [by_test]
    running = checked.get("/v1/runs", params={"status": "running"}).json()["runs"]
    assert prompt in [r["id"] for r in running]
    assert all(r["status"] == "running" for r in running)


@pytest.mark.testerarmy_sim(time_scale=0)
def test_runs_cursor_never_skips_or_repeats_under_concurrent_creation(sim: Simulator, checked):
    before = [checked.post("/v1/runs", json={"prompt": f"r{n}"}).json()["id"] for n in range(45)]
    stop = threading.Event()

    def create_more() -> None:
        with _checked_client(sim) as other:
            while not stop.is_set():
                other.post("/v1/runs", json={"prompt": "concurrent"})

    writer = threading.Thread(target=create_more)
    writer.start()
    try:
        seen: list[str] = []
        page = checked.get("/v1/runs", params={"limit": 10}).json()
        seen += [r["id"] for r in page["runs"]]
        while page["nextCursor"]:
            page = checked.get("/v1/runs", params={"limit": 10, "cursor": page["nextCursor"]}).json()
            seen += [r["id"] for r in page["runs"]]
    finally:
        stop.set()
        writer.join()
    assert len(seen) == len(set(seen))
    first_page_start = seen.index(before[-1]) if before[-1] in seen else None
    assert first_page_start is not None
    assert seen[first_page_start:] == before[::-1]  # every earlier run, once, newest first


@pytest.mark.testerarmy_sim(
    time_scale=0,
    projects=[SeedProject("P", short_id="prj_p", pr_groups=("PR",))],
    tests=[SeedTest("T", "t")],
    groups=[SeedGroup("PR", tests=("T",))],
)
def test_project_webhook_starts_its_pr_groups(sim: Simulator):
    url = sim.project_webhook_url(sim.projects[0].id)
    answer = httpx.post(url, json={"targetUrl": "https://pr-7.example.com"}, trust_env=False)
    assert answer.status_code == 200
    body = answer.json()
    assert body["received"] is True
    assert body["batchIds"] == [body["batchId"]]
    (run,) = [r for r in sim.runs if r.batch_id == body["batchId"]]
    assert (run.record.type, run.record.source) == ("ci", "webhook")
    wrong = httpx.post(url.rsplit("/", 1)[0] + "/wrong", json={}, trust_env=False)
    assert wrong.status_code == 401
