"""429 as a refusal: retried when the server says when (any request), one gate per client."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
import testerarmy as ta
from testerarmy._gate import MIN_SPACING, RateGate
from testerarmy._retry import MIN_REFUSAL_COST, RetryPolicy, refusal_cost

from .conftest import API_KEY, FakeAPI, FakeClock, run_json

RUN_ID = str(uuid.uuid4())
OTHER_ID = str(uuid.uuid4())


def created() -> httpx.Response:
    return httpx.Response(202, json={"id": RUN_ID, "status": "queued", "createdAt": "2026-02-12T00:00:00Z"})


def refused(retry_after: str | None = None, message: str = "Usage limit exceeded") -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(429, headers=headers, json={"error": "RateLimited", "message": message})


def post(path: str = "/v1/runs") -> httpx.Request:
    return httpx.Request("POST", f"https://tester.army/api{path}")


class TestDecision:
    @pytest.mark.parametrize("path", ["/v1/runs", "/v1/tests/t/runs", "/v1/groups/g/runs"])
    def test_refusal_with_retry_after_is_retried_even_for_run_creating_posts(self, path: str) -> None:
        assert RetryPolicy().decide(post(path), refused("2"), 0) == 2.0

    def test_refusal_without_retry_after_is_not_retried_for_a_post(self) -> None:
        assert RetryPolicy().decide(post(), refused(), 0) is None

    def test_garbage_retry_after_is_no_promise(self) -> None:
        assert RetryPolicy().decide(post(), refused("soon"), 0) is None
        get = httpx.Request("GET", "https://tester.army/api/v1/runs/x")
        assert RetryPolicy(random=lambda: 0.0).decide(get, refused("soon"), 0) == 0.5  # the backoff

    def test_refusals_spend_the_time_budget_not_the_count(self) -> None:
        policy = RetryPolicy(max_retries=1, max_retry_after=10)
        assert policy.decide(post(), refused("4"), retries_done=1, refusal_wait=6.0) == 4.0
        assert policy.decide(post(), refused("4"), retries_done=1, refusal_wait=6.5) is None

    def test_retry_after_zero_forever_still_runs_out(self) -> None:
        # Each refusal spends at least MIN_REFUSAL_COST: "retry now" forever cannot loop forever.
        policy = RetryPolicy(max_retry_after=5)
        wait, attempts = 0.0, 0
        while (delay := policy.decide(post(), refused("0"), 0, refusal_wait=wait)) is not None:
            wait += refusal_cost(delay)
            attempts += 1
            assert attempts <= 5 / MIN_REFUSAL_COST
        assert attempts == int(5 / MIN_REFUSAL_COST)

    def test_max_retries_zero_retries_nothing(self) -> None:
        assert RetryPolicy(max_retries=0).decide(post(), refused("1"), 0) is None


class TestGate:
    def test_open_gate_admits_at_once(self, clock: FakeClock) -> None:
        gate = RateGate(clock)
        assert gate.admit()[0] == 0.0
        gate.accepted()
        assert gate.spacing == 0.0

    def test_refusal_closes_for_the_delay_then_spaces_sends(self, clock: FakeClock) -> None:
        gate = RateGate(clock)
        gate.refused(3.0)
        assert gate.closed_for() == 3.0
        (first, closure), (second, _) = gate.admit(), gate.admit()
        assert first == 3.0
        assert not gate.reclosed_since(closure)
        gate.refused(5.0)  # a later refusal while they wait: they must queue again
        assert gate.reclosed_since(closure)
        assert second == pytest.approx(3.0 + MIN_SPACING)

    def test_a_herd_of_refusals_widens_the_gap_once(self, clock: FakeClock) -> None:
        gate = RateGate(clock)
        for _ in range(1000):
            gate.refused(1.0)
        assert gate.spacing == MIN_SPACING
        clock.sleep(1.0)
        gate.refused(1.0)  # a refusal after the gate reopened is new information
        assert gate.spacing == 2 * MIN_SPACING

    def test_accepted_answers_switch_spacing_off_again(self, clock: FakeClock) -> None:
        gate = RateGate(clock)
        gate.refused(1.0)
        for _ in range(10_000):
            gate.accepted()
        assert gate.spacing == 0.0
        clock.sleep(1.0)
        assert gate.admit()[0] == 0.0

    def test_a_refusal_without_delay_does_not_close(self, clock: FakeClock) -> None:
        gate = RateGate(clock)
        gate.refused(None)
        assert gate.closed_for() == 0.0
        assert gate.spacing == MIN_SPACING


class TestThroughTheClient:
    def test_get_refused_with_retry_after_zero_forever_raises(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("GET", f"/v1/runs/{RUN_ID}", *[refused("0")] * 1000)
        with pytest.raises(ta.RateLimitError):
            make_client().runs.get(RUN_ID)
        assert api.seen("GET", f"/v1/runs/{RUN_ID}") <= 1 + 60 / MIN_REFUSAL_COST

    def test_create_refused_with_retry_after_is_repeated_once_and_creates_one_run(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("POST", "/v1/runs", refused("2"), created())
        run = make_client().runs.create(prompt="p")
        assert str(run.id) == RUN_ID
        assert api.seen("POST", "/v1/runs") == 2
        assert clock.sleeps == [2.0]

    def test_create_refused_without_retry_after_raises_what_the_server_said(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("POST", "/v1/runs", refused(message="Usage limit exceeded"), created())
        with pytest.raises(ta.RateLimitError) as info:
            make_client().runs.create(prompt="p")
        assert info.value.retry_after is None
        assert info.value.code == "RateLimited"
        assert info.value.error_message == "Usage limit exceeded"
        assert api.seen("POST", "/v1/runs") == 1
        assert clock.sleeps == []

    def test_refusals_beyond_the_budget_raise_with_retry_after(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy], clock: FakeClock
    ) -> None:
        api.add("POST", "/v1/runs", refused("30"), refused("30"), refused("30"), created())
        with pytest.raises(ta.RateLimitError) as info:
            make_client().runs.create(prompt="p")
        assert info.value.retry_after == 30.0
        assert api.seen("POST", "/v1/runs") == 3  # 30 + 30 s fit the default 60 s budget; 90 would not
        assert clock.sleeps == [30.0, 30.0]

    def test_refusals_do_not_spend_max_retries(
        self, api: FakeAPI, make_client: Callable[..., ta.TesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", *[refused("1")] * 5, created())
        make_client(max_retries=1).runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 6

    def test_a_call_made_while_the_gate_is_closed_waits_for_it(self, api: FakeAPI, clock: FakeClock) -> None:
        sent_at: dict[str, list[float]] = {RUN_ID: [], OTHER_ID: []}

        def answer(run_id: str, *replies: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
            queue = list(replies)

            def reply(_: httpx.Request) -> httpx.Response:
                sent_at[run_id].append(clock())
                return queue.pop(0) if len(queue) > 1 else queue[0]

            return reply

        api.add(
            "GET",
            f"/v1/runs/{RUN_ID}",
            answer(RUN_ID, refused("5"), httpx.Response(200, json=run_json(RUN_ID))),
        )
        api.add("GET", f"/v1/runs/{OTHER_ID}", answer(OTHER_ID, httpx.Response(200, json=run_json(OTHER_ID))))
        start = clock()
        others: list[object] = []

        def sleep(seconds: float) -> None:
            # While the first call sleeps off its 429, another caller of the same client starts.
            if not others:
                others.append(None)
                others.append(client.runs.get(OTHER_ID))
            clock.sleep(seconds)

        http = httpx.Client(transport=httpx.MockTransport(api.handler))
        with ta.TesterArmy(api_key=API_KEY, http_client=http, clock=clock, sleep=sleep) as client:
            client.runs.get(RUN_ID)
        assert len(others) == 2
        assert sent_at[OTHER_ID][0] >= start + 5.0  # held by the gate, not refused on its own
        assert len(sent_at[OTHER_ID]) == 1


class TestAsyncThroughTheClient:
    pytestmark = pytest.mark.anyio

    async def test_create_refused_with_retry_after_is_repeated(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy], clock: FakeClock
    ) -> None:
        api.add("POST", "/v1/runs", refused("2"), created())
        async with make_async_client() as client:
            await client.runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 2
        assert clock.sleeps == [2.0]

    async def test_create_refused_without_retry_after_raises(
        self, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
    ) -> None:
        api.add("POST", "/v1/runs", refused(), created())
        async with make_async_client() as client:
            with pytest.raises(ta.RateLimitError):
                await client.runs.create(prompt="p")
        assert api.seen("POST", "/v1/runs") == 1

    async def test_concurrent_creates_share_one_gate(self, api: FakeAPI, clock: FakeClock) -> None:
        import anyio

        # The first POST is refused; everything after succeeds. While the refused call sleeps off
        # its Retry-After, nine more calls of the same client start: the gate must hold them too.
        sent_at: list[float] = []
        replies = [refused("3")]

        def reply(_: httpx.Request) -> httpx.Response:
            sent_at.append(clock())
            return replies.pop(0) if replies else created()

        api.add("POST", "/v1/runs", reply)
        release = anyio.Event()

        async def sleep(seconds: float) -> None:
            await release.wait()  # park every sleeper until all calls have queued up
            clock.sleep(seconds)

        http = httpx.AsyncClient(transport=httpx.MockTransport(api.handler))
        client = ta.AsyncTesterArmy(api_key=API_KEY, http_client=http, clock=clock, sleep=sleep)
        async with client, anyio.create_task_group() as group:
            group.start_soon(lambda: client.runs.create(prompt="p"))
            await anyio.wait_all_tasks_blocked()
            for _ in range(9):
                group.start_soon(lambda: client.runs.create(prompt="p"))
            await anyio.wait_all_tasks_blocked()
            assert len(sent_at) == 1  # nobody walked into the refusal
            release.set()
        assert len(sent_at) == 11  # ten creates, only the refused one repeated
        assert sent_at[0] == 1000.0
        assert all(when >= 1003.0 for when in sent_at[1:])


def test_an_injected_sleep_that_does_not_advance_the_clock_sleeps_once(api: FakeAPI) -> None:
    # Tests often inject only `sleep` (the clock stays the real one): the gate must not spin.
    api.add("GET", f"/v1/runs/{RUN_ID}", refused("1"), httpx.Response(200, json=run_json(RUN_ID)))
    sleeps: list[float] = []
    http = httpx.Client(transport=httpx.MockTransport(api.handler))
    with ta.TesterArmy(api_key=API_KEY, http_client=http, sleep=sleeps.append) as client:
        client.runs.get(RUN_ID)
    assert sleeps == [1.0]
