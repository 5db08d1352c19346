"""The simulator follows the spec it is given: a spec copy's new operations are served with no
hand-written line, a behaviour the spec lacks refuses to start, a renamed field fails by name."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from testerarmy.testing import Simulator
from testerarmy.testing._behaviours import BEHAVIOURS
from testerarmy.testing._spec import load_spec

pytestmark = pytest.mark.integration

WIDGETS = "/v1/sim-proof-widgets"


@pytest.fixture(autouse=True)
def spec_checked_traffic():
    """Replaces the integration suite's traffic check for this module: its traffic follows spec
    copies, not generated/openapi.normalized.yaml. The simulators here check their own answers
    against their copy (validate_responses=True), and the tests assert ``sim.violations``."""
    return None


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error() -> dict[str, Any]:
    return {
        "description": "error",
        **_json(
            {
                "type": "object",
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                "required": ["error", "message"],
            }
        ),
    }


def spec_with_widgets() -> dict[str, Any]:
    """The installed spec plus a resource it does not have: create, list (cursor), get, delete."""
    doc = copy.deepcopy(dict(load_spec().document))
    assert WIDGETS not in doc["paths"]
    widget = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "minLength": 1},
            "size": {"type": "integer", "minimum": 1, "maximum": 9},
            "createdAt": {"type": "string", "format": "date-time"},
        },
        "required": ["id", "name", "size", "createdAt"],
    }
    doc.setdefault("components", {}).setdefault("schemas", {})["SimProofWidget"] = widget
    ref = {"$ref": "#/components/schemas/SimProofWidget"}
    id_param = {
        "name": "widgetId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    doc["paths"][WIDGETS] = {
        "post": {
            "operationId": "widgets.create",
            "requestBody": {
                "required": True,
                **_json(
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "size": {"type": "integer"},
                        },
                        "required": ["name"],
                    }
                ),
            },
            "responses": {"201": {"description": "created", **_json(ref)}, "400": _error(), "401": _error()},
        },
        "get": {
            "operationId": "widgets.list",
            "parameters": [
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
            ],
            "responses": {
                "200": {
                    "description": "page",
                    **_json(
                        {
                            "type": "object",
                            "properties": {
                                "widgets": {"type": "array", "items": ref},
                                "nextCursor": {"type": ["string", "null"]},
                            },
                            "required": ["widgets", "nextCursor"],
                        }
                    ),
                },
                "400": _error(),
                "401": _error(),
            },
        },
    }
    doc["paths"][f"{WIDGETS}/{{widgetId}}"] = {
        "parameters": [id_param],
        "get": {
            "operationId": "widgets.get",
            "responses": {"200": {"description": "one", **_json(ref)}, "400": _error(), "404": _error()},
        },
        "delete": {
            "operationId": "widgets.delete",
            "responses": {
                "200": {
                    "description": "gone",
                    **_json({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}),
                },
                "400": _error(),
                "404": _error(),
            },
        },
    }
    return doc


@pytest.fixture(scope="module")
def widgets_sim():
    with Simulator(spec=spec_with_widgets(), validate_responses=True, time_scale=0) as sim:
        yield sim


@pytest.fixture
def client(widgets_sim: Simulator):
    widgets_sim.reset()
    with httpx.Client(
        base_url=widgets_sim.url, headers={"Authorization": f"Bearer {widgets_sim.api_key}"}, trust_env=False
    ) as c:
        yield c


def test_a_spec_copy_that_adds_operations_is_served_without_a_hand_written_line(widgets_sim, client):
    assert not any(key.startswith(("POST " + WIDGETS, "GET " + WIDGETS)) for key in BEHAVIOURS)
    made = [client.post(WIDGETS, json={"name": f"w{n}", "size": 3}) for n in range(3)]
    assert [r.status_code for r in made] == [201, 201, 201]
    bodies = [r.json() for r in made]
    assert [b["name"] for b in bodies] == ["w0", "w1", "w2"]
    assert len({b["id"] for b in bodies}) == 3

    got = client.get(f"{WIDGETS}/{bodies[0]['id']}")
    assert (got.status_code, got.json()) == (200, bodies[0])

    page = client.get(WIDGETS, params={"limit": 2}).json()
    assert [w["id"] for w in page["widgets"]] == [b["id"] for b in bodies[:2]]
    rest = client.get(WIDGETS, params={"limit": 2, "cursor": page["nextCursor"]}).json()
    assert ([w["id"] for w in rest["widgets"]], rest["nextCursor"]) == ([bodies[2]["id"]], None)

    assert client.delete(f"{WIDGETS}/{bodies[0]['id']}").json() == {"id": bodies[0]["id"]}
    gone = client.get(f"{WIDGETS}/{bodies[0]['id']}")
    assert gone.status_code == 404
    assert set(gone.json()) == {"error", "message"}
    assert widgets_sim.violations == []


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda c: c.post(WIDGETS, json={"size": 3}), "body: 'name' is a required property"),
        (lambda c: c.post(WIDGETS, json={"name": ""}), "body.name:"),
        (
            lambda c: c.post(WIDGETS, content=b"{not json", headers={"content-type": "application/json"}),
            "body:",
        ),
        (
            lambda c: c.post(WIDGETS, content=b"name=x", headers={"content-type": "text/plain"}),
            "content-type:",
        ),
        (lambda c: c.get(WIDGETS, params={"limit": "0"}), "limit:"),
        (lambda c: c.get(WIDGETS, params={"limit": "many"}), "limit:"),
        (lambda c: c.get(f"{WIDGETS}/not-a-uuid"), "widgetId:"),
    ],
)
def test_invalid_requests_get_the_documented_400(client, call, where):
    resp = call(client)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"] == "ValidationError"
    assert where in body["message"]


def test_new_operations_require_the_key_the_spec_requires(widgets_sim):
    assert httpx.post(widgets_sim.url + WIDGETS, json={"name": "x"}, trust_env=False).status_code == 401


def test_a_behaviour_whose_operation_left_the_spec_refuses_to_start():
    doc = copy.deepcopy(dict(load_spec().document))
    key = sorted(BEHAVIOURS)[0]
    method, path = key.split(" ", 1)
    del doc["paths"][path][method.lower()]
    with pytest.raises(ValueError, match=f"without an operation in the spec: {key}"):
        Simulator(spec=doc)


def _renamed(doc: dict[str, Any], schema: str, old: str, new: str) -> None:
    target = doc["components"]["schemas"][schema]
    target["properties"] = {(new if k == old else k): v for k, v in target["properties"].items()}
    if old in target.get("required", ()):
        target["required"] = [new if r == old else r for r in target["required"]]


def test_a_field_renamed_in_the_spec_fails_loudly_by_name():
    """The renamed field of issue 13: ``durationMs`` of the run object."""
    doc = copy.deepcopy(dict(load_spec().document))
    runs_get = doc["paths"]["/v1/runs/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    schema = runs_get["schema"]["$ref"].rsplit("/", 1)[1]
    if "durationMs" not in doc["components"]["schemas"][schema].get("properties", {}):
        pytest.skip("the spec's run object has no durationMs")  # nothing to rename
    _renamed(doc, schema, "durationMs", "duration")
    with Simulator(spec=doc, validate_responses=True, time_scale=0) as sim:
        headers = {"Authorization": f"Bearer {sim.api_key}"}
        run_id = httpx.post(sim.url + "/v1/runs", json={"prompt": "x"}, headers=headers).json()["id"]
        sim.complete_run(run_id, "PASS")
        resp = httpx.get(f"{sim.url}/v1/runs/{run_id}", headers=headers)
        assert resp.status_code == 500
        assert resp.json()["error"] == "SimulatorSpecViolation"
        assert "durationMs: not declared in the spec" in resp.json()["message"]
        assert any("durationMs" in v for v in sim.violations)
