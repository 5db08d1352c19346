"""Retry decisions (pure) and retries through the client's transport (httpx.MockTransport)."""

from __future__ import annotations

import email.utils
import logging
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
import testerarmy as ta
from testerarmy._retry import RetryPolicy, is_idempotent, parse_retry_after
from testerarmy_api.api.runs import get as generated_get_run

from .conftest import FakeAPI, FakeClock, run_json

RUN_ID = str(uuid.uuid4())


def created() -> httpx.Response:
    return httpx.Response(202, json={"id": RUN_ID, "status": "queued", "createdAt": "2026-02-12T00:00:00Z"})


def ok_run(status: str = "running") -> httpx.Response:
    return httpx.Response(200, json=run_json(RUN_ID, status))


def request(method: str, path: str) -> httpx.Request:
    return httpx.Request(method, f"https://tester.army/api{path}")


class TestIdempotency:
    @pytest.mark.parametrize(
        ("method", "path", "expected"),
        [
            ("GET", "/api/v1/runs/x", True),
            ("DELETE", "/api/v1/tests/x", True),
            ("POST", "/api/v1/runs/0b0e/cancel", True),
            ("POST", "/v1/runs/0b0e/cancel/", True),
            ("POST", "/api/v1/runs", False),
            ("POST", "/api/v1/tests/x/runs", False),
            ("POST", "/api/v1/groups/x/runs", False),
            ("POST", "/api/v1/groups/webhook/x/secret", False),
            ("POST", "/api/v1/projects/p/pull-request-runs", False),
            ("PATCH", "/api/v1/tests/x", False),
            ("post", "/api/v1/runs/cancel", False),
        ],
    )
    def test_classification(self, method: str, path: str, expected: bool) -> None:
        assert is_idempotent(method, path) is expected


class TestRetryAfter:
    @pytest.mark.parametrize(("value", "seconds"), [("1", 1.0), (" 2.5 ", 2.5), ("0", 0.0)])
    def test_delta_seconds(self, value: str, seconds: float) -> None:
        assert parse_retry_after(value, now=0.0) == seconds

    @pytest.mark.parametrize("value", [None, "", "-1", "nan", "inf", "soon", "Mon, 99 Foo 2026"])
    def test_garbage_is_ignored(self, value: str | None) -> None:
        assert parse_retry_after(value, now=0.0) is None

    def test_http_date_relative_to_injected_wall_clock(self) -> None:
        now = 1_800_000_000.0
        value = email.utils.formatdate(now + 30, usegmt=True)
        assert parse_retry_after(value, now=now) == pytest.approx(30.0)

    def test_http_date_in_the_past_means_now(self) -> None:
        now = 1_800_000_000.0
        assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


class TestPolicy:
    def test_backoff_doubles_up_to_cap_with_jitter_below(self) -> None:
        no_jitter = RetryPolicy(random=lambda: 0.0)
        assert [no_jitter.backoff(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
        full_jitter = RetryPolicy(random=lambda: 1.0)
        assert [full_jitter.backoff(n) for n in range(3)] == [0.375, 0.75, 1.5]

    def test_budget_exhausted(self) -> None:
        policy = RetryPolicy(max_retries=2, random=lambda: 0.0)
        outcome = httpx.Response(503)
        assert policy.decide(request("GET", "/v1/runs/x"), outcome, 1) == 1.0
        assert policy.decide(request("GET", "/v1/runs/x"), outcome, 2) is None

    @pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
    def test_retryable_statuses_on_get(self, status: int) -> None:
        assert RetryPolicy().decide(request("GET", "/v1/runs/x"), httpx.Response(status), 0) is not None

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
    def test_final_statuses_on_get(self, status: int) -> None:
        assert RetryPolicy().decide(request("GET", "/v1/runs/x"), httpx.Response(status), 0) is None

    @pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
    def test_run_creating_post_never_retried_on_a_status(self, status: int) -> None:
        assert RetryPolicy().decide(request("POST", "/v1/runs"), httpx.Response(status), 0) is None

    @pytest.mark.parametrize(
        "error", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")]
    )
    def test_never_sent_errors_retry_even_a_post(self, error: Exception) -> None:
        assert RetryPolicy().decide(request("POST", "/v1/runs"), error, 0) is not None

    @pytest.mark.parametrize(
        "error",
        [
            httpx.ReadTimeout("slow"),
            httpx.WriteTimeout("slow"),
            httpx.ReadError("reset"),
            httpx.RemoteProtocolError("x"),
        ],
    )
    def test_maybe_sent_errors_retry_only_idempotent(self, error: Exception) -> None:
        assert RetryPolicy().decide(request("POST", "/v1/runs"), error, 0) is None
        assert RetryPolicy().decide(request("GET", "/v1/runs/x"), error, 0) is not None

    def test_unsupported_protocol_is_not_transient(self) -> None:
        assert RetryPolicy().decide(request("GET", "/v1/runs/x"), httpx.UnsupportedProtocol("x"), 0) is None

    def test_retry_after_replaces_backoff(self) -> None:
        response = httpx.Response(429, headers={"Retry-After": "3"})
        assert RetryPolicy(random=lambda: 0.0).decide(request("GET", "/v1/runs/x"), response, 0) == 3.0

    def test_retry_after_beyond_cap_gives_up(self) -> None:
        response = httpx.Response(429, headers={"Retry-After": "3600"})
        assert RetryPolicy(max_retry_after=60).decide(request("GET", "/v1/runs/x"), response, 0) is None

    def test_retry_after_http_date_uses_injected_wall_clock(self) -> None:
        now = 1_800_000_000.0
        response = httpx.Response(503, headers={"Retry-After": email.utils.formatdate(now + 5, usegmt=True)})
        policy = RetryPolicy(wall_clock=lambda: now)
        assert policy.decide(request("GET", "/v1/runs/x"), response, 0) == pytest.approx(5.0)


class FailingBody(httpx.SyncByteStream):
    """A body that breaks half-way, like a proxy cutting the connection."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"id": "'
        raise httpx.ReadError("peer closed connection without sending complete message body")


class TestThroughTheClient:
    def test_get_503_503_200_succeeds_in_three_attempts(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), httpx.Response(503), ok_run())
        run = make_client().runs.get(RUN_ID)
        assert str(run.id) == RUN_ID
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 3
        assert len(clock.sleeps) == 2
        assert 0.375 <= clock.sleeps[0] <= 0.5
        assert 0.75 <= clock.sleeps[1] <= 1.0

    def test_get_gives_up_after_max_retries(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503))
        with pytest.raises(ta.InternalServerError) as info:
            make_client(max_retries=2).runs.get(RUN_ID)
        assert info.value.status_code == 503
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 3

    def test_max_retries_zero(self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(502), ok_run())
        with pytest.raises(ta.InternalServerError):
            make_client(max_retries=0).runs.get(RUN_ID)
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 1

    def test_429_retry_after_one_second_waits_at_least_one_second(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        limited = httpx.Response(
            429, headers={"Retry-After": "1"}, json={"error": "RateLimited", "message": "slow"}
        )
        api.add("GET", f"/v1/runs/{RUN_ID}", limited, ok_run())
        start = clock()
        make_client().runs.get(RUN_ID)
        assert clock.sleeps == [1.0]
        assert clock() - start >= 1.0

    def test_429_retry_after_http_date(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        when = email.utils.formatdate(time.time() + 3, usegmt=True)
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(429, headers={"Retry-After": when}), ok_run())
        make_client().runs.get(RUN_ID)
        assert len(clock.sleeps) == 1
        assert 1.5 <= clock.sleeps[0] <= 3.0

    def test_429_with_huge_retry_after_is_surfaced_not_slept(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(429, headers={"Retry-After": "7200"}), ok_run())
        with pytest.raises(ta.RateLimitError) as info:
            make_client().runs.get(RUN_ID)
        assert info.value.retry_after == 7200.0
        assert clock.sleeps == []

    def test_post_runs_answered_500_is_raised_and_sent_once(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add(
            "POST",
            "/v1/runs",
            httpx.Response(500, json={"error": "InternalError", "message": "boom"}),
            created(),
        )
        with pytest.raises(ta.InternalServerError, match="InternalError: boom"):
            make_client().runs.create(prompt="Test the login flow")
        assert api.seen("POST", "/v1/runs") == 1
        assert clock.sleeps == []

    @pytest.mark.parametrize(
        ("status", "error"), [(503, ta.InternalServerError), (504, ta.GatewayTimeoutError)]
    )
    def test_post_runs_5xx_not_retried(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], status: int, error: type[Exception]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.Response(status), created())
        with pytest.raises(error):
            make_client().runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 1

    def test_post_with_read_timeout_is_not_retried(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.ReadTimeout("read timed out"), created())
        with pytest.raises(ta.APITimeoutError):
            make_client().runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 1

    def test_post_with_connect_error_is_retried(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("POST", "/v1/runs", httpx.ConnectError("connection refused"), created())
        response = make_client().runs.create(prompt="p")
        assert str(response.id) == RUN_ID
        assert api.seen("POST", "/v1/runs") == 2
        assert len(clock.sleeps) == 1

    def test_connect_error_every_time_becomes_api_connection_error(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.ConnectError("connection refused"))
        with pytest.raises(ta.APIConnectionError, match="ConnectError: connection refused") as info:
            make_client().runs.create(prompt="p")
        assert not isinstance(info.value, ta.APITimeoutError)
        assert api.seen("POST", "/v1/runs") == 3

    @pytest.mark.parametrize(
        ("call", "method", "path"),
        [
            (lambda c: c.tests.trigger(RUN_ID), "POST", f"/v1/tests/{RUN_ID}/runs"),
            (lambda c: c.groups.trigger(RUN_ID), "POST", f"/v1/groups/{RUN_ID}/runs"),
            (lambda c: c.webhooks.trigger(RUN_ID, "s3cr3t"), "POST", f"/v1/groups/webhook/{RUN_ID}/s3cr3t"),
            (
                lambda c: c.projects.trigger_pull_request_run(
                    "proj",
                    {
                        "targetUrl": "https://pr-1.example.com",
                        "pullRequest": {"number": 1, "title": "t", "commitSha": "abc"},
                    },
                ),
                "POST",
                "/v1/projects/proj/pull-request-runs",
            ),
        ],
    )
    def test_every_run_creating_post_is_sent_once_on_502(
        self,
        api: FakeAPI,
        make_client: Callable[..., ta.TesterArmy],
        call: Callable[[ta.TesterArmy], object],
        method: str,
        path: str,
    ) -> None:
        api.add(method, path, httpx.Response(502), httpx.Response(202, json={}))
        with pytest.raises(ta.InternalServerError):
            call(make_client())
        assert api.seen(method, path) == 1

    def test_cancel_is_idempotent_and_retried(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        cancelled = httpx.Response(200, json={"id": RUN_ID, "status": "cancelled"})
        api.add("POST", f"/v1/runs/{RUN_ID}/cancel", httpx.Response(503), cancelled)
        make_client().runs.cancel(RUN_ID)
        assert api.seen("POST", f"/v1/runs/{RUN_ID}/cancel") == 2

    def test_retried_cancel_that_meets_its_own_cancellation_succeeds(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        # The first attempt cancelled the run but its answer was lost; the retry hears "already
        # cancelled". A look at the run shows it is cancelled: that is success, not an error.
        already = httpx.Response(400, json={"error": "ValidationError", "message": "already cancelled"})
        api.add("POST", f"/v1/runs/{RUN_ID}/cancel", httpx.ReadTimeout("lost"), already)
        api.add("GET", f"/v1/runs/{RUN_ID}", ok_run("cancelled"))
        response = make_client().runs.cancel(RUN_ID)
        assert response.to_dict() == {"id": RUN_ID, "status": "cancelled"}
        assert api.seen("POST", f"/v1/runs/{RUN_ID}/cancel") == 2
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 1

    @pytest.mark.parametrize("first", [httpx.Response(503), None])
    def test_cancel_refused_is_an_error_unless_retried_onto_a_cancelled_run(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], first: httpx.Response | None
    ) -> None:
        refused = httpx.Response(400, json={"error": "ValidationError", "message": "already completed"})
        replies = (refused,) if first is None else (first, refused)
        api.add("POST", f"/v1/runs/{RUN_ID}/cancel", *replies)
        api.add("GET", f"/v1/runs/{RUN_ID}", ok_run("completed"))
        with pytest.raises(ta.BadRequestError, match="already completed"):
            make_client().runs.cancel(RUN_ID)
        # Without a retry the answer is taken as it is: no extra GET.
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == (0 if first is None else 1)

    def test_get_read_timeout_is_retried(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.ReadTimeout("slow"), ok_run())
        make_client().runs.get(RUN_ID)
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 2

    def test_body_cut_mid_way_is_retried_for_get(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(200, stream=FailingBody()), ok_run("completed"))
        assert make_client().runs.get(RUN_ID).status == "completed"
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 2

    def test_generated_client_shares_the_retries(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), ok_run())
        client = make_client()
        response = generated_get_run.sync_detailed(uuid.UUID(RUN_ID), client=client.api)
        assert response.status_code == 200
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 2
        assert api.requests[-1].headers["authorization"].startswith("Bearer sk_")

    def test_with_options_changes_retries_for_the_copy_only(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503))
        client = make_client(max_retries=2)
        with pytest.raises(ta.InternalServerError):
            client.with_options(max_retries=0).runs.get(RUN_ID)
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 1
        with pytest.raises(ta.InternalServerError):
            client.runs.get(RUN_ID)
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 4

    def test_retries_are_logged_at_info(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], caplog: pytest.LogCaptureFixture
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), ok_run())
        with caplog.at_level(logging.INFO, logger="testerarmy"):
            make_client().runs.get(RUN_ID)
        messages = [r.getMessage() for r in caplog.records if r.name == "testerarmy"]
        assert any("Retrying GET" in m and "HTTP 503" in m and "retry 1 of 2" in m for m in messages)


class TestAsyncRetries:
    pytestmark = pytest.mark.anyio

    async def test_get_503_503_200(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy], clock: FakeClock
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), httpx.Response(503), ok_run())
        async with make_async_client() as client:
            run = await client.runs.get(RUN_ID)
        assert str(run.id) == RUN_ID
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 3
        assert len(clock.sleeps) == 2

    async def test_post_500_sent_once(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.Response(500), created())
        async with make_async_client() as client:
            with pytest.raises(ta.InternalServerError):
                await client.runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 1

    async def test_post_read_timeout_not_retried(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.ReadTimeout("slow"), created())
        async with make_async_client() as client:
            with pytest.raises(ta.APITimeoutError):
                await client.runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 1

    async def test_post_connect_error_retried(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", httpx.ConnectError("refused"), created())
        async with make_async_client() as client:
            await client.runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 2

    async def test_429_retry_after(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy], clock: FakeClock
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(429, headers={"Retry-After": "1"}), ok_run())
        async with make_async_client() as client:
            await client.runs.get(RUN_ID)
        assert clock.sleeps == [1.0]

    async def test_retried_cancel_that_meets_its_own_cancellation_succeeds(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        already = httpx.Response(409, json={"error": "Conflict", "message": "already cancelled"})
        api.add("POST", f"/v1/runs/{RUN_ID}/cancel", httpx.Response(502), already)
        api.add("GET", f"/v1/runs/{RUN_ID}", ok_run("cancelled"))
        async with make_async_client() as client:
            response = await client.runs.cancel(RUN_ID)
        assert response.to_dict() == {"id": RUN_ID, "status": "cancelled"}
        assert api.seen("POST", f"/v1/runs/{RUN_ID}/cancel") == 2

    async def test_generated_async_client_shares_the_retries(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", httpx.Response(503), ok_run())
        async with make_async_client() as client:
            response = await generated_get_run.asyncio_detailed(uuid.UUID(RUN_ID), client=client.api)
        assert response.status_code == 200
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") == 2
