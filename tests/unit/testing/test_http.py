"""Input parsing and fault-shaped responses, independent of a server."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from testerarmy.testing._faultrender import fault_response
from testerarmy.testing._faults import FaultSet
from testerarmy.testing._http import (
    ApiError,
    Reply,
    format_validation_error,
    parse_multipart,
    validate,
)
from testerarmy_pydantic import models


def message_for(model, data) -> str:
    with pytest.raises(ApiError) as info:
        validate(model, data)
    assert info.value.status == 400
    assert info.value.code == "ValidationError"
    return info.value.message


def test_messages_follow_upstreams_style():
    assert message_for(models.CreateRunRequest, {}) == "prompt: Required"
    assert message_for(models.CreateRunRequest, {"prompt": 5}) == "prompt: Expected string, received number"
    assert (
        message_for(models.CreateRunRequest, {"prompt": "x", "webhookUrl": "not a url"})
        == "webhookUrl: Invalid url"
    )
    pr = message_for(
        models.TriggerPullRequestRunRequest,
        {"targetUrl": "https://pr.example.com", "pullRequest": {"number": "one"}},
    )
    # A union body: the message names the fields of the variant it comes closest to (web here).
    assert pr == (
        "pullRequest.number: Expected integer, received string; pullRequest.title: Required; "
        "pullRequest.commitSha: Required"
    )
    login = message_for(models.CreateCredentialRequest, {"kind": "login", "label": "x", "username": "u"})
    assert login == "password: Required"
    env = message_for(models.TriggerGroupWebhookRequest, {"environment": "prod"})
    assert env.startswith(
        "environment: Invalid enum value. Expected 'production', 'staging', 'preview' or 'custom'"
    )


def test_snake_case_keys_are_not_accepted_as_aliases():
    # populate_by_name=True on the generated models would accept "webhook_url"; the API does not.
    body = validate(models.CreateRunRequest, {"prompt": "x", "webhook_url": "http://127.0.0.1/h"})
    assert body.webhook_url is None


def test_format_validation_error_with_prefix_and_root_errors():
    with pytest.raises(ValidationError) as info:
        models.CreateRunRequest.model_validate([1])
    assert format_validation_error(info.value) == "body: Expected object, received array"
    assert format_validation_error(info.value, "tests[0]") == "tests[0]: Expected object, received array"


def test_multipart_parsing_keeps_binary_content():
    content = b"PK\x03\x04\r\n--not-a-boundary\r\n\x00\xff\n\r"
    boundary = "+++"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="app.apk"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="removeAfter"\r\n\r\n'
            f"60\r\n--{boundary}--\r\n"
        ).encode()
    )
    fields = parse_multipart(f"multipart/form-data; boundary={boundary}", body)
    assert fields["file"] == ("app.apk", content)
    assert fields["removeAfter"] == (None, b"60")


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/json", b"{}"),
        ("multipart/form-data", b"x"),
        ("multipart/form-data; boundary=b", b"junk"),
    ],
)
def test_multipart_errors_are_400(ctype, body):
    with pytest.raises(ApiError) as info:
        parse_multipart(ctype, body)
    assert info.value.status == 400


def hit(**options):
    faults = FaultSet()
    faults.add(path="*", **options)
    result = faults.match("GET", "/v1/runs", "runs.list")
    assert result is not None
    return result


RUN = {
    "id": "6b1f0a57-8d5e-4a3c-9a55-1b2f4f0e9c11",
    "type": "test",
    "status": "completed",
    "input": {},
    "createdAt": "2030-01-01T00:00:00Z",
    "output": {"featureName": "F", "result": "PASS", "description": "d", "screenshots": [], "issues": []},
    "webhookStatus": "delivered",
}


def test_status_fault_body_and_retry_after():
    resp = fault_response(hit(status=429, retry_after=2.2), None)
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "3"
    assert json.loads(resp.body) == {
        "error": "RateLimited",
        "message": "Simulated fault fault_1: 429 RateLimited",
    }
    dated = fault_response(hit(status=503, retry_after=5, retry_after_format="http-date"), None)
    assert dated.headers["retry-after"].endswith(" GMT")
    bare = fault_response(hit(status=429, retry_after_format="omit"), None)
    assert bare.status_code == 429
    assert "retry-after" not in bare.headers


def test_html_empty_and_truncated_bodies():
    html = fault_response(hit(body="html"), None)
    assert (html.status_code, html.headers["content-type"].split(";")[0]) == (502, "text/html")
    assert b"502 Bad Gateway" in html.body
    empty = fault_response(hit(body="empty", status=200), None)
    assert (empty.status_code, empty.body) == (200, b"")
    truncated = fault_response(hit(body="truncated"), Reply(200, RUN, model=models.Run))
    full = json.dumps(RUN, separators=(",", ":")).encode()
    assert truncated.status_code == 200
    assert full.startswith(truncated.body)
    assert len(truncated.body) < len(full)
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.body)


def test_mutations():
    reply = Reply(200, {"runs": [RUN]}, model=models.RunList)
    unknown = json.loads(fault_response(hit(mutate=["unknown_enum"]), reply).body)["runs"][0]
    assert (unknown["status"], unknown["webhookStatus"]) == (
        "sim_unknown_status",
        "sim_unknown_webhookStatus",
    )
    extra = json.loads(fault_response(hit(mutate=["extra_fields"]), reply).body)
    assert "simUnknownField" in extra
    assert "simUnknownField" in extra["runs"][0]["output"]
    slim = json.loads(fault_response(hit(mutate=["drop_optional"]), reply).body)
    # The run's required fields (`input` is required upstream but tolerated absent, so it goes),
    # plus the output: a nested object is kept, emptied of its optional fields.
    required = {info.alias or name for name, info in models.Run.model_fields.items() if info.is_required()}
    assert "input" in RUN
    assert "input" not in required
    assert set(slim["runs"][0]) == required | {"output"}
    # The output keeps its required fields, and its nested lists emptied of optional fields.
    assert slim["runs"][0]["output"] == {
        "featureName": "F",
        "result": "PASS",
        "description": "d",
        "screenshots": [],
        "issues": [],
    }


def test_explicit_null_is_refused_unless_the_spec_says_nullable():
    assert message_for(models.CreateRunRequest, {"prompt": "x", "webhookUrl": None}) == (
        "webhookUrl: Expected string, received null"
    )
    assert message_for(models.TriggerGroupWebhookRequest, {"mobile": {"appId": None}}) == (
        "mobile.appId: Expected string, received null"
    )
    assert validate(models.UpdateGroupRequest, {"prepTestId": None}).prep_test_id is None


def test_null_messages_name_the_expected_type():
    assert message_for(models.InitiateMobileAppUploadRequest, {"filename": "a.apk", "fileSize": None}) == (
        "fileSize: Expected integer, received null"
    )
    assert message_for(models.TriggerGroupWebhookRequest, {"mobile": None}) == (
        "mobile: Expected object, received null"
    )
