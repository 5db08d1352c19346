"""Shared pieces of the resilience suite: a fake clock, a closed port, attempt counting.

Everything talks real HTTP to a :class:`~testerarmy.testing.Simulator` on 127.0.0.1; only time is
fake (the clients get an injected clock and sleep, so backoffs and poll pauses never really wait).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

# A recognisable key: no scenario may ever print it (the security suite checks that in depth).
KEY = "sk_test_resilience_7f3a_SECRETPART"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """Monotonic clock + sleep that only advance when slept: retries and polls never really wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Attempts:
    """Counts what the client really sent, per attempt (an httpx request hook on the pool client).

    The pool client sits below the retry transport, so its hook fires once per attempt, including
    attempts that never reach a server (connection refused).
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    async def ahook(self, request: httpx.Request) -> None:
        self(request)

    def __len__(self) -> int:
        return len(self.sent)


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where nothing listens: bound (so nobody else takes it) but not listening,
    so every connection attempt is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
