"""The API key (and a group-webhook secret) never show in reprs, logs, warnings or exceptions."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable

import httpx
import pytest
import testerarmy as ta
from testerarmy._client import _BearerAuth
from testerarmy._config import Secret

from .conftest import API_KEY, FakeAPI, run_json

RUN_ID = str(uuid.uuid4())
WEBHOOK_ID = str(uuid.uuid4())
WEBHOOK_SECRET = "whsec_TopSecretValue123"


def assert_clean(text: str) -> None:
    assert API_KEY not in text
    assert API_KEY.removeprefix("sk_") not in text
    assert WEBHOOK_SECRET not in text


def test_reprs_and_strs(
    make_client: Callable[..., ta.TesterArmy], make_async_client: Callable[..., ta.AsyncTesterArmy]
) -> None:
    client = make_client()
    copy = client.with_options(timeout=5)
    aclient = make_async_client()
    objects: list[object] = [
        client,
        copy,
        aclient,
        client.api,
        aclient.api,
        client._options,
        client._options.api_key,
        client._http,
        client._http.headers,
        client._http.auth,
        client._core,
        Secret(API_KEY),
        _BearerAuth(Secret(API_KEY)),
    ]
    for obj in objects:
        assert_clean(repr(obj))
        assert_clean(str(obj))
    assert "TesterArmy(base_url='https://tester.army/api'" in repr(client)


def test_generated_client_still_authenticates_with_redacted_token() -> None:
    # The token passed to the generated AuthenticatedClient hides itself in repr, but a client the
    # generated code builds on its own (async side of a sync TesterArmy) still sends the real key.
    client = ta.TesterArmy(api_key=API_KEY)
    try:
        assert_clean(repr(client.api))
        built = client.api.get_async_httpx_client()
        assert built.headers["authorization"] == f"Bearer {API_KEY}"
    finally:
        client.close()


def exceptions_from(api: FakeAPI, client: ta.TesterArmy) -> list[BaseException]:
    api.add(
        "GET",
        f"/v1/runs/{RUN_ID}",
        httpx.Response(401, json={"error": "Unauthorized", "message": f"invalid key {API_KEY}"}),
    )
    api.add("POST", "/v1/runs", httpx.Response(502, text=f"<html>proxy saw Bearer {API_KEY}</html>"))
    api.add("POST", f"/v1/runs/{RUN_ID}/cancel", httpx.ConnectError(f"could not connect (Bearer {API_KEY})"))
    api.add("GET", "/v1/runs", httpx.ReadTimeout("timed out"))
    api.add(
        "POST",
        f"/v1/groups/webhook/{WEBHOOK_ID}/{WEBHOOK_SECRET}",
        httpx.Response(403, json={"error": "Forbidden", "message": "inactive"}),
    )
    calls: list[Callable[[], object]] = [
        lambda: client.runs.get(RUN_ID),
        lambda: client.runs.create(prompt="p"),
        lambda: client.runs.cancel(RUN_ID),
        lambda: list(client.runs.list()),
        lambda: client.webhooks.trigger(WEBHOOK_ID, WEBHOOK_SECRET),
    ]
    caught: list[BaseException] = []
    for call in calls:
        with pytest.raises(ta.APIError) as info:
            call()
        caught.append(info.value)
    return caught


def test_exceptions_never_contain_secrets(api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
    errors = exceptions_from(api, make_client(max_retries=1))
    assert [type(e) for e in errors] == [
        ta.AuthenticationError,
        ta.InternalServerError,
        ta.APIConnectionError,
        ta.APITimeoutError,
        ta.PermissionDeniedError,
    ]
    for error in errors:
        assert_clean(str(error))
        assert_clean(repr(error))
        if error.__cause__ is None or API_KEY not in str(error.__cause__):
            # (The cancel case fakes a transport error whose own text holds the key; real httpx
            # errors never do. The SDK's message is scrubbed; the chained original is not rewritten.)
            assert_clean("".join(traceback.format_exception(error)))
        assert isinstance(error, ta.APIError)
        if error.request is not None:
            # httpx's own Request repr shows the URL (so a webhook secret in the path); the key
            # lives in a header, which httpx's repr masks.
            assert API_KEY not in repr(error.request)
            assert_clean(repr(error.request.headers))
    assert "<redacted>" in str(errors[0])  # the server's echo of the key was scrubbed, not dropped
    auth_error = errors[0]
    assert isinstance(auth_error, ta.APIStatusError)
    assert auth_error.error_message == "invalid key <redacted>"  # the typed fields too
    assert auth_error.body == {"error": "Unauthorized", "message": "invalid key <redacted>"}
    assert f"/groups/webhook/{WEBHOOK_ID}/<redacted>" in str(errors[-1])


def test_debug_logs_of_every_logger_are_clean(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy], caplog: pytest.LogCaptureFixture
) -> None:
    api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), httpx.Response(200, json=run_json(RUN_ID)))
    with caplog.at_level(logging.DEBUG):
        client = make_client()
        client.runs.get(RUN_ID)
        exceptions_from(api, client)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert_clean(text)
    # The logs were really produced, with the header present but redacted.
    assert "'authorization': '<redacted>'" in text.lower()
    assert f"/groups/webhook/{WEBHOOK_ID}/<redacted>" in text
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("/groups/webhook/" in line for line in httpx_lines)


def test_key_never_sent_to_the_group_webhook(api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
    api.add(
        "POST",
        f"/v1/groups/webhook/{WEBHOOK_ID}/{WEBHOOK_SECRET}",
        httpx.Response(200, json={"received": True, "status": "queued"}),
    )
    response = make_client().webhooks.trigger(WEBHOOK_ID, WEBHOOK_SECRET, commit_sha="abc123")
    assert response.received is True
    assert "authorization" not in api.requests[-1].headers
    assert api.body() == {"commitSha": "abc123"}


class TestRedirects:
    def test_default_client_does_not_follow_a_redirect(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add(
            "GET",
            f"/v1/runs/{RUN_ID}",
            httpx.Response(307, headers={"Location": f"https://evil.example/v1/runs/{RUN_ID}"}),
        )
        with pytest.raises(ta.APIStatusError, match=r"redirect to https://evil\.example"):
            make_client().runs.get(RUN_ID)
        assert [r.url.host for r in api.requests] == ["tester.army"]

    def test_own_client_following_redirects_drops_the_key_for_another_host(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if request.url.host == "tester.army":
                return httpx.Response(
                    307, headers={"Location": f"https://mirror.example/api/v1/runs/{RUN_ID}"}
                )
            return httpx.Response(200, json=run_json(RUN_ID))

        pool = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
        with ta.TesterArmy(api_key=API_KEY, http_client=pool) as client:
            client.runs.get(RUN_ID)
        assert [r.url.host for r in seen] == ["tester.army", "mirror.example"]
        assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
        assert "authorization" not in seen[1].headers
        pool.close()

    def test_own_client_keeps_the_key_for_a_same_origin_redirect(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if request.url.path.endswith("/"):
                return httpx.Response(308, headers={"Location": request.url.path.rstrip("/")})
            return httpx.Response(200, json=run_json(RUN_ID))

        pool = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
        with ta.TesterArmy(api_key=API_KEY, http_client=pool) as client:
            httpx_client = client.api.get_httpx_client()
            httpx_client.get(f"/v1/runs/{RUN_ID}/")
        assert len(seen) == 2
        assert seen[1].headers["authorization"] == f"Bearer {API_KEY}"
        pool.close()
