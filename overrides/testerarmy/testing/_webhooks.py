"""Run-completion webhooks with upstream's delivery policy.

Upstream: when a run completes or fails, TesterArmy POSTs the run object to ``webhookUrl``; a non-2xx
answer or no answer within 10 s is a failure; it retries 3 times after 1 s, 2 s and 4 s, then gives up;
``webhookStatus`` becomes ``delivered`` or ``failed``. The simulator does the same with the retry
delays multiplied by its time scale (so a test with ``time_scale=0.01`` sees the retries in ~70 ms).
The per-attempt timeout is never scaled: it is real seconds (upstream's 10 s by default), because
the receiver is real code doing real work (a first ``parse_webhook`` call, a cold import), and a
scaled 0.1 s made slow-but-healthy receivers look dead and got deliveries repeated.

Safety: by default the simulator only delivers to loopback hosts. A test suite that passes a
production URL by mistake gets ``webhookStatus: failed`` and a recorded reason, not a real call.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ._state import RunSnapshot, Store

__all__ = ["DeliveryAttempt", "WebhookDispatcher", "WebhookPolicy", "is_loopback_url"]


@dataclass(frozen=True)
class WebhookPolicy:
    """Delivery policy (upstream's values by default): ``timeout`` in real seconds per attempt,
    ``retry_delays`` in simulated seconds."""

    timeout: float = 10.0
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)
    allow_external: bool = False

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"webhook timeout must be > 0 seconds, got {self.timeout}")
        if any(not d >= 0 for d in self.retry_delays):
            raise ValueError(f"webhook retry delays must be >= 0 seconds, got {self.retry_delays}")


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST to a webhook URL (``status_code`` None when no answer came)."""

    run_id: str
    url: str
    attempt: int  # 1 = first delivery, 2..4 = retries
    status_code: int | None
    error: str | None
    at: datetime

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookDispatcher:
    """Background task on the server's loop: find runs that turned terminal, deliver their webhooks."""

    def __init__(
        self,
        store: Store,
        render: Callable[[RunSnapshot], dict[str, Any]],
        *,
        policy: WebhookPolicy,
        time_scale: float,
        poll_interval: float = 0.01,
        max_idle: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = store
        self.render = render
        self.policy = policy
        self.time_scale = time_scale
        self.poll_interval = poll_interval
        self.max_idle = max_idle
        self._sleep = sleep
        self._transport = transport
        self._lock = threading.Lock()
        self._attempts: list[DeliveryAttempt] = []
        self._tasks: set[asyncio.Task[str]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @property
    def attempts(self) -> list[DeliveryAttempt]:
        with self._lock:
            return list(self._attempts)

    def clear(self) -> None:
        with self._lock:
            self._attempts.clear()

    def real(self, sim_seconds: float) -> float:
        return sim_seconds * self.time_scale

    def wake(self) -> None:
        """Look for due webhooks now (callable from any thread, e.g. after ``sim.advance``)."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def run(self) -> None:
        """Deliver due webhooks until cancelled.

        Between rounds it sleeps until the next pending webhook is due (in real time, at the clock's
        scale), or until woken by a change (new run, cancel, forced finish, ``advance``); never longer
        than ``max_idle`` and never shorter than ``poll_interval``. So a thousand pending webhooks
        cost one scan per due time, not one every few milliseconds.
        """
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        async with httpx.AsyncClient(transport=self._transport, trust_env=False) as client:
            try:
                while True:
                    self._wake.clear()  # before the scan: a change during it wakes the next wait
                    store = self.store  # reset() may swap it; a delivery reports to its own store
                    due, next_due = store.due_webhooks()
                    for snap in due:
                        task = asyncio.create_task(self.deliver(client, snap, store))
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._idle_time(store, next_due))
            finally:
                for task in list(self._tasks):
                    task.cancel()
                if self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)

    def _idle_time(self, store: Store, next_due: float | None) -> float:
        scale = store.clock.time_scale
        if next_due is None or scale == 0:
            return self.max_idle
        real = (next_due - store.clock.now()) * scale
        return min(max(real, self.poll_interval), self.max_idle)

    def cancel_deliveries(self) -> None:
        """Cancel in-flight deliveries (callable from any thread; used by ``Simulator.reset``)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return
        done = threading.Event()

        def cancel() -> None:
            for task in list(self._tasks):
                task.cancel()
            done.set()

        loop.call_soon_threadsafe(cancel)
        done.wait(timeout=2.0)

    async def deliver(self, client: httpx.AsyncClient, snap: RunSnapshot, store: Store | None = None) -> str:
        """Deliver one run's webhook with retries; sets and returns its final webhookStatus."""
        url = snap.record.webhook_url
        assert url is not None
        payload = json.dumps(self.render(snap), separators=(",", ":")).encode()
        timeout = self.policy.timeout  # real seconds, never scaled (module docstring)
        delays = self.policy.retry_delays
        status = "failed"
        for attempt in range(1, len(delays) + 2):
            if attempt > 1:
                await self._sleep(self.real(delays[attempt - 2]))
            code, error = await self._post(client, url, payload, timeout)
            self._record(DeliveryAttempt(snap.id, url, attempt, code, error, datetime.now(UTC)))
            if code is not None and 200 <= code < 300:
                status = "delivered"
                break
            if error is not None and error.startswith("refused:"):
                break  # a policy refusal will not change on retry
        (store or self.store).set_webhook_status(snap.id, status)
        return status

    async def _post(
        self, client: httpx.AsyncClient, url: str, payload: bytes, timeout: float
    ) -> tuple[int | None, str | None]:
        if not self.policy.allow_external and not is_loopback_url(url):
            return None, "refused: the simulator only delivers webhooks to loopback hosts (allow_external)"
        try:
            response = await client.post(
                url,
                content=payload,
                headers={"Content-Type": "application/json", "User-Agent": "testerarmy-simulator"},
                timeout=timeout,
            )
        except httpx.TimeoutException:
            return None, f"timeout: no answer within {timeout:.3f} s"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None if response.is_success else f"HTTP {response.status_code}"

    def _record(self, attempt: DeliveryAttempt) -> None:
        with self._lock:
            self._attempts.append(attempt)
