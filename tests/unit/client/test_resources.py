"""Every resource method through the client: request shape, argument checks, parsing, waiting."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy_api.models import RunStatus

from .conftest import (
    FakeAPI,
    FakeClock,
    group_json,
    mobile_app_json,
    output_json,
    run_json,
    saved_test_json,
    trigger_json,
)

RUN = str(uuid.uuid4())
RUN2 = str(uuid.uuid4())
TEST = str(uuid.uuid4())
GROUP = str(uuid.uuid4())
APP = str(uuid.uuid4())
PRJ = str(uuid.uuid4())
BATCH = str(uuid.uuid4())

Make = Callable[..., ta.TesterArmy]


def created(run_id: str = RUN) -> httpx.Response:
    return httpx.Response(202, json={"id": run_id, "status": "queued", "createdAt": "2026-02-12T00:00:00Z"})


def run_reply(status: str, run_id: str = RUN, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json=run_json(run_id, status, **extra))


def project_json() -> dict[str, Any]:
    return {
        "id": PRJ,
        "shortId": "prj_1",
        "name": "Shop",
        "url": "https://x.example",
        "projectType": "web",
        "description": None,
        "environments": [],
    }


def cancel_batch_json(cancelled: list[str], finished: list[str]) -> dict[str, Any]:
    return {
        "batchId": BATCH,
        "cancelled": len(cancelled),
        "alreadyFinished": len(finished),
        "cancelledRunIds": cancelled,
        "alreadyFinishedRunIds": finished,
    }


def rerun_json(run_ids: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "status": "queued",
        "groupId": GROUP,
        "batchId": str(uuid.uuid4()),
        "sourceBatchId": BATCH,
        "runIds": run_ids,
        "queuedRunIds": run_ids,
        "cancelledRunIds": [],
        "skippedTestIds": [],
        "count": len(run_ids),
        **extra,
    }


class TestRequests:
    """(method, path, JSON body) of each operation."""

    @pytest.mark.parametrize(
        ("call", "method", "path", "body", "reply"),
        [
            (
                lambda c: c.runs.create(prompt="Test login", webhook_url="https://hooks.example.com/ta"),
                "POST",
                "/v1/runs",
                {"prompt": "Test login", "webhookUrl": "https://hooks.example.com/ta"},
                created(),
            ),
            (
                lambda c: c.runs.create(prompt="Test login"),
                "POST",
                "/v1/runs",
                {"prompt": "Test login"},
                created(),
            ),
            (lambda c: c.runs.get(uuid.UUID(RUN)), "GET", f"/v1/runs/{RUN}", None, run_reply("queued")),
            (
                lambda c: c.runs.cancel(RUN),
                "POST",
                f"/v1/runs/{RUN}/cancel",
                None,
                httpx.Response(200, json={"id": RUN, "status": "cancelled"}),
            ),
            (
                lambda c: c.tests.create(
                    title="t", steps=[{"type": "act", "title": "Log in"}], project_id=PRJ
                ),
                "POST",
                "/v1/tests",
                {"title": "t", "steps": [{"type": "act", "title": "Log in"}], "projectId": PRJ},
                httpx.Response(201, json={"test": saved_test_json(TEST)}),
            ),
            (
                lambda c: c.tests.update(TEST, title="u"),
                "PATCH",
                f"/v1/tests/{TEST}",
                {"title": "u"},
                httpx.Response(200, json={"test": saved_test_json(TEST, title="u")}),
            ),
            (
                lambda c: c.tests.delete(TEST),
                "DELETE",
                f"/v1/tests/{TEST}",
                None,
                httpx.Response(200, json={"deleted": True, "id": TEST}),
            ),
            (
                lambda c: c.tests.trigger(TEST),
                "POST",
                f"/v1/tests/{TEST}/runs",
                {},
                httpx.Response(202, json={"status": "queued", "runId": RUN, "testId": TEST}),
            ),
            (
                lambda c: c.groups.update(GROUP, name="Smoke", run_mode="sequential", prep_test_id=None),
                "PATCH",
                f"/v1/groups/{GROUP}",
                {"name": "Smoke", "runMode": "sequential", "prepTestId": None},
                httpx.Response(200, json={"group": group_json(GROUP, runMode="sequential")}),
            ),
            (
                lambda c: c.groups.update(GROUP, name="S"),
                "PATCH",
                f"/v1/groups/{GROUP}",
                {"name": "S"},
                httpx.Response(200, json={"group": group_json(GROUP, name="S")}),
            ),
            (
                lambda c: c.groups.trigger(GROUP),
                "POST",
                f"/v1/groups/{GROUP}/runs",
                {},
                httpx.Response(202, json=trigger_json(GROUP, [RUN])),
            ),
            (
                lambda c: c.webhooks.trigger(
                    GROUP,
                    "sec",
                    target_url="https://staging.example.com",
                    environment="staging",
                    mobile={"appId": APP},
                ),
                "POST",
                f"/v1/groups/webhook/{GROUP}/sec",
                {
                    "targetUrl": "https://staging.example.com",
                    "environment": "staging",
                    "mobile": {"appId": APP},
                },
                httpx.Response(202, json={"received": True}),
            ),
            (
                lambda c: c.projects.update("prj_1", url="https://x.example"),
                "PATCH",
                "/v1/projects/prj_1",
                {"url": "https://x.example"},
                httpx.Response(200, json={"project": project_json()}),
            ),
            (
                lambda c: c.projects.trigger_pull_request_run(
                    "prj_1",
                    {
                        "targetUrl": "https://pr-7.example.com",
                        "pullRequest": {"number": 7, "title": "Fix", "commitSha": "abc123"},
                    },
                ),
                "POST",
                "/v1/projects/prj_1/pull-request-runs",
                {
                    "targetUrl": "https://pr-7.example.com",
                    "pullRequest": {"number": 7, "title": "Fix", "commitSha": "abc123"},
                },
                httpx.Response(
                    202, json={"status": "queued", "runId": RUN, "projectId": PRJ, "platform": "web"}
                ),
            ),
            (
                lambda c: c.credentials.create(
                    "prj_1", {"kind": "login", "label": "admin", "username": "a", "password": "pw"}
                ),
                "POST",
                "/v1/projects/prj_1/credentials",
                {"kind": "login", "label": "admin", "username": "a", "password": "pw"},
                httpx.Response(
                    201,
                    json={
                        "credential": {
                            "id": str(uuid.uuid4()),
                            "kind": "login",
                            "authMethod": "password",
                            "label": "admin",
                            "username": "a",
                            "hasAuthInstructions": False,
                            "createdAt": "2026-02-12T00:00:00Z",
                        }
                    },
                ),
            ),
            (
                lambda c: c.mobile_apps.list(PRJ),
                "GET",
                f"/v1/projects/{PRJ}/mobile",
                None,
                httpx.Response(200, json={"apps": [mobile_app_json(APP)]}),
            ),
            (
                lambda c: c.mobile_apps.delete(PRJ, APP),
                "DELETE",
                f"/v1/projects/{PRJ}/mobile/{APP}",
                None,
                httpx.Response(200, json={"deleted": True}),
            ),
            (
                lambda c: c.mobile_apps.initiate_upload(
                    PRJ, filename="a.apk", file_size=10, remove_after=3600
                ),
                "POST",
                f"/v1/projects/{PRJ}/mobile/upload",
                {"filename": "a.apk", "fileSize": 10, "removeAfter": 3600},
                httpx.Response(
                    200,
                    json={
                        "uploadUrl": "https://s3.example/x",
                        "storageKey": "k",
                        "filename": "a.apk",
                        "fileSize": 10,
                        "removeAfter": 3600,
                    },
                ),
            ),
            (
                lambda c: c.mobile_apps.confirm_upload(PRJ, storage_key="k", filename="a.apk", file_size=10),
                "POST",
                f"/v1/projects/{PRJ}/mobile/upload/confirm",
                {"storageKey": "k", "filename": "a.apk", "fileSize": 10},
                httpx.Response(201, json={"app": mobile_app_json(APP)}),
            ),
            (
                lambda c: c.batches.cancel(BATCH),
                "POST",
                f"/v1/batches/{BATCH}/cancel",
                None,
                httpx.Response(200, json=cancel_batch_json([RUN], [])),
            ),
            (
                lambda c: c.batches.rerun(BATCH),
                "POST",
                f"/v1/batches/{BATCH}/rerun",
                None,
                httpx.Response(202, json=rerun_json([RUN2])),
            ),
        ],
    )
    def test_request_shape(
        self,
        api: FakeAPI,
        make_client: Make,
        call: Callable[[ta.TesterArmy], object],
        method: str,
        path: str,
        body: object,
        reply: httpx.Response,
    ) -> None:
        api.add(method, path, reply)
        call(make_client())
        (request,) = api.requests
        assert (request.method, request.url.path) == (method, "/api" + path)
        if body is None:
            assert request.content == b""
        else:
            assert api.body() == body

    def test_every_spec_operation_has_a_resource_method(self) -> None:
        from testerarmy_api._spec import OPERATIONS

        client = ta.TesterArmy(api_key="sk_x")
        try:
            for operation in OPERATIONS:
                resource, name = operation.split(".")
                assert callable(getattr(getattr(client, resource), name)), operation
        finally:
            client.close()

    def test_list_runs_query(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": [run_json(RUN, "failed")]}))
        runs = list(make_client().runs.list(status=RunStatus.FAILED, limit=50))
        assert [str(r.id) for r in runs] == [RUN]
        assert dict(api.requests[0].url.params) == {"status": "failed", "limit": "50"}

    def test_list_runs_defaults_send_no_query(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": []}))
        assert list(make_client().runs.list()) == []
        assert dict(api.requests[0].url.params) == {}

    def test_list_runs_accepts_a_status_the_enum_does_not_know(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": [run_json(RUN, "paused")]}))
        (run,) = make_client().runs.list(status="paused")
        assert run.status == "paused"
        assert api.requests[0].url.params["status"] == "paused"

    def test_list_follows_cursors_until_none(self, api: FakeAPI, make_client: Make) -> None:
        def page(request: httpx.Request) -> httpx.Response:
            cursor = request.url.params.get("cursor")
            if cursor is None:
                return httpx.Response(200, json={"runs": [run_json(RUN, "completed")], "nextCursor": "c1"})
            return httpx.Response(200, json={"runs": [run_json(RUN2, "failed")]})

        api.add("GET", "/v1/runs", page)
        runs = list(make_client().runs.list(limit=1))
        assert [str(r.id) for r in runs] == [RUN, RUN2]
        assert [r.url.params.get("cursor") for r in api.requests] == [None, "c1"]

    def test_list_stops_on_a_repeated_cursor(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "GET",
            "/v1/runs",
            httpx.Response(200, json={"runs": [run_json(RUN, "completed")], "nextCursor": "same"}),
        )
        with pytest.warns(ta.TesterArmyWarning, match="cursor 'same'"):
            assert len(list(make_client().runs.list())) == 2
        assert len(api.requests) == 2

    def test_list_is_lazy(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": []}))
        iterator = make_client().runs.list()
        assert api.requests == []
        list(iterator)
        assert len(api.requests) == 1

    def test_upload_mobile_app_uses_a_random_multipart_boundary(
        self, api: FakeAPI, make_client: Make
    ) -> None:
        api.add("POST", f"/v1/projects/{PRJ}/mobile", httpx.Response(201, json={"app": mobile_app_json(APP)}))
        response = make_client().mobile_apps.upload(
            PRJ, file=("a.apk", io.BytesIO(b"PK\x03\x04 zip")), remove_after="60"
        )
        assert response.app.filename == "a.apk"
        request = api.requests[0]
        content_type = request.headers["content-type"]
        assert content_type.startswith("multipart/form-data; boundary=")
        assert "boundary=+++" not in content_type
        assert b'filename="a.apk"' in request.content
        assert b"PK\x03\x04 zip" in request.content

    def test_headers_user_agent_and_defaults(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", f"/v1/runs/{RUN}", run_reply("queued"))
        make_client(default_headers={"X-Team": "qa"}).runs.get(RUN)
        headers = api.requests[0].headers
        assert headers["user-agent"].startswith(f"testerarmy-python/{ta.__version__} httpx/")
        assert headers["x-team"] == "qa"
        assert headers["authorization"].startswith("Bearer sk_")


class TestParsing:
    def test_unknown_status_and_unknown_fields_parse(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", f"/v1/runs/{RUN}", run_reply("paused", futureField={"a": 1}, webhookStatus="retrying"))
        run = make_client().runs.get(RUN)
        assert run.status == "paused"
        assert not isinstance(run.status, RunStatus)
        assert run["futureField"] == {"a": 1}
        assert run.webhook_status == "retrying"

    def test_known_status_is_the_enum(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", f"/v1/runs/{RUN}", run_reply("running"))
        assert make_client().runs.get(RUN).status is RunStatus.RUNNING

    def test_create_response(self, api: FakeAPI, make_client: Make) -> None:
        api.add("POST", "/v1/runs", created())
        response = make_client().runs.create(prompt="p")
        assert isinstance(response, ta.CreateRunResponse)
        assert (str(response.id), response.status) == (RUN, "queued")


class TestValidationBeforeAnyRequest:
    @pytest.mark.parametrize(
        ("call", "exc", "message"),
        [
            (lambda c: c.runs.create(prompt=""), ValueError, "prompt must not be empty"),
            (lambda c: c.runs.create(prompt="   \n"), ValueError, "prompt must not be empty"),
            (lambda c: c.runs.create(prompt=None), TypeError, "prompt must be a str"),
            (lambda c: c.runs.create(prompt=42), TypeError, "prompt must be a str"),
            (
                lambda c: c.runs.create(prompt="p", webhook_url="ftp://x.example"),
                ValueError,
                "webhook_url must be an absolute http",
            ),
            (lambda c: c.runs.create(prompt="p", webhook_url="/relative"), ValueError, "webhook_url"),
            (lambda c: c.runs.get("123"), ValueError, "run_id must be a UUID"),
            (lambda c: c.runs.get(123), TypeError, "run_id must be a UUID"),
            (lambda c: c.runs.cancel("../../v1/tests"), ValueError, "run_id must be a UUID"),
            (lambda c: c.runs.wait("nope"), ValueError, "run_id"),
            (lambda c: c.runs.wait(RUN, timeout=0), ValueError, "timeout must be a positive"),
            (lambda c: c.runs.wait(RUN, timeout=-1), ValueError, "timeout"),
            (lambda c: c.runs.wait(RUN, poll_interval=0), ValueError, "poll_interval"),
            (lambda c: c.runs.wait_many([RUN, "x"]), ValueError, r"run_ids\[1\]"),
            (lambda c: c.runs.wait_many(RUN), TypeError, "sequence of run ids"),
            (lambda c: c.runs.create_and_wait(prompt="p", timeout=0), ValueError, "timeout"),
            (lambda c: c.runs.create_and_wait(prompt="p", timout=5), TypeError, "timout"),
            (lambda c: c.runs.list(limit=0), ValueError, "limit must be between 1 and 100"),
            (lambda c: c.runs.list(limit=101), ValueError, "limit"),
            (lambda c: c.runs.list(status=""), ValueError, "status must not be empty"),
            (
                lambda c: c.tests.create(title="t", steps={"type": "act"}, project_id=PRJ),
                TypeError,
                "steps must be a list",
            ),
            (
                lambda c: c.tests.create(title="t", steps=[], project_id=PRJ),
                ValueError,
                "steps must have at least 1",
            ),
            (lambda c: c.tests.update("x", title="t"), ValueError, "test_id must be a UUID"),
            (lambda c: c.credentials.create(PRJ, ["not", "a", "dict"]), TypeError, "body must be a mapping"),
            (lambda c: c.batches.cancel("x"), ValueError, "batch_id must be a UUID"),
            (lambda c: c.batches.rerun_and_wait(BATCH, timeout=0), ValueError, "timeout"),
            (lambda c: c.tests.trigger_and_wait(TEST, timeout=-3), ValueError, "timeout"),
            (lambda c: c.groups.trigger("x"), ValueError, "group_id must be a UUID"),
            (lambda c: c.groups.trigger_and_wait(GROUP, max_interval=0), ValueError, "max_interval"),
            (
                lambda c: c.webhooks.trigger(GROUP, "s", environment="prod"),
                ValueError,
                "environment must be one of",
            ),
            (
                lambda c: c.webhooks.trigger(GROUP, "s", mobile={"appId": APP, "bundleId": "b"}),
                ValueError,
                "exactly one",
            ),
            (lambda c: c.webhooks.trigger(GROUP, "s", mobile={"buildId": "1"}), ValueError, "exactly one"),
            (lambda c: c.webhooks.trigger(GROUP, "s", mobile={"appId": "x"}), ValueError, "appId"),
            (lambda c: c.webhooks.trigger(GROUP, ""), ValueError, "secret must not be empty"),
            (lambda c: c.projects.update("", name="n"), ValueError, "project_id"),
            (lambda c: c.projects.trigger_pull_request_run("p", ["x"]), TypeError, "body must be a mapping"),
            (
                lambda c: c.mobile_apps.initiate_upload(PRJ, filename="a", file_size=0),
                ValueError,
                "file_size",
            ),
            (
                lambda c: c.mobile_apps.upload(PRJ, file="path.apk"),
                TypeError,
                "file must be bytes, a binary file object",
            ),
            (lambda c: c.mobile_apps.list("prj_1"), ValueError, "project_id must be a UUID"),
        ],
    )
    def test_bad_argument(
        self,
        api: FakeAPI,
        make_client: Make,
        call: Callable[[ta.TesterArmy], Any],
        exc: type[Exception],
        message: str,
    ) -> None:
        client = make_client()
        with pytest.raises(exc, match=message):
            call(client)  # runs.list checks its arguments at call time, before iteration
        assert api.requests == []


class TestWaiting:
    def test_wait_via_client_with_retry_after_and_transient_errors(
        self, api: FakeAPI, make_client: Make, clock: FakeClock
    ) -> None:
        api.add(
            "GET",
            f"/v1/runs/{RUN}",
            httpx.Response(200, headers={"Retry-After": "5"}, json=run_json(RUN, "queued")),
            httpx.Response(503),  # transport retries (backoff sleeps) then the wait goes on
            httpx.Response(503),
            httpx.Response(503),
            run_reply("running"),
            run_reply("completed", output={"result": "PASS"}),
        )
        seen: list[str] = []
        run = make_client().runs.wait(RUN, on_update=lambda r: seen.append(str(r.status)))
        assert run.status == "completed"
        assert seen == ["queued", "running", "completed"]
        assert clock.sleeps[0] == 5.0  # server hint on the GET
        assert api.seen("GET", f"/v1/runs/{RUN}") == 6

    def test_wait_aborts_on_404(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "GET",
            f"/v1/runs/{RUN}",
            httpx.Response(404, json={"error": "NotFound", "message": "Run not found"}),
        )
        with pytest.raises(ta.NotFoundError, match="Run not found"):
            make_client().runs.wait(RUN)

    def test_wait_timeout(self, api: FakeAPI, make_client: Make, clock: FakeClock) -> None:
        api.add("GET", f"/v1/runs/{RUN}", run_reply("running"))
        start = clock()
        with pytest.raises(ta.WaitTimeoutError) as info:
            make_client().runs.wait(RUN, timeout=30, poll_interval=2, max_interval=4)
        assert info.value.last_status == "running"
        assert clock() - start == 30.0

    def test_create_and_wait(self, api: FakeAPI, make_client: Make, clock: FakeClock) -> None:
        api.add("POST", "/v1/runs", created())
        api.add(
            "GET",
            f"/v1/runs/{RUN}",
            run_reply("queued"),
            run_reply("failed", error={"code": "NO_CAPACITY", "message": "no capacity"}),
        )
        with pytest.raises(ta.RunFailedError, match="no capacity"):
            make_client().runs.create_and_wait(prompt="p", raise_on_failure=True, timeout=60)
        assert api.seen("POST", "/v1/runs") == 1

    def test_tests_trigger_and_wait(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "POST",
            f"/v1/tests/{TEST}/runs",
            httpx.Response(202, json={"runId": RUN, "status": "queued", "testId": TEST}),
        )
        api.add("GET", f"/v1/runs/{RUN}", run_reply("completed", output=output_json()))
        run = make_client().tests.trigger_and_wait(TEST)
        assert (str(run.id), ta.summarize(run).outcome) == (RUN, ta.Outcome.PASSED)

    def test_tests_trigger_without_run_id_cannot_wait(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "POST", f"/v1/tests/{TEST}/runs", httpx.Response(202, json={"status": "queued", "testId": TEST})
        )
        with pytest.raises(ta.APIResponseValidationError, match="missing field 'runId'"):
            make_client().tests.trigger_and_wait(TEST)
        assert api.seen("GET", f"/v1/runs/{RUN}") == 0

    def test_groups_trigger_and_wait_in_input_order(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "POST", f"/v1/groups/{GROUP}/runs", httpx.Response(202, json=trigger_json(GROUP, [RUN, RUN2]))
        )
        api.add("GET", f"/v1/runs/{RUN}", run_reply("running"), run_reply("running"), run_reply("completed"))
        api.add("GET", f"/v1/runs/{RUN2}", run_reply("completed", RUN2))
        runs = make_client().groups.trigger_and_wait(GROUP)
        assert [str(r.id) for r in runs] == [RUN, RUN2]

    def test_groups_trigger_and_wait_empty_batch(self, api: FakeAPI, make_client: Make) -> None:
        api.add("POST", f"/v1/groups/{GROUP}/runs", httpx.Response(202, json=trigger_json(GROUP, [])))
        assert make_client().groups.trigger_and_wait(GROUP) == []

    def test_batches_rerun_and_wait_returns_every_run_of_the_new_batch(
        self, api: FakeAPI, make_client: Make
    ) -> None:
        skipped = str(uuid.uuid4())
        api.add(
            "POST",
            f"/v1/batches/{BATCH}/rerun",
            httpx.Response(202, json=rerun_json([RUN2, RUN], skippedTestIds=[skipped])),
        )
        api.add("GET", f"/v1/runs/{RUN}", run_reply("running"), run_reply("completed", output=output_json()))
        api.add("GET", f"/v1/runs/{RUN2}", run_reply("completed", RUN2, output=output_json("FAILED")))
        runs = make_client().batches.rerun_and_wait(BATCH, timeout=60)
        assert [(str(r.id), ta.summarize(r).outcome) for r in runs] == [
            (RUN2, ta.Outcome.FAILED),
            (RUN, ta.Outcome.PASSED),
        ]
        assert api.seen("POST", f"/v1/batches/{BATCH}/rerun") == 1

    def test_a_batch_whose_runs_the_server_cancelled_at_once_returns_them_cancelled(
        self, api: FakeAPI, make_client: Make
    ) -> None:
        api.add(
            "POST",
            f"/v1/groups/{GROUP}/runs",
            httpx.Response(
                202,
                json=trigger_json(GROUP, [RUN], status="cancelled", queuedRunIds=[], cancelledRunIds=[RUN]),
            ),
        )
        api.add("GET", f"/v1/runs/{RUN}", run_reply("cancelled"))
        (run,) = make_client().groups.trigger_and_wait(GROUP)
        assert ta.summarize(run).outcome is ta.Outcome.CANCELLED
        with pytest.raises(ta.RunFailedError, match="cancelled"):
            make_client().groups.trigger_and_wait(GROUP, raise_on_failure=True)

    def test_batches_cancel_reports_what_it_cancelled(self, api: FakeAPI, make_client: Make) -> None:
        api.add(
            "POST", f"/v1/batches/{BATCH}/cancel", httpx.Response(200, json=cancel_batch_json([RUN], [RUN2]))
        )
        result = make_client().batches.cancel(BATCH)
        assert (
            [str(i) for i in result.cancelled_run_ids],
            [str(i) for i in result.already_finished_run_ids],
        ) == (
            [RUN],
            [RUN2],
        )


class TestLifecycle:
    def test_own_pool_closed_by_close(self) -> None:
        client = ta.TesterArmy(api_key="sk_x")
        pool = client._pool
        client.close()
        assert pool.is_closed

    def test_callers_http_client_is_left_open(self) -> None:
        pool = httpx.Client()
        with ta.TesterArmy(api_key="sk_x", http_client=pool):
            pass
        assert not pool.is_closed
        pool.close()

    def test_with_options_shares_the_pool_and_closing_the_copy_keeps_it(self) -> None:
        client = ta.TesterArmy(api_key="sk_x")
        copy = client.with_options(timeout=5, default_headers={"X-A": "1"})
        assert copy._pool is client._pool
        assert copy.timeout == httpx.Timeout(5.0)
        assert client.timeout != copy.timeout
        copy.close()
        assert not client._pool.is_closed
        client.close()
        assert client._pool.is_closed

    def test_with_options_per_call_timeout_reaches_the_request(self, api: FakeAPI, make_client: Make) -> None:
        api.add("GET", f"/v1/runs/{RUN}", run_reply("queued"))
        make_client().with_options(timeout=3.5).runs.get(RUN)
        assert api.requests[0].extensions["timeout"] == {
            "connect": 3.5,
            "read": 3.5,
            "write": 3.5,
            "pool": 3.5,
        }

    def test_with_options_validates(self, make_client: Make) -> None:
        with pytest.raises(ValueError, match="allow_insecure_http"):
            make_client().with_options(base_url="http://example.com/api")

    def test_wrong_http_client_type(self) -> None:
        with pytest.raises(TypeError, match=r"httpx\.Client"):
            ta.TesterArmy(api_key="sk_x", http_client=httpx.AsyncClient())  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
            ta.AsyncTesterArmy(api_key="sk_x", http_client=httpx.Client())  # type: ignore[arg-type]


class RecordingSleep(list[float]):
    """An injected sleep that is falsy while empty (a list): must still be used."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_injected_sleep_is_used_even_if_falsy(api: FakeAPI) -> None:
    api.add("GET", f"/v1/runs/{RUN}", httpx.Response(503), run_reply("completed"))
    sleep = RecordingSleep()
    pool = httpx.Client(transport=httpx.MockTransport(api.handler))
    with ta.TesterArmy(api_key="sk_x", http_client=pool, sleep=sleep) as client:
        client.runs.get(RUN)
    assert len(sleep) == 1
