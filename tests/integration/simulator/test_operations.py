"""Every operation of the spec over real HTTP with the generated client; every response is checked
against the normalized spec by the ``api`` fixture (openapi-core)."""

from __future__ import annotations

import io
import uuid

import httpx
import pytest
from testerarmy.testing import Simulator
from testerarmy.testing._behaviours import operations_of
from testerarmy.testing._spec import load_spec
from testerarmy_api._spec import OPERATIONS as SPEC_OPERATIONS
from testerarmy_api.api.groups import trigger as groups_trigger
from testerarmy_api.api.groups import update as groups_update
from testerarmy_api.api.projects import (
    confirm_mobile_app_upload,
    create_credential,
    delete_mobile_app,
    initiate_mobile_app_upload,
    list_mobile_apps,
    trigger_pull_request_run,
    upload_mobile_app,
)
from testerarmy_api.api.projects import update as projects_update
from testerarmy_api.api.runs import cancel, create, get
from testerarmy_api.api.runs import list as list_runs
from testerarmy_api.api.tests import create as tests_create
from testerarmy_api.api.tests import delete as tests_delete
from testerarmy_api.api.tests import trigger as tests_trigger
from testerarmy_api.api.tests import update as tests_update
from testerarmy_api.api.webhooks import trigger as webhooks_trigger
from testerarmy_api.client import Client
from testerarmy_api.models import (
    ConfirmMobileAppUploadRequest,
    CreateCredentialRequest,
    CreateRunRequest,
    CreateTestRequest,
    InitiateMobileAppUploadRequest,
    RunStatus,
    TriggerGroupRunRequest,
    TriggerGroupWebhookRequest,
    TriggerGroupWebhookRequestEnvironment,
    TriggerPullRequestRunRequest,
    TriggerPullRequestRunRequestPullRequest,
    TriggerTestRunRequest,
    UpdateGroupRequest,
    UpdateProjectRequest,
    UpdateTestRequest,
    UploadMobileAppRequest,
)
from testerarmy_api.types import File

from ._conformance import check_response

pytestmark = pytest.mark.integration


def test_runs_create_get_list_cancel(sim: Simulator, api):
    created = create.sync_detailed(
        client=api, body=CreateRunRequest(prompt="Check the login form [sim:hang]")
    )
    assert created.status_code == 202
    run_id = created.parsed.id
    assert created.parsed.status == "queued"

    fetched = get.sync_detailed(run_id, client=api)
    assert fetched.status_code == 200
    assert fetched.parsed.id == run_id
    assert fetched.parsed.input_.additional_properties == {"prompt": "Check the login form [sim:hang]"}
    assert fetched.parsed.source == "api"

    listed = list_runs.sync_detailed(client=api, limit=5)
    assert listed.status_code == 200
    assert [r.id for r in listed.parsed.runs] == [run_id]

    cancelled = cancel.sync_detailed(run_id, client=api)
    assert cancelled.status_code == 200
    assert cancelled.parsed.additional_properties["status"] == "cancelled"
    assert get.sync(run_id, client=api).status == RunStatus.CANCELLED
    again = cancel.sync_detailed(run_id, client=api)
    assert again.status_code == 400
    assert "already cancelled" in again.parsed.message

    filtered = list_runs.sync(client=api, status=RunStatus.QUEUED)
    assert filtered.runs == []


def test_tests_create_update_trigger_delete(sim: Simulator, api):
    body = CreateTestRequest.from_dict(
        {"name": "Cart", "prompt": "Add to cart [sim:fail]", "steps": ["open", "add"]}
    )
    created = tests_create.sync_detailed(client=api, body=body)
    assert created.status_code == 201
    test = created.parsed.additional_properties
    assert (test["name"], test["enabled"], test["projectId"]) == ("Cart", True, sim.projects[0].id)
    test_id = uuid.UUID(test["id"])

    updated = tests_update.sync_detailed(
        test_id, client=api, body=UpdateTestRequest.from_dict({"name": "Cart v2"})
    )
    assert updated.status_code == 200
    assert updated.parsed.additional_properties["name"] == "Cart v2"

    triggered = tests_trigger.sync_detailed(test_id, client=api, body=TriggerTestRunRequest())
    assert triggered.status_code == 202
    run_id = triggered.parsed.additional_properties["runId"]
    sim.advance(10_000)
    run = get.sync(uuid.UUID(run_id), client=api)
    assert run.status == RunStatus.COMPLETED
    assert str(run.test_id) == str(test_id)
    assert run.output.result == "FAIL"
    assert [s.additional_properties["status"] for s in run.step_results] == ["passed", "failed"]

    deleted = tests_delete.sync_detailed(test_id, client=api)
    assert deleted.status_code == 200
    assert deleted.parsed.additional_properties["deleted"] is True


@pytest.mark.testerarmy_sim(time_scale=0)  # manual clock: the first batch cannot start by itself
def test_groups_update_and_trigger(sim: Simulator, api):
    group = sim.groups[0]
    updated = groups_update.sync_detailed(
        uuid.UUID(group.id), client=api, body=UpdateGroupRequest(name="Smoke v2", run_mode="sequential")
    )
    assert updated.status_code == 200
    assert updated.parsed.additional_properties["runMode"] == "sequential"

    first = groups_trigger.sync_detailed(uuid.UUID(group.id), client=api, body=TriggerGroupRunRequest())
    assert first.status_code == 202
    assert first.parsed.count == 3
    assert first.parsed.group_id == group.id
    second = groups_trigger.sync(uuid.UUID(group.id), client=api, body=TriggerGroupRunRequest())
    # The first batch had not started yet: the new batch supersedes it.
    assert sorted(second.cancelled_run_ids) == sorted(first.parsed.run_ids)
    batch = [r for r in reversed(sim.runs) if r.batch_id == second.batch_id]
    assert [r.test_id for r in batch] == group.test_ids
    # Sequential mode: each run waits for the previous one of its batch.
    assert [r.record.after for r in batch] == [None, batch[0].id, batch[1].id]


def test_group_webhook_trigger_by_secret(sim: Simulator):
    group = sim.groups[0]
    anonymous = Client(base_url=sim.url, httpx_args={"trust_env": False}, raise_on_unexpected_status=True)
    with anonymous:
        body = TriggerGroupWebhookRequest(
            commit_sha="abc123",
            target_url="https://preview.example.com",
        )
        resp = webhooks_trigger.sync_detailed(
            uuid.UUID(group.webhook_id), group.webhook_secret, client=anonymous, body=body
        )
        check_response(as_httpx(resp, f"/api/v1/groups/webhook/{group.webhook_id}/{group.webhook_secret}"))
        assert resp.status_code == 200
        assert resp.parsed.received is True
        runs = [r for r in sim.runs if r.record.group_id == group.id]
        assert len(runs) == 3
        assert all(r.record.source == "webhook" and r.record.owner == sim.runs[0].record.owner for r in runs)
        assert runs[0].record.external_ref == {
            "commitSha": "abc123",
            "environment": "preview",
            "targetUrl": "https://preview.example.com",
        }

        wrong = webhooks_trigger.sync_detailed(uuid.UUID(group.webhook_id), "nope", client=anonymous)
        assert wrong.status_code == 401
        mobile = TriggerGroupWebhookRequest.from_dict(
            {"environment": "staging", "mobile": {"artifactUrl": "https://cdn.example.com/a.apk"}}
        )
        assert mobile.environment == TriggerGroupWebhookRequestEnvironment.STAGING
        android = webhooks_trigger.sync(
            uuid.UUID(group.webhook_id), group.webhook_secret, client=anonymous, body=mobile
        )
        assert android.metadata.mobile.source == "artifact_url"


def as_httpx(resp, path: str) -> httpx.Response:
    """An httpx.Response from the generated client's Response (for the spec check)."""
    request = httpx.Request("POST", f"https://tester.army{path}")
    return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content, request=request)


def test_projects_update_pr_run_and_credential(sim: Simulator, api):
    project = sim.projects[0]
    updated = projects_update.sync_detailed(
        project.short_id,
        client=api,
        body=UpdateProjectRequest.from_dict({"name": "Shop", "url": "https://s.example"}),
    )
    assert updated.status_code == 200
    assert updated.parsed.additional_properties["name"] == "Shop"

    pr = trigger_pull_request_run.sync_detailed(
        project.id,
        client=api,
        body=TriggerPullRequestRunRequest(
            target_url="https://pr-42.example.com",
            pull_request=TriggerPullRequestRunRequestPullRequest(
                number=42, title="New checkout", commit_sha="f00"
            ),
        ),
    )
    assert pr.status_code == 202
    assert pr.parsed.status == "queued"
    run = get.sync(uuid.UUID(pr.parsed.additional_properties["runId"]), client=api)
    assert run.external_ref.additional_properties["pullRequest"]["number"] == 42
    assert run.test_plan is not None

    cred = create_credential.sync_detailed(
        project.id,
        client=api,
        body=CreateCredentialRequest.from_dict(
            {"name": "admin", "username": "a@example.com", "password": "s3cret!"}
        ),
    )
    assert cred.status_code == 201
    assert cred.parsed.additional_properties["hasPassword"] is True
    assert "s3cret!" not in cred.content.decode()


def test_mobile_apps_single_and_two_step_upload(sim: Simulator, api, http):
    project = sim.projects[0].id
    single = upload_mobile_app.sync_detailed(
        project,
        client=api,
        body=UploadMobileAppRequest(
            file=File(payload=io.BytesIO(b"APK\x00DATA"), file_name="shop.apk"), remove_after=3600
        ),
    )
    assert single.status_code == 201
    app = single.parsed.app
    assert (app.platform, app.file_size, app.filename, app.remove_after) == ("android", 8, "shop.apk", 3600)

    started = initiate_mobile_app_upload.sync_detailed(
        project, client=api, body=InitiateMobileAppUploadRequest(filename="Shop.app.zip", file_size=5)
    )
    assert started.status_code == 200
    upload = started.parsed
    put = httpx.put(
        str(upload.upload_url),
        content=b"12345",
        headers={"Content-Type": "application/octet-stream"},
        trust_env=False,
    )
    assert put.status_code == 200
    confirmed = confirm_mobile_app_upload.sync_detailed(
        project,
        client=api,
        body=ConfirmMobileAppUploadRequest(
            storage_key=upload.storage_key, filename="Shop.app.zip", file_size=5
        ),
    )
    assert confirmed.status_code == 201
    assert confirmed.parsed.app.platform == "ios"

    listed = list_mobile_apps.sync_detailed(project, client=api)
    assert listed.status_code == 200
    assert {a.filename for a in listed.parsed.apps} == {"shop.apk", "Shop.app.zip"}

    deleted = delete_mobile_app.sync_detailed(project, app.id, client=api)
    assert deleted.status_code == 200
    assert deleted.parsed.deleted is True
    assert [a.filename for a in list_mobile_apps.sync(project, client=api).apps] == ["Shop.app.zip"]


def test_the_simulator_serves_exactly_the_spec_operations():
    served = operations_of(load_spec())
    assert {op.id for op in served} == set(SPEC_OPERATIONS)
