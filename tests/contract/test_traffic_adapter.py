"""The httpx <-> openapi-core adapter (`_traffic.py`) that checks the integration suite's traffic.

A conforming exchange must pass; each kind of violation must be reported with the operation, the
direction, the status and the JSON path. The recorder must validate what it should, skip what it
should (injected faults, requests the server rejected) and count both. One test runs an
integration-style test in a nested pytest session to show that a violation fails the test that
caused it.
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from tests.contract import _spec
from tests.contract._traffic import (
    FAULT_HEADER,
    TrafficRecorder,
    TrafficValidator,
    Violation,
    default_validator,
    fail_on_violations,
    json_path,
)

_ORIGINAL_HANDLE_REQUEST = httpx.HTTPTransport.handle_request
LOCAL = "http://127.0.0.1:8123/api"  # where the simulator would serve; the spec says tester.army
RUN_ID = "00000000-0000-4000-8000-000000000001"
AUTH = {"Authorization": "Bearer sk_test_contract"}


@pytest.fixture(scope="module")
def validator() -> TrafficValidator:
    return default_validator()


@pytest.fixture
def count(contract_stats: Any) -> Iterator[None]:
    yield
    contract_stats.add("traffic adapter cases")


def schema(spec: dict[str, Any], name: str) -> Any:
    return _spec.component_schemas(spec)[name]


def run_json(spec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    run = dict(_spec.full_instance(spec, schema(spec, "Run")))
    run.update(changes)
    return run


def request(method: str, path: str, **kwargs: Any) -> httpx.Request:
    kwargs.setdefault("headers", AUTH)
    req = httpx.Request(method, LOCAL + path, **kwargs)
    req.read()
    return req


def response_violations(
    validator: TrafficValidator,
    req: httpx.Request,
    status: int,
    body: Any,
    content_type: str = "application/json",
) -> list[Violation]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return validator.check_response(req, status, httpx.Headers({"content-type": content_type}), data)


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, "\n".join(map(str, violations))
    return violations[0]


# -- conforming exchanges ------------------------------------------------------------------------------


@pytest.mark.usefixtures("count")
def test_a_conforming_exchange_passes(validator: TrafficValidator, normalized_spec: dict[str, Any]) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    assert validator.check_request(req, 200) == []
    assert response_violations(validator, req, 200, run_json(normalized_spec)) == []
    # A documented error status with the Error schema conforms too.
    assert response_violations(validator, req, 404, {"error": "NotFound", "message": "no run"}) == []


@pytest.mark.usefixtures("count")
def test_a_conforming_post_with_body_and_query_passes(
    validator: TrafficValidator, normalized_spec: dict[str, Any]
) -> None:
    assert validator.check_request(request("POST", "/v1/runs", json={"prompt": "Check the login"})) == []
    listing = request("GET", "/v1/runs", params={"limit": 5, "status": "completed"})
    assert validator.check_request(listing) == []
    body = {"runs": [run_json(normalized_spec), run_json(normalized_spec, status="a_future_status")]}
    assert response_violations(validator, listing, 200, body) == []


# -- each kind of violation, named ------------------------------------------------------------------------


@pytest.mark.usefixtures("count")
def test_a_response_field_of_the_wrong_type(
    validator: TrafficValidator, normalized_spec: dict[str, Any]
) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    violation = only(response_violations(validator, req, 200, run_json(normalized_spec, durationMs="slow")))
    assert (violation.operation, violation.direction, violation.status) == ("runs.get", "response", 200)
    assert violation.where == "$.durationMs"
    assert "'slow' is not of type" in violation.message
    assert str(violation).startswith("runs.get response (status 200) at $.durationMs: ")


@pytest.mark.usefixtures("count")
def test_a_nested_wrong_type_is_located_by_json_path(
    validator: TrafficValidator, normalized_spec: dict[str, Any]
) -> None:
    req = request("GET", "/v1/runs")
    body = {"runs": [run_json(normalized_spec), run_json(normalized_spec, createdAt=5)]}
    violation = only(response_violations(validator, req, 200, body))
    assert (violation.operation, violation.where) == ("runs.list", "$.runs[1].createdAt")


@pytest.mark.usefixtures("count")
def test_a_missing_required_response_field(
    validator: TrafficValidator, normalized_spec: dict[str, Any]
) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    run = run_json(normalized_spec)
    del run["createdAt"]
    violation = only(response_violations(validator, req, 200, run))
    assert (violation.operation, violation.direction, violation.where) == (
        "runs.get",
        "response",
        "$.createdAt",
    )
    assert violation.message == "required property is missing"


@pytest.mark.usefixtures("count")
def test_an_open_enum_rejects_a_non_string(
    validator: TrafficValidator, normalized_spec: dict[str, Any]
) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    violation = only(response_violations(validator, req, 200, run_json(normalized_spec, status=3)))
    assert violation.where == "$.status"
    assert "closest:" in violation.message  # which alternative of the anyOf came closest


@pytest.mark.usefixtures("count")
def test_an_undocumented_status(validator: TrafficValidator) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    violation = only(
        response_violations(validator, req, 418, {"error": "Teapot", "message": "short and stout"})
    )
    assert (violation.operation, violation.direction, violation.status) == ("runs.get", "response", 418)
    assert violation.where == "status"
    assert "418 is not documented" in violation.message
    assert "404" in violation.message  # the documented statuses are listed


@pytest.mark.usefixtures("count")
def test_an_undocumented_content_type(validator: TrafficValidator) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    violation = only(response_violations(validator, req, 500, b"<html>oops</html>", "text/html"))
    assert (violation.where, violation.status) == ("content-type", 500)
    assert "text/html" in violation.message
    assert "application/json" in violation.message


@pytest.mark.usefixtures("count")
def test_a_response_that_is_not_json(validator: TrafficValidator) -> None:
    req = request("GET", f"/v1/runs/{RUN_ID}")
    violation = only(response_violations(validator, req, 200, b'{"id": "00000000-'))
    assert (violation.operation, violation.where) == ("runs.get", "$")


@pytest.mark.usefixtures("count")
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"limit": "ten"}, "limit"),
        ({"limit": 500}, "500 is greater than the maximum of 100"),
        ({"status": 7}, "7"),
    ],
)
def test_a_request_with_a_bad_query_parameter(
    validator: TrafficValidator, query: dict[str, Any], fragment: str
) -> None:
    violation = only(validator.check_request(request("GET", "/v1/runs", params=query), 200))
    name = next(iter(query))
    assert (violation.operation, violation.direction, violation.status) == ("runs.list", "request", 200)
    assert violation.where == f"query.{name}"
    assert fragment in str(violation)


@pytest.mark.usefixtures("count")
def test_a_request_body_of_the_wrong_shape(validator: TrafficValidator) -> None:
    wrong_type = only(validator.check_request(request("POST", "/v1/runs", json={"prompt": 3})))
    assert (wrong_type.operation, wrong_type.direction, wrong_type.where) == (
        "runs.create",
        "request",
        "$.prompt",
    )
    missing = only(
        validator.check_request(request("POST", "/v1/runs", json={"webhookUrl": "https://a.example/"}))
    )
    assert (missing.where, missing.message) == ("$.prompt", "required property is missing")
    no_body = only(validator.check_request(request("POST", "/v1/runs")))
    assert (no_body.operation, no_body.where) == ("runs.create", "$")


@pytest.mark.usefixtures("count")
def test_a_bad_path_parameter_and_a_missing_credential(validator: TrafficValidator) -> None:
    bad_id = only(validator.check_request(request("GET", "/v1/runs/not-a-uuid"), 400))
    assert (bad_id.operation, bad_id.where) == ("runs.get", "path.id")
    anonymous = only(validator.check_request(request("GET", "/v1/runs", headers={}), 401))
    assert (anonymous.operation, anonymous.where) == ("runs.list", "security")
    # webhooks.trigger has `security: []`: the path secret is the credential.
    webhook = request("POST", f"/v1/groups/webhook/{RUN_ID}/s3cret", headers={}, json={})
    assert validator.check_request(webhook) == []


@pytest.mark.usefixtures("count")
def test_an_operation_the_spec_does_not_have(validator: TrafficValidator) -> None:
    put = request("PUT", "/v1/runs")
    violation = only(validator.check_request(put, 405))
    assert (violation.operation, violation.where) == ("PUT /api/v1/runs", "path")
    assert "no PUT operation" in violation.message
    unknown = only(validator.check_request(request("GET", "/v1/nothing-here"), 404))
    assert (unknown.operation, unknown.where) == ("GET /api/v1/nothing-here", "path")


def _operation_id(spec: dict[str, Any], method: str, path: str) -> str:
    return str(spec["paths"][path][method]["operationId"])


@pytest.mark.usefixtures("count")
def test_multipart_bodies_are_read_as_forms(validator: TrafficValidator) -> None:
    spec = _spec.load_normalized()
    template = "/v1/projects/{projectId}/mobile"
    upload = _operation_id(spec, "post", template)
    path = template.replace("{projectId}", RUN_ID)
    files = {"file": ("app.apk", b"APK\x00DATA", "application/octet-stream")}
    assert validator.check_request(request("POST", path, files=files, data={"removeAfter": "3600"})) == []
    # A text part only (httpx sends a data-only form urlencoded, hence the explicit part).
    missing = only(validator.check_request(request("POST", path, files={"removeAfter": (None, b"60")})))
    assert (missing.operation, missing.where, missing.message) == (
        upload,
        "$.file",
        "required property is missing",
    )
    # A part whose property is an integer must hold an integer's text. The published spec types
    # removeAfter as a string, so a copy that types it as an integer shows the text being cast.
    typed = copy.deepcopy(spec)
    body = typed["paths"][template]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    target = _spec.component_schemas(typed)[body["$ref"].rsplit("/", 1)[-1]] if "$ref" in body else body
    target["properties"]["removeAfter"] = {"type": "integer", "minimum": 60}
    strict = TrafficValidator(typed)
    assert strict.check_request(request("POST", path, files=files, data={"removeAfter": "3600"})) == []
    bad = only(strict.check_request(request("POST", path, files=files, data={"removeAfter": "soon"})))
    assert (bad.operation, bad.direction, bad.where) == (upload, "request", "$.removeAfter")
    assert "'soon' is not of type 'integer'" in bad.message
    low = only(strict.check_request(request("POST", path, files=files, data={"removeAfter": "5"})))
    assert (low.where, "5 is less than the minimum of 60" in low.message) == ("$.removeAfter", True)


def test_scope_and_server_mapping(validator: TrafficValidator) -> None:
    assert validator.host_url == "https://tester.army"
    assert validator.scope_prefix == "/api/v1"
    assert validator.in_scope(httpx.Request("GET", "http://127.0.0.1:1/api/v1/runs"))
    assert validator.in_scope(httpx.Request("GET", "https://tester.army/api/v1/runs/x"))
    for outside in ("http://127.0.0.1:1/_sim/health", "http://127.0.0.1:1/api/v10/runs", "http://h/v1/runs"):
        assert not validator.in_scope(httpx.Request("GET", outside))
    # A literal path segment wins over a template parameter.
    spec = _spec.load_normalized()
    upload = httpx.Request("POST", f"{LOCAL}/v1/projects/p/mobile/upload")
    assert "/v1/projects/{projectId}/mobile/{appId}" in spec["paths"]  # the template it could match
    assert validator.operation_of(upload) == _operation_id(
        spec, "post", "/v1/projects/{projectId}/mobile/upload"
    )


def test_json_paths() -> None:
    assert json_path([]) == "$"
    assert json_path(["runs", 0, "output", "issues", 2, "title"]) == "$.runs[0].output.issues[2].title"
    assert json_path(["odd key", "x-y"]) == '$["odd key"]["x-y"]'


# -- the recorder: what is validated, skipped and counted ---------------------------------------------------


def fake_transport(
    status: int, body: bytes, headers: dict[str, str] | None = None
) -> Callable[..., httpx.Response]:
    def handle(transport: object, req: httpx.Request) -> httpx.Response:
        all_headers = {"content-type": "application/json", **(headers or {})}
        return httpx.Response(status, headers=all_headers, stream=httpx.ByteStream(body), request=req)

    return handle


def exchange_through(
    recorder: TrafficRecorder, handle: Callable[..., httpx.Response], req: httpx.Request
) -> None:
    response = recorder.wrap_sync(handle)(object(), req)
    response.read()
    response.close()


@pytest.mark.usefixtures("count")
def test_recorder_validates_both_directions_and_counts(normalized_spec: dict[str, Any]) -> None:
    recorder = TrafficRecorder()
    good = json.dumps(run_json(normalized_spec)).encode()
    exchange_through(
        recorder, fake_transport(200, good), httpx.Request("GET", f"{LOCAL}/v1/runs/{RUN_ID}", headers=AUTH)
    )
    exchange_through(
        recorder,
        fake_transport(200, b'{"runs": [{}]}'),
        httpx.Request("GET", f"{LOCAL}/v1/runs?limit=x", headers=AUTH),
    )
    # Outside /api/v1: passed through untouched, not recorded.
    exchange_through(
        recorder, fake_transport(200, b"{}"), httpx.Request("GET", "http://127.0.0.1:1/_sim/health")
    )
    violations = recorder.validate()
    assert {(v.operation, v.direction, v.where) for v in violations} >= {
        ("runs.list", "request", "query.limit"),
        ("runs.list", "response", "$.runs[0].id"),
    }
    assert all(v.operation == "runs.list" for v in violations)
    assert recorder.counts["exchanges"] == 2
    assert recorder.counts["requests validated"] == recorder.counts["responses validated"] == 2
    assert recorder.counts["violations"] == len(violations)
    assert recorder.validate() == []  # each exchange is validated once


@pytest.mark.usefixtures("count")
def test_recorder_skips_injected_faults_but_validates_mutations(normalized_spec: dict[str, Any]) -> None:
    recorder = TrafficRecorder()
    get = f"{LOCAL}/v1/runs/{RUN_ID}"
    html = fake_transport(
        502, b"<html>Bad Gateway</html>", {"content-type": "text/html", FAULT_HEADER: "html"}
    )
    exchange_through(recorder, html, httpx.Request("GET", get, headers=AUTH))
    assert recorder.validate() == []
    assert recorder.counts["skipped: injected fault (html)"] == 1
    # A mutation fault is meant to conform, so a broken "mutated" body is still a violation.
    mutated = fake_transport(
        200, json.dumps(run_json(normalized_spec, id=5)).encode(), {FAULT_HEADER: "mutate"}
    )
    exchange_through(recorder, mutated, httpx.Request("GET", get, headers=AUTH))
    assert [v.where for v in recorder.validate()] == ["$.id"]


@pytest.mark.usefixtures("count")
def test_recorder_skips_the_request_check_of_rejected_requests_not_their_response() -> None:
    recorder = TrafficRecorder()
    error = json.dumps({"error": "ValidationError", "message": "limit: Expected integer"}).encode()
    exchange_through(
        recorder, fake_transport(400, error), httpx.Request("GET", f"{LOCAL}/v1/runs?limit=x", headers=AUTH)
    )
    exchange_through(recorder, fake_transport(401, error), httpx.Request("GET", f"{LOCAL}/v1/runs"))
    assert recorder.validate() == []
    assert recorder.counts["skipped: request rejected with 400"] == 1
    assert recorder.counts["skipped: request rejected with 401"] == 1
    assert recorder.counts["responses validated"] == 2
    # The response of a rejected request must still be a documented Error body.
    exchange_through(
        recorder,
        fake_transport(400, b'{"detail": "bad"}'),
        httpx.Request("GET", f"{LOCAL}/v1/runs?limit=x", headers=AUTH),
    )
    assert sorted(v.where for v in recorder.validate()) == ["$.error", "$.message"]


@pytest.mark.usefixtures("count")
def test_recorder_without_a_response_or_an_unread_body() -> None:
    recorder = TrafficRecorder()

    def refuse(transport: object, req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req)

    with pytest.raises(httpx.ConnectError):
        recorder.wrap_sync(refuse)(
            object(), httpx.Request("POST", f"{LOCAL}/v1/runs", headers=AUTH, json={"prompt": 1})
        )
    unread = recorder.wrap_sync(fake_transport(200, b"{}"))(
        object(), httpx.Request("GET", f"{LOCAL}/v1/runs", headers=AUTH)
    )
    unread.close()
    violations = recorder.validate()
    # The request that never got an answer is still checked (and labelled "no response").
    assert [str(v) for v in violations] == [
        "runs.create request (no response) at $.prompt: 1 is not of type 'string'"
    ]
    assert recorder.counts["skipped: response body not read to the end"] == 1


@pytest.mark.anyio
@pytest.mark.usefixtures("count")
async def test_recorder_async_wrapper(normalized_spec: dict[str, Any]) -> None:
    recorder = TrafficRecorder()

    async def handle(transport: object, req: httpx.Request) -> httpx.Response:
        body = json.dumps(run_json(normalized_spec, createdAt="yesterday")).encode()
        return httpx.Response(
            200, headers={"content-type": "application/json"}, stream=_AsyncBytes(body), request=req
        )

    response = await recorder.wrap_async(handle)(
        object(), httpx.Request("GET", f"{LOCAL}/v1/runs/{RUN_ID}", headers=AUTH)
    )
    await response.aread()
    await response.aclose()
    violation = only(recorder.validate())
    assert (violation.operation, violation.where) == ("runs.get", "$.createdAt")


class _AsyncBytes(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> Any:
        yield self._body[:7]
        yield self._body[7:]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_fail_on_violations_lists_each_violation() -> None:
    fail_on_violations([])  # nothing to report: no failure
    violations = [Violation("runs.get", "response", 200, f"$.f{i}", "bad") for i in range(25)]
    with pytest.raises(pytest.fail.Exception) as failed:
        fail_on_violations(violations)
    text = str(failed.value)
    assert text.startswith("25 spec violation(s)")
    assert "runs.get response (status 200) at $.f0: bad" in text
    assert "... and 5 more" in text


# -- against the real simulator and the real client ---------------------------------------------------------


@pytest.mark.usefixtures("count")
def test_real_client_traffic_through_the_patched_transports(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = TrafficRecorder()
    monkeypatch.setattr(
        httpx.HTTPTransport, "handle_request", recorder.wrap_sync(httpx.HTTPTransport.handle_request)
    )
    with Simulator(time_scale=0, seed=0) as sim:
        sim.faults.add(method="GET", path="runs.get", body="html", status=502)
        with ta.TesterArmy(
            api_key=sim.api_key, base_url=sim.url, max_retries=1, sleep=lambda _: None
        ) as client:
            created = client.runs.create(prompt="Check the contract")
            run = client.runs.get(str(created.id))  # first attempt: the injected HTML 502, then retried
            assert str(run.id) == str(created.id)
        # Raw traffic: an invalid query (rejected with 400) and a route the spec does not have.
        with httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {sim.api_key}"}) as raw:
            assert raw.get("/v1/runs", params={"limit": "many"}).status_code == 400
            assert raw.get("/v1/nothing-here").status_code == 404
    violations = recorder.validate()
    assert {(v.operation, v.direction, v.status, v.where) for v in violations} == {
        ("GET /api/v1/nothing-here", "request", 404, "path"),
        ("GET /api/v1/nothing-here", "response", 404, "path"),
    }
    assert recorder.counts["exchanges"] == 5
    assert recorder.counts["skipped: injected fault (html)"] == 1
    assert recorder.counts["skipped: request rejected with 400"] == 1
    assert recorder.counts["responses validated"] == 4


def test_a_violation_fails_the_integration_test_that_caused_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An integration-style test with the same conftest wiring fails at teardown, naming the cause."""
    (tmp_path / "conftest.py").write_text(
        Path(_spec.REPO / "tests" / "integration" / "conftest.py").read_text()
    )
    (tmp_path / "test_violating.py").write_text(
        textwrap.dedent(
            """
            import httpx
            from testerarmy.testing import Simulator

            def test_clean():
                with Simulator(time_scale=0) as sim:
                    r = httpx.get(sim.url + "/v1/runs", headers={"Authorization": "Bearer " + sim.api_key})
                    assert r.status_code == 200

            def test_off_spec():
                with Simulator(time_scale=0) as sim:
                    httpx.delete(sim.url + "/v1/runs", headers={"Authorization": "Bearer " + sim.api_key})
            """
        )
    )
    # In-process (a subprocess would pay several seconds of imports): the inner session has its own
    # config and the fixture restores the patched transports at teardown.
    exit_code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)])
    out = capsys.readouterr().out
    assert exit_code == pytest.ExitCode.TESTS_FAILED, out
    assert "2 passed, 1 error" in out, out  # pytest counts the call (passed) and the teardown (error)
    assert "ERROR at teardown of test_off_spec" in out, out
    assert "DELETE /api/v1/runs request (status 405) at path: the spec has no DELETE operation" in out, out
    assert "2 exchanges below /api/v1" in out, out
    assert httpx.HTTPTransport.handle_request is _ORIGINAL_HANDLE_REQUEST  # restored
