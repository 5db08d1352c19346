"""Fixtures for client-vs-simulator tests: real HTTP to a Simulator on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

# A distinctive key, so that "it never appears in any output" is a meaningful check.
KEY = "sk_test_integration_0123_SECRETPART"

# The simulator runs 20 simulated seconds per run; at this scale that is 0.2 s of real time.
TIME_SCALE = 0.01
FAST_WAIT: dict[str, Any] = {"poll_interval": 0.02, "max_interval": 0.1, "timeout": 20.0}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,), time_scale=TIME_SCALE, seed=0) as simulator:
        yield simulator


def logged(sim: Simulator, method: str | None = None, path: str | None = None) -> int:
    """``sim.requests.count(...)`` once the log has caught up.

    The simulator records a request after its response went out, so right after a call the
    record may be a moment late: wait (bounded) until the count stops changing.
    """
    count = sim.requests.count(method, path)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        again = sim.requests.count(method, path)
        if again == count and count > 0:
            return count
        count = again
    return count


class Sleeps(list[float]):
    """A sleep that records instead of waiting (for retry backoffs)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sim: Simulator) -> Iterator[ta.TesterArmy]:
    with ta.TesterArmy(api_key=KEY, base_url=sim.url) as c:
        yield c


@pytest.fixture
def make_client(sim: Simulator) -> Iterator[Callable[..., ta.TesterArmy]]:
    made: list[ta.TesterArmy] = []

    def make(**kwargs: Any) -> ta.TesterArmy:
        kwargs.setdefault("api_key", KEY)
        made.append(ta.TesterArmy(base_url=sim.url, **kwargs))
        return made[-1]

    yield make
    for c in made:
        c.close()
