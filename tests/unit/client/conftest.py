"""Fixtures for client unit tests: a fake clock, a scripted fake API on httpx.MockTransport."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from testerarmy import AsyncTesterArmy, TesterArmy

API_KEY = "sk_test_0123456789_abcdefSECRETKEY"
BASE = "https://tester.army/api"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    """Monotonic clock + sleep that only advance when slept: tests never really wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def run_json(run_id: str, status: str = "queued", **extra: Any) -> dict[str, Any]:
    return {
        "id": run_id,
        "type": "chat",
        "status": status,
        "input": {"prompt": "p"},
        "createdAt": "2026-02-12T00:00:00.000Z",
        **extra,
    }


def output_json(result: str = "PASS", **extra: Any) -> dict[str, Any]:
    """A completed run's ``output`` as the published ``TestOutput`` (the verdict ``PASS`` / ``FAILED``)."""
    return {"featureName": "Login", "result": result, "description": "Logged in.", "screenshots": [], **extra}


def trigger_json(group_id: str, run_ids: list[str], **extra: Any) -> dict[str, Any]:
    """``POST /v1/groups/{id}/runs`` answer (``TriggerGroupRunResponse``) for a batch of ``run_ids``."""
    return {
        "status": "queued",
        "groupId": group_id,
        "batchId": str(uuid.uuid4()),
        "runIds": run_ids,
        "queuedRunIds": run_ids,
        "cancelledRunIds": [],
        "count": len(run_ids),
        **extra,
    }


def saved_test_json(test_id: str, **extra: Any) -> dict[str, Any]:
    """A saved test (``TestDefinition``)."""
    return {"id": test_id, "title": "Login works", "steps": [{"type": "act", "title": "Log in"}], **extra}


def group_json(group_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": group_id,
        "name": "Smoke",
        "isDefault": False,
        "runMode": "concurrent",
        "prepTestId": None,
        "projectId": str(uuid.uuid4()),
        **extra,
    }


def mobile_app_json(app_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": app_id,
        "platform": "android",
        "filename": "a.apk",
        "bundleId": None,
        "appVersion": None,
        "buildVersion": None,
        "fileSize": 10,
        "source": "upload",
        "expiresAt": None,
        "removeAfter": None,
        "createdAt": "2026-02-12T00:00:00Z",
        **extra,
    }


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeAPI:
    """Routes keyed by (METHOD, path-after-/api); each route replays its replies in order and
    repeats the last one. Every request is recorded (method, path, headers, body)."""

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path.removeprefix("/api")
        replies = self.routes.get((request.method, path))
        if not replies:
            return httpx.Response(404, json={"error": "NotFound", "message": f"no route {path}"})
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def seen(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path.removeprefix("/api") == path)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def make_client(api: FakeAPI, clock: FakeClock) -> Iterator[Callable[..., TesterArmy]]:
    made: list[TesterArmy] = []

    def make(**kwargs: Any) -> TesterArmy:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("http_client", httpx.Client(transport=httpx.MockTransport(api.handler)))
        client = TesterArmy(clock=clock, sleep=clock.sleep, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def make_async_client(api: FakeAPI, clock: FakeClock) -> Callable[..., AsyncTesterArmy]:
    def make(**kwargs: Any) -> AsyncTesterArmy:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("http_client", httpx.AsyncClient(transport=httpx.MockTransport(api.handler)))
        return AsyncTesterArmy(clock=clock, sleep=clock.asleep, **kwargs)

    return make


@pytest.fixture
def run_id() -> str:
    return str(uuid.uuid4())
