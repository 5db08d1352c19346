"""The ASGI app in-process (no server): auth, validation, error shapes, never a 500 on bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testerarmy.testing import SeedGroup, SeedTest, Simulator

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


@pytest.mark.parametrize(
    ("method", "path", "param"),
    [
        ("GET", "/api/v1/runs/not-a-uuid", "id"),
        ("POST", "/api/v1/runs/123/cancel", "id"),
        ("PATCH", "/api/v1/tests/x", "testId"),
        ("DELETE", "/api/v1/tests/x", "testId"),
        ("POST", "/api/v1/tests/x/runs", "testId"),
        ("PATCH", "/api/v1/groups/x", "groupId"),
        ("POST", "/api/v1/groups/x/runs", "groupId"),
        ("POST", "/api/v1/groups/webhook/x/secret", "webhookId"),
        ("DELETE", "/api/v1/projects/p/mobile/x", "appId"),
    ],
)
def test_bad_uuid_in_path_is_400_naming_the_parameter(client, method, path, param):
    status, _, message = error(client.request(method, path, headers=AUTH, json={}))
    assert status == 400
    assert message == f"{param}: Invalid uuid"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/runs/{uuid.uuid4()}"),
        ("POST", f"/api/v1/runs/{uuid.uuid4()}/cancel"),
        ("PATCH", f"/api/v1/tests/{uuid.uuid4()}"),
        ("POST", f"/api/v1/groups/{uuid.uuid4()}/runs"),
        ("PATCH", "/api/v1/projects/prj_missing"),
        ("GET", "/api/v1/projects/prj_missing/mobile"),
    ],
)
def test_unknown_ids_are_404(client, method, path):
    status, code, _ = error(client.request(method, path, headers=AUTH, json={}))
    assert (status, code) == (404, "NotFound")


def test_runs_belong_to_their_key(client):
    run_id = client.post("/api/v1/runs", json={"prompt": "x"}, headers=AUTH).json()["id"]
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.get(f"/api/v1/runs/{run_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/runs/{run_id}/cancel", headers=other).status_code == 404
    assert client.get("/api/v1/runs", headers=other).json() == {"runs": []}
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


ROUTES = [
    ("POST", "/api/v1/runs"),
    ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/runs/{uuid}"),
    ("POST", "/api/v1/runs/{uuid}/cancel"),
    ("POST", "/api/v1/tests"),
    ("PATCH", "/api/v1/tests/11111111-1111-4111-8111-111111111111"),
    ("POST", "/api/v1/tests/11111111-1111-4111-8111-111111111111/runs"),
    ("PATCH", "/api/v1/groups/22222222-2222-4222-8222-222222222222"),
    ("POST", "/api/v1/groups/22222222-2222-4222-8222-222222222222/runs"),
    ("POST", "/api/v1/groups/webhook/{uuid}/{text}"),
    ("PATCH", "/api/v1/projects/{text}"),
    ("POST", "/api/v1/projects/{text}/pull-request-runs"),
    ("POST", "/api/v1/projects/{text}/credentials"),
    ("POST", "/api/v1/projects/{text}/mobile"),
    ("POST", "/api/v1/projects/{text}/mobile/upload"),
    ("POST", "/api/v1/projects/{text}/mobile/upload/confirm"),
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
    group_webhook = sim.groups[0].webhook_secret
    with InProcessClient(sim.app) as client:
        run_id = client.post("/api/v1/runs", json={"prompt": "x"}, headers=AUTH).json()["id"]
        client.patch(f"/api/v1/groups/{sim.groups[0].id}", json={"name": "renamed"}, headers=AUTH)
        sim.faults.add(path="*", status=500, times=None)
        sim.advance(100)
        sim.reset()
        assert sim.runs == []
        assert len(sim.requests) == 0
        assert len(sim.faults) == 0
        assert sim.now() == 0
        assert [p.id for p in sim.projects] == project_ids
        assert sim.groups[0].name == "G"
        assert sim.groups[0].webhook_secret == group_webhook
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
    group = sim.groups[0]
    return f"/api/v1/groups/webhook/{group.webhook_id}/{group.webhook_secret}"


@pytest.mark.parametrize(
    ("mobile", "message"),
    [
        ({"bundleId": "com.x", "appId": str(uuid.UUID(int=1))}, "mobile: Give exactly one of"),
        ({}, "mobile: Give exactly one of"),
        ({"appId": str(uuid.UUID(int=1)), "buildId": "7"}, "mobile.buildId: Only allowed"),
        ({"bundleId": "com.x", "artifactFilename": "a.apk"}, "mobile.artifactFilename: Only allowed"),
        ({"appId": str(uuid.UUID(int=1))}, "mobile.appId: Mobile app"),
        ({"artifactUrl": "not a url"}, "mobile.artifactUrl: Invalid url"),
    ],
)
def test_group_webhook_mobile_rules(sim, client, mobile, message):
    resp = client.post(webhook_path(sim), json={"mobile": mobile})
    assert resp.status_code == 400
    assert resp.json()["message"].startswith(message)


def test_group_webhook_mobile_sources_and_platforms(sim, client):
    app = client.post(
        f"/api/v1/projects/{sim.projects[0].id}/mobile",
        files={"file": ("shop.apk", b"apk")},
        headers=AUTH,
    ).json()["app"]
    by_app = client.post(webhook_path(sim), json={"mobile": {"appId": app["id"]}}).json()
    assert by_app["metadata"] == {"mobile": {"source": "app_id"}}
    assert sim.run(by_app["runIds"][0]).record.platform == "android"
    by_bundle = client.post(
        webhook_path(sim), json={"mobile": {"bundleId": "com.shop", "buildId": "42"}}
    ).json()
    assert by_bundle["metadata"] == {"mobile": {"source": "test_default"}}
    web = client.post(webhook_path(sim), json={"targetUrl": "https://pr-1.example.com"}).json()
    assert "metadata" not in web
    run = sim.run(web["runIds"][0])
    assert run.record.platform == "web"
    assert run.record.external_ref == {"environment": "preview", "targetUrl": "https://pr-1.example.com"}
    assert run.record.owner == sim.runs[-1].record.owner  # the group's owner (the first key)


def test_group_webhook_auth_by_secret_and_enabled_flag():
    sim = Simulator(
        api_keys=(KEY,),
        time_scale=0,
        tests=[SeedTest("T", "t")],
        groups=[SeedGroup("On", tests=("T",)), SeedGroup("Off", tests=("T",), webhook_enabled=False)],
    )
    on, off = sim.groups
    with InProcessClient(sim.app) as client:
        assert client.post(f"/api/v1/groups/webhook/{on.webhook_id}/wrong").status_code == 401
        assert client.post(f"/api/v1/groups/webhook/{uuid.UUID(int=5)}/x").status_code == 401
        resp = client.post(f"/api/v1/groups/webhook/{off.webhook_id}/{off.webhook_secret}")
        assert (resp.status_code, resp.json()["error"]) == (403, "Forbidden")
        ok = client.post(f"/api/v1/groups/webhook/{on.webhook_id}/{on.webhook_secret}")
        assert ok.status_code == 200
        assert ok.json()["received"] is True


TEST_ID = "11111111-1111-4111-8111-111111111111"
GROUP_ID = "22222222-2222-4222-8222-222222222222"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/api/v1/tests", {"enabled": "yes"}, "enabled: Expected boolean"),
        ("POST", "/api/v1/tests", {"steps": "one"}, "steps: Expected array"),
        ("POST", "/api/v1/tests", {"groupId": str(uuid.UUID(int=3))}, "groupId: Group"),
        ("POST", "/api/v1/tests", {"projectId": "prj_nope"}, "projectId: Project"),
        ("POST", "/api/v1/tests", {"prompt": "[sim:boom]"}, "prompt: unknown simulator marker"),
        ("PATCH", f"/api/v1/tests/{TEST_ID}", {"projectId": "x"}, "projectId: Cannot be changed"),
        ("PATCH", f"/api/v1/tests/{TEST_ID}", {"prompt": None}, "prompt: Expected string, received null"),
        ("PATCH", f"/api/v1/groups/{GROUP_ID}", {"runMode": "parallel"}, "runMode: Invalid enum value"),
        ("PATCH", f"/api/v1/groups/{GROUP_ID}", {"name": None}, "name: Expected string, received null"),
        ("PATCH", "/api/v1/projects/{project}", {"url": "ftp://x.example"}, "url: Must be an http(s) URL"),
        ("PATCH", "/api/v1/projects/{project}", {"name": 3}, "name: Expected string"),
        ("POST", "/api/v1/projects/{project}/credentials", {"type": "sms"}, "type: Invalid enum value"),
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
            {"filename": "a.apk", "fileSize": 1, "removeAfter": 0},
            "removeAfter:",
        ),
        (
            "POST",
            "/api/v1/projects/{project}/mobile/upload/confirm",
            {"storageKey": "nope", "filename": "a.apk", "fileSize": 1},
            "storageKey: Unknown",
        ),
        ("POST", "/api/v1/projects/{project}/pull-request-runs", {"targetUrl": "x"}, "pullRequest: Required"),
    ],
)
def test_operation_specific_validation(sim, client, method, path, body, message):
    path = path.replace("{project}", sim.projects[0].short_id)
    resp = client.request(method, path, json=body, headers=AUTH)
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"].startswith(message)


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
    json_body = client.post(path, json={"file": "x"}, headers=AUTH)
    assert json_body.status_code == 400
    unknown = client.request("DELETE", f"{path}/{uuid.UUID(int=9)}", headers=AUTH)
    assert unknown.status_code == 404
