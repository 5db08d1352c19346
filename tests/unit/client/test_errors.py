"""Every error class from its status, whatever the body looks like; response validation errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
import testerarmy as ta

from .conftest import FakeAPI

RUN_ID = str(uuid.uuid4())
PATH = f"/v1/runs/{RUN_ID}"

STATUS_CLASSES = [
    (400, ta.BadRequestError),
    (401, ta.AuthenticationError),
    (403, ta.PermissionDeniedError),
    (404, ta.NotFoundError),
    (409, ta.ConflictError),
    (422, ta.UnprocessableEntityError),
    (429, ta.RateLimitError),
    (500, ta.InternalServerError),
    (501, ta.InternalServerError),
    (502, ta.InternalServerError),
    (503, ta.InternalServerError),
    (504, ta.GatewayTimeoutError),
    (418, ta.APIStatusError),
]

BODIES: dict[str, tuple[dict[str, str], bytes]] = {
    "json": (
        {"content-type": "application/json"},
        b'{"error": "SomeCode", "message": "Something went wrong"}',
    ),
    "html": (
        {"content-type": "text/html"},
        b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    ),
    "empty": ({}, b""),
    "truncated": ({"content-type": "application/json"}, b'{"error": "InternalErr'),
    "plain": ({"content-type": "text/plain"}, b"upstream connect error"),
    "json-array": ({"content-type": "application/json"}, b'["not", "an", "object"]'),
}


@pytest.mark.parametrize(("status", "error_class"), STATUS_CLASSES)
@pytest.mark.parametrize("body_kind", sorted(BODIES))
def test_status_maps_to_class_for_any_body(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy], status: int, error_class: type, body_kind: str
) -> None:
    headers, body = BODIES[body_kind]
    api.add("GET", PATH, httpx.Response(status, headers=headers, content=body))
    with pytest.raises(ta.APIStatusError) as info:
        make_client(max_retries=0).runs.get(RUN_ID)
    error = info.value
    assert type(error) is error_class
    assert isinstance(error, ta.TesterArmyError)
    assert error.status_code == status
    assert error.response.status_code == status
    text = str(error)
    assert text.startswith(str(status))
    assert f"GET https://tester.army/api{PATH}" in text
    if body_kind == "json":
        assert (error.code, error.error_message) == ("SomeCode", "Something went wrong")
        assert "SomeCode: Something went wrong" in text
    else:
        assert error.code is None
        assert error.error_message is None
    expected_fragment = {
        "html": "non-JSON body (text/html",
        "empty": "empty response body",
        "truncated": "truncated or invalid JSON body",
        "plain": "upstream connect error",
        "json-array": "unexpected error body",
    }.get(body_kind)
    if expected_fragment:
        assert expected_fragment in text


def test_html_excerpt_is_short_and_single_line(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
) -> None:
    page = b"<html>\n" + b"x" * 5000 + b"\n</html>"
    api.add("GET", PATH, httpx.Response(502, headers={"content-type": "text/html"}, content=page))
    with pytest.raises(ta.InternalServerError) as info:
        make_client(max_retries=0).runs.get(RUN_ID)
    assert "\n" not in str(info.value)
    assert len(str(info.value)) < 400


def test_rate_limit_error_carries_retry_after(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
) -> None:
    api.add(
        "GET",
        PATH,
        httpx.Response(
            429,
            headers={"Retry-After": "120"},
            json={"error": "RateLimited", "message": "Usage limit exceeded"},
        ),
    )
    with pytest.raises(ta.RateLimitError) as info:
        make_client(max_retries=0).runs.get(RUN_ID)
    assert info.value.retry_after == 120.0
    assert info.value.code == "RateLimited"


def test_rate_limit_without_header(api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
    api.add(
        "POST",
        "/v1/runs",
        httpx.Response(429, json={"error": "RateLimited", "message": "Usage limit exceeded"}),
    )
    with pytest.raises(ta.RateLimitError) as info:
        make_client().runs.create(prompt="p")
    assert info.value.retry_after is None


def test_redirect_is_an_error_naming_the_location(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
) -> None:
    api.add("GET", PATH, httpx.Response(301, headers={"Location": "https://www.tester.army/api" + PATH}))
    with pytest.raises(ta.APIStatusError, match=r"redirect to https://www\.tester\.army/api") as info:
        make_client().runs.get(RUN_ID)
    assert info.value.status_code == 301
    assert api.seen("GET", PATH) == 1


class TestResponseValidation:
    def test_success_with_non_json_body(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", PATH, httpx.Response(200, content=b"<html>maintenance</html>"))
        with pytest.raises(ta.APIResponseValidationError, match="not JSON") as info:
            make_client().runs.get(RUN_ID)
        assert info.value.status_code == 200

    def test_success_missing_required_field(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", PATH, httpx.Response(200, json={"id": RUN_ID, "status": "queued"}))
        with pytest.raises(ta.APIResponseValidationError, match=r"runs\.get: .*missing field"):
            make_client().runs.get(RUN_ID)

    def test_success_with_json_array(self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
        api.add("GET", PATH, httpx.Response(200, json=[1, 2]))
        with pytest.raises(ta.APIResponseValidationError, match="expected a JSON object, got list"):
            make_client().runs.get(RUN_ID)

    def test_bad_uuid_in_response(self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
        api.add(
            "POST",
            "/v1/runs",
            httpx.Response(202, json={"id": "nope", "status": "queued", "createdAt": "2026-01-01T00:00:00Z"}),
        )
        with pytest.raises(ta.APIResponseValidationError, match=r"runs\.create"):
            make_client().runs.create(prompt="p")


def test_timeout_maps_to_api_timeout_error(api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
    api.add("GET", PATH, httpx.ReadTimeout("timed out"))
    with pytest.raises(ta.APITimeoutError, match="ReadTimeout") as info:
        make_client(max_retries=0).runs.get(RUN_ID)
    assert isinstance(info.value, ta.APIConnectionError)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_wait_and_run_errors_are_testerarmy_errors() -> None:
    assert issubclass(ta.WaitTimeoutError, ta.TesterArmyError)
    assert issubclass(ta.RunFailedError, ta.TesterArmyError)
    assert issubclass(ta.MissingAPIKeyError, ta.TesterArmyError)
    error = ta.WaitTimeoutError(RUN_ID, "running", 12.34)
    assert (error.run_id, error.last_status, error.elapsed) == (RUN_ID, "running", 12.34)
    assert "12.3 s" in str(error)
    assert "running" in str(error)
    assert "no status seen yet" in str(ta.WaitTimeoutError(RUN_ID, None, 1.0))


@pytest.mark.anyio
async def test_async_client_maps_html_502(
    api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
) -> None:
    headers, body = BODIES["html"]
    api.add("GET", PATH, httpx.Response(502, headers=headers, content=body))
    async with make_async_client(max_retries=0) as client:
        with pytest.raises(ta.InternalServerError, match="non-JSON body"):
            await client.runs.get(RUN_ID)


# --- a base URL that is not the API: its 404s say what the SDK expected --------------------------


def _html_404(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, headers={"content-type": "text/html"}, content=b"<html>Page not found</html>")


@pytest.mark.parametrize("base_url", ["https://tester.army/app", "https://tester.army/api/v2"])
def test_a_404_from_a_base_url_without_api_names_the_expected_base_url(base_url: str) -> None:
    pool = httpx.Client(transport=httpx.MockTransport(_html_404))
    with (
        ta.TesterArmy(api_key="sk_x", base_url=base_url, http_client=pool, max_retries=0) as client,
        pytest.raises(ta.NotFoundError) as info,
    ):
        client.runs.get(RUN_ID)
    message = str(info.value)
    assert f"the base URL '{base_url}' does not end in /api" in message
    assert repr(ta.DEFAULT_BASE_URL) in message


def test_a_non_json_404_under_api_says_it_may_not_be_the_api(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
) -> None:
    api.add("GET", PATH, _html_404)
    with pytest.raises(ta.NotFoundError, match="may not be TesterArmy's API: check base_url"):
        make_client(max_retries=0).runs.get(RUN_ID)


def test_the_apis_own_404_has_no_base_url_hint(
    api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
) -> None:
    api.add("GET", PATH, httpx.Response(404, json={"error": "NotFound", "message": "Run not found"}))
    with pytest.raises(ta.NotFoundError) as info:
        make_client(max_retries=0).runs.get(RUN_ID)
    assert "base" not in str(info.value)
    assert info.value.error_message == "Run not found"


def test_the_hint_never_shows_a_webhook_secret_from_the_path() -> None:
    pool = httpx.Client(transport=httpx.MockTransport(_html_404))
    with (
        ta.TesterArmy(api_key="sk_x", base_url="https://example.com/x", http_client=pool, max_retries=0) as c,
        pytest.raises(ta.NotFoundError) as info,
    ):
        c.webhooks.trigger(RUN_ID, "s3cr3t-value")
    assert "does not end in /api" in str(info.value)
    assert "s3cr3t-value" not in str(info.value)
