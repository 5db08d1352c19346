"""The ASGI app in-process (no server): auth, validation, error shapes, never a 500 on bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testerarmy.testing import SeedGroup, SeedTest, Simulator
from testerarmy.testing._spec import SpecOperation, load_spec

from ._inprocess import InProcessClient

KEY = "sk_test_unit"
OTHER = "sk_test_other"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def sim() -> Simulator:
    return Simulator(
        api_keys=(KEY, OTHER),
        time_scale=0,
        tests=[SeedTest("Login", "log in", id="11111111-1111-4111-8111-111111111111")],
        groups=[SeedGroup("G", tests=("Login",), id="22222222-2222-4222-8222-222222222222")],
    )


@pytest.fixture
def client(sim: Simulator):
    with InProcessClient(sim.app) as c:
        yield c


def error(resp) -> tuple[int, str, str]:
    body = resp.json()
    assert set(body) == {"error", "message"}
    return resp.status_code, body["error"], body["message"]


@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({}, "Missing API key"),
        ({"Authorization": KEY}, "Malformed"),
        ({"Authorization": "Basic abc"}, "Malformed"),
        ({"Authorization": "Bearer "}, "Malformed"),
        ({"Authorization": "Bearer sk_test_wrong"}, "Invalid API key"),
    ],
)
def test_auth_failures_are_401_without_echoing_the_key(client, headers, needle):
    status, code, message = error(client.get("/api/v1/runs", headers=headers))
    assert (status, code) == (401, "Unauthorized")
    assert needle in message
    assert "sk_test_wrong" not in message


def test_bearer_scheme_is_case_insensitive(client):
    assert client.get("/api/v1/runs", headers={"Authorization": f"bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "prompt: Required"),
        (b"{}", "prompt: Required"),
        (b"{bad", "body: Invalid JSON"),
        (b"[1,2]", "body: Expected object, received array"),
        (b'"text"', "body: Expected object, received string"),
        (b'{"prompt": null}', "prompt: Expected string, received null"),
        (b'{"prompt": ["a"]}', "prompt: Expected string, received array"),
        (b'{"prompt": "x", "webhookUrl": 3}', "webhookUrl: "),
        (b'{"prompt": "x [sim:nope]"}', "prompt: unknown simulator marker"),
        (b"\xff\xfe", "body: Invalid JSON"),
    ],
)
def test_create_run_validation(client, body, message):
    status, code, text = error(client.post("/api/v1/runs", content=body, headers=AUTH))
    assert (status, code) == (400, "ValidationError")
    assert text.startswith(message)


def test_oversized_body_is_400(client):
    body = json.dumps({"prompt": "x" * 1_100_000})
    status, _, message = error(client.post("/api/v1/runs", content=body, headers=AUTH))
    assert status == 400
    assert "Too large" in message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit: Number must be between 1 and 100"),
        ("limit=101", "limit: Number must be between 1 and 100"),
        ("limit=-5", "limit: Number must be between 1 and 100"),
        ("limit=ten", "limit: Expected integer"),
        ("limit=1.5", "limit: Expected integer"),
        ("status=done", "status: Invalid enum value"),
    ],
)
def test_list_query_validation(client, query, message):
    status, _, text = error(client.get(f"/api/v1/runs?{query}", headers=AUTH))
    assert status == 400
    assert text.startswith(message)


SPEC = load_spec()
TEST_ID = "11111111-1111-4111-8111-111111111111"
GROUP_ID = "22222222-2222-4222-8222-222222222222"
UNKNOWN = str(uuid.UUID(int=7))


def _uuid_params(op: SpecOperation) -> list[str]:
    return [p.name for p in op.parameters if p.location == "path" and p.schema.get("format") == "uuid"]


def _fill(op: SpecOperation, values: dict[str, str], default: str) -> str:
    path = "/api" + op.path
    for p in op.parameters:
        if p.location == "path":
            path = path.replace("{" + p.name + "}", values.get(p.name, default))
    return path


def _body_for(op: SpecOperation) -> dict[str, str] | None:
    if not op.body_media or "multipart/form-data" in op.body_media:
        return None
    required = (op.body_schema or {}).get("$ref", "")
    return {"testId": UNKNOWN} if required.endswith("/AddGroupTestRequest") else {}


BAD_UUIDS = [(op, name) for op in SPEC.operations for name in _uuid_params(op)]


@pytest.mark.parametrize(("op", "param"), BAD_UUIDS, ids=[f"{o.key}:{n}" for o, n in BAD_UUIDS])
def test_bad_uuid_in_path_is_400_naming_the_parameter(sim, client, op, param):
    """Every ``format: uuid`` path parameter of the spec, malformed alone: 400 naming it."""
    valid = {name: UNKNOWN for name in _uuid_params(op)}
    path = _fill(op, {**valid, param: "not-a-uuid"}, sim.projects[0].id)
    resp = client.request(op.method, path, headers=AUTH, json=_body_for(op))
    status, _, message = error(resp)
    assert status == 400
    assert message == f"{param}: Invalid uuid"


WITH_IDS = [op for op in SPEC.operations if _uuid_params(op) and op.auth]


@pytest.mark.parametrize("op", WITH_IDS, ids=[o.key for o in WITH_IDS])
def test_unknown_ids_are_404_where_documented_else_400(sim, client, op):
    """An unknown id is the documented 404; where the spec documents none, its 400."""
    path = _fill(op, {}, UNKNOWN)
    if "{projectId}" in op.path and not any(
        p.name == "projectId" for p in op.parameters if p.schema.get("format") == "uuid"
    ):
        path = _fill(op, {"projectId": sim.projects[0].short_id}, UNKNOWN)
    resp = client.request(op.method, path, headers=AUTH, json=_body_for(op))
    if op.key.endswith("/mobile") and op.method == "POST":
        return  # multipart: the body is judged before the (unknown) app matters; see below
    expected = 404 if op.response_schema(404)[0] else 400
    assert resp.status_code == expected, (op.key, resp.text)
    if op.method == "GET" and "{projectId}" not in op.path:
        assert "not found" in resp.json()["message"]


def test_runs_belong_to_their_key(client):
    run_id = client.post("/api/v1/runs", json={"prompt": "x"}, headers=AUTH).json()["id"]
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.get(f"/api/v1/runs/{run_id}", headers=other).status_code == 404
    # The spec documents no 404 for cancel: another key's run is its 400, "not found".
    cancel = client.post(f"/api/v1/runs/{run_id}/cancel", headers=other)
    assert cancel.status_code == 400
    assert "not found" in cancel.json()["message"]
    assert client.get("/api/v1/runs", headers=other).json() == {"runs": [], "nextCursor": None}
    assert client.get(f"/api/v1/runs/{run_id}", headers=AUTH).status_code == 200


def test_head_is_answered_like_get(client):
    resp = client.request("HEAD", "/api/v1/runs", headers=AUTH)
    assert resp.status_code == 200
    assert client.request("HEAD", "/api/v1/runs").status_code == 401


def test_unknown_routes_and_methods_are_json(client):
    assert error(client.get("/api/v2/runs", headers=AUTH))[:2] == (404, "NotFound")
    resp = client.put("/api/v1/runs", headers=AUTH)
    assert error(resp)[:2] == (405, "MethodNotAllowed")
    assert "GET" in resp.headers["allow"]


def test_rate_limit_answers_429_with_retry_after():
    sim = Simulator(api_keys=(KEY,), time_scale=0, rate_limit="2/60")
    with InProcessClient(sim.app) as client:
        assert [client.get("/api/v1/runs", headers=AUTH).status_code for _ in range(2)] == [200, 200]
        resp = client.get("/api/v1/runs", headers=AUTH)
    assert error(resp)[:2] == (429, "RateLimited")
    assert 1 <= int(resp.headers["retry-after"]) <= 30


def test_admin_api_rejects_api_keys_and_missing_tokens(sim, client):
    assert error(client.get("/_sim/faults", headers=AUTH))[:2] == (401, "Unauthorized")
    assert client.get("/_sim/faults", headers={"X-Sim-Admin-Token": KEY}).status_code == 401
    ok = client.get("/_sim/faults", headers={"X-Sim-Admin-Token": sim.admin_token})
    assert ok.status_code == 200
    assert client.get("/_sim/health").json() == {"ok": True}


def test_admin_token_must_differ_from_keys():
    with pytest.raises(ValueError, match="admin_token"):
        Simulator(api_keys=(KEY,), admin_token=KEY)


@pytest.mark.parametrize("keys", [(), ("",), ("has space",), "sk_single_string"])
def test_bad_key_configuration(keys):
    with pytest.raises((ValueError, TypeError)):
        Simulator(api_keys=keys)


def test_repr_never_shows_keys(sim):
    assert KEY not in repr(sim)
    assert OTHER not in repr(sim)
    assert sim.admin_token not in repr(sim)
    assert KEY not in repr(sim._ctx.keys)


# Every operation of the spec, ids filled with the seeded test/group (or a fixed uuid), other path
# values from hypothesis ("{text}").
ROUTES = [
    (
        op.method,
        _fill(
            op,
            {"testId": TEST_ID, "groupId": GROUP_ID, **dict.fromkeys(_uuid_params(op), "{uuid}")},
            "{text}",
        ).replace(f"groups/{GROUP_ID}/tests/{TEST_ID}", f"groups/{GROUP_ID}/tests/{TEST_ID}"),
    )
    for op in SPEC.operations
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
field_names = st.sampled_from(
    [
        "prompt",
        "webhookUrl",
        "name",
        "runMode",
        "prepTestId",
        "targetUrl",
        "pullRequest",
        "filename",
        "fileSize",
        "removeAfter",
        "storageKey",
        "environment",
        "mobile",
        "enabled",
        "steps",
        "type",
        "url",
        "title",
        "description",
        "projectId",
        "groupId",
        "kind",
        "label",
        "username",
        "password",
        "authMethod",
        "authInstructions",
        "category",
        "importance",
        "content",
        "testId",
        "platform",
        "mode",
        "projectEnvironmentId",
    ]
)
bodies = (
    st.binary(max_size=64)
    | st.dictionaries(field_names, json_values, max_size=5).map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    body=bodies,
    text=st.text(alphabet="abc-_%.0123456789", min_size=1, max_size=12),
    query=st.sampled_from(["", "?limit=5", "?limit=x", "?status=queued", "?status=%00"]),
    ctype=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=zz"]),
)
def test_bad_input_never_gets_a_5xx(client, route, body, text, query, ctype):
    method, template = route
    path = template.replace("{uuid}", str(uuid.UUID(int=7))).replace("{text}", text)
    resp = client.request(method, path + query, content=body, headers={**AUTH, "Content-Type": ctype})
    assert resp.status_code < 500, resp.text
    if resp.status_code >= 400:
        assert set(resp.json()) == {"error", "message"}


def test_reset_restores_the_initial_state(sim):
    project_ids = [p.id for p in sim.projects]
    group_webhook = sim.groups[-1].webhook_secret
    with InProcessClient(sim.app) as client:
        run_id = client.post("/api/v1/runs", json={"prompt": "x"}, headers=AUTH).json()["id"]
        client.patch(f"/api/v1/groups/{GROUP_ID}", json={"name": "renamed"}, headers=AUTH)
        client.delete(f"/api/v1/projects/{project_ids[0]}", headers=AUTH)
        sim.faults.add(path="*", status=500, times=None)
        sim.advance(100)
        sim.reset()
        assert sim.runs == []
        assert len(sim.requests) == 0
        assert len(sim.faults) == 0
        assert sim.now() == 0
        assert [p.id for p in sim.projects] == project_ids
        assert [g.name for g in sim.groups] == ["All Tests", "G"]
        assert sim.groups[-1].webhook_secret == group_webhook
        assert client.get(f"/api/v1/runs/{run_id}", headers=AUTH).status_code == 404
        # Same seed, fresh store: the first run gets the same id again.
        assert client.post("/api/v1/runs", json={"prompt": "x"}, headers=AUTH).json()["id"] == run_id


def test_reset_keeps_constructor_faults():
    sim = Simulator(api_keys=(KEY,), time_scale=0, faults=[{"path": "runs.list", "status": 503}])
    with InProcessClient(sim.app) as client:
        assert client.get("/api/v1/runs", headers=AUTH).status_code == 503
        assert client.get("/api/v1/runs", headers=AUTH).status_code == 200
        sim.reset()
        assert client.get("/api/v1/runs", headers=AUTH).status_code == 503


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_every_method_on_every_route_is_answered_without_a_5xx(client, method):
    for _, template in ROUTES:
        path = template.replace("{uuid}", str(uuid.UUID(int=7))).replace("{text}", "prj")
        resp = client.request(method, path, headers=AUTH)
        assert resp.status_code < 500, (method, path, resp.text)


def webhook_path(sim: Simulator) -> str:
    group = sim.groups[-1]
    return f"/api/v1/groups/webhook/{group.webhook_id}/{group.webhook_secret}"


@pytest.mark.parametrize(
    ("mobile", "message"),
    [
        ({"bundleId": "com.x", "appId": str(uuid.UUID(int=1))}, "mobile: Give exactly one of"),
        ({}, "mobile: Give exactly one of"),
        ({"appId": str(uuid.UUID(int=1))}, "mobile.appId: Mobile app"),
        ({"artifactUrl": "not a url"}, "mobile.artifactUrl: Invalid url"),
    ],
)
def test_group_webhook_mobile_rules(sim, client, mobile, message):
    resp = client.post(webhook_path(sim), json={"mobile": mobile})
    assert resp.status_code == 400
    assert resp.json()["message"].startswith(message)


def _batch_runs(sim: Simulator, answer: dict[str, object]) -> list[object]:
    return [r for r in sim.runs if r.batch_id == answer["batchId"]]


def test_group_webhook_mobile_sources_and_platforms(sim, client):
    app = client.post(
        f"/api/v1/projects/{sim.projects[0].id}/mobile",
        files={"file": ("shop.apk", b"apk")},
        headers=AUTH,
    ).json()["app"]
    by_app = client.post(webhook_path(sim), json={"mobile": {"appId": app["id"]}})
    assert by_app.status_code == 202
    (run,) = _batch_runs(sim, by_app.json())
    assert run.record.platform == "android"
    by_bundle = client.post(webhook_path(sim), json={"mobile": {"bundleId": "com.shop", "buildId": "42"}})
    assert _batch_runs(sim, by_bundle.json())[0].record.platform == "ios"
    web = client.post(webhook_path(sim), json={"targetUrl": "https://pr-1.example.com"}).json()
    assert set(web) == {"received", "batchId", "batchIds"}
    assert web["batchIds"] == [web["batchId"]]
    (run,) = _batch_runs(sim, web)
    assert (run.record.platform, run.record.type, run.record.source) == ("web", "ci", "webhook")
    assert run.record.external_ref == {"environment": "preview", "targetUrl": "https://pr-1.example.com"}
    assert run.record.owner == sim.runs[-1].record.owner  # the group's owner (the first key)


def test_group_webhook_auth_by_secret_and_enabled_flag():
    sim = Simulator(
        api_keys=(KEY,),
        time_scale=0,
        tests=[SeedTest("T", "t")],
        groups=[SeedGroup("On", tests=("T",)), SeedGroup("Off", tests=("T",), webhook_enabled=False)],
    )
    on, off = [g for g in sim.groups if not g.is_default]
    with InProcessClient(sim.app) as client:
        assert client.post(f"/api/v1/groups/webhook/{on.webhook_id}/wrong").status_code == 401
        assert client.post(f"/api/v1/groups/webhook/{uuid.UUID(int=5)}/x").status_code == 401
        resp = client.post(f"/api/v1/groups/webhook/{off.webhook_id}/{off.webhook_secret}")
        # The docs say 403 for an inactive webhook; the published spec documents only 401.
        assert (resp.status_code, resp.json()["error"]) == (401, "Unauthorized")
        assert "inactive" in resp.json()["message"]
        ok = client.post(f"/api/v1/groups/webhook/{on.webhook_id}/{on.webhook_secret}")
        assert ok.status_code == 202
        assert ok.json()["received"] is True


STEP = {"type": "act", "title": "Open the page"}


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        (
            "POST",
            "/api/v1/tests",
            {"title": "T", "steps": [STEP], "projectId": "{project}", "enabled": "yes"},
            "enabled: Expected boolean",
        ),
        (
            "POST",
            "/api/v1/tests",
            {"title": "T", "steps": "one", "projectId": "{project}"},
            "steps: Expected array",
        ),
        ("POST", "/api/v1/tests", {"title": "T", "steps": [], "projectId": "{project}"}, "steps: "),
        ("POST", "/api/v1/tests", {"steps": [STEP], "projectId": "{project}"}, "title: Required"),
        (
            "POST",
            "/api/v1/tests",
            {"title": "T", "steps": [{"type": "act"}], "projectId": "{project}"},
            "steps.0.act.title: Required",
        ),
        (
            "POST",
            "/api/v1/tests",
            {"title": "[sim:boom]", "steps": [STEP], "projectId": "{project}"},
            "steps: unknown simulator marker",
        ),
        ("PATCH", f"/api/v1/tests/{TEST_ID}", {"title": None}, "title: Expected string, received null"),
        ("PATCH", f"/api/v1/groups/{GROUP_ID}", {"runMode": "parallel"}, "runMode: Invalid enum value"),
        ("PATCH", f"/api/v1/groups/{GROUP_ID}", {"name": None}, "name: Expected string, received null"),
        ("PATCH", f"/api/v1/groups/{GROUP_ID}", {"prepTestId": str(uuid.UUID(int=3))}, "prepTestId: Test"),
        ("POST", "/api/v1/groups", {"projectId": "{project}"}, "name: Required"),
        ("PATCH", "/api/v1/projects/{project}", {"url": "ftp://x.example"}, "url: Must be an http(s) URL"),
        ("PATCH", "/api/v1/projects/{project}", {"name": 3}, "name: Expected string"),
        ("POST", "/api/v1/projects", {"name": "P"}, "url: Required"),
        ("POST", "/api/v1/projects/{project}/credentials", {"kind": "sms", "label": "x"}, "kind: "),
        (
            "POST",
            "/api/v1/projects/{project}/credentials",
            {"kind": "login", "label": "x", "username": "u"},
            "password: Required",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/credentials",
            {"kind": "inbox", "label": "x", "password": "p"},
            "password: Extra inputs are not permitted",  # closed upstream: additionalProperties false
        ),
        (
            "POST",
            "/api/v1/projects/{project}/environments",
            {"name": "Staging", "url": "http://x.example"},
            "url: Must be an HTTPS URL",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/memories",
            {"category": "site_structure", "title": "t", "content": "c", "importance": "urgent"},
            "importance: Invalid enum value",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/mobile/upload",
            {"filename": "a.apk", "fileSize": 0},
            "fileSize:",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/mobile/upload",
            {"filename": "a.exe", "fileSize": 1},
            "filename:",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/mobile/upload",
            {"filename": "a.apk", "fileSize": 1, "removeAfter": 59},
            "removeAfter:",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/mobile/upload/confirm",
            {"storageKey": "nope", "filename": "a.apk", "fileSize": 1},
            "storageKey: Unknown",
        ),
        ("POST", "/api/v1/projects/{project}/pull-request-runs", {"targetUrl": "x"}, "pullRequest: Required"),
        (
            "POST",
            f"/api/v1/tests/{TEST_ID}/runs",
            {"projectEnvironmentId": str(uuid.UUID(int=4))},
            "projectEnvironmentId: Environment",
        ),
    ],
)
def test_operation_specific_validation(sim, client, method, path, body, message):
    project = sim.projects[0].id
    path = path.replace("{project}", project)
    body = {k: project if v == "{project}" else v for k, v in body.items()}
    resp = client.request(method, path, json=body, headers=AUTH)
    assert resp.status_code == 400, resp.text
    assert message in resp.json()["message"]


def test_multipart_upload_errors(sim, client):
    path = f"/api/v1/projects/{sim.projects[0].id}/mobile"
    no_file = client.post(path, files={"removeAfter": (None, b"60")}, headers=AUTH)
    assert no_file.json()["message"] == "file: Required"
    empty = client.post(path, files={"file": ("a.apk", b"")}, headers=AUTH)
    assert empty.json()["message"] == "file: Empty file"
    bad_expiry = client.post(
        path, files={"file": ("a.apk", b"x"), "removeAfter": (None, b"soon")}, headers=AUTH
    )
    assert bad_expiry.json()["message"].startswith("removeAfter: Expected integer")
    short = client.post(path, files={"file": ("a.apk", b"x"), "removeAfter": (None, b"59")}, headers=AUTH)
    assert short.json()["message"].startswith("removeAfter: Number must be between 60 and 604800")
    json_body = client.post(path, json={"file": "x"}, headers=AUTH)
    assert json_body.status_code == 400
    unknown = client.request("DELETE", f"{path}/{uuid.UUID(int=9)}", headers=AUTH)
    assert unknown.status_code == 404
