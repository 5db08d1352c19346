"""CLI unit tests: click's CliRunner against a simulator reached in-process, on a manual clock.

The simulator is not started (no thread, no port): the CLI's client talks to its ASGI app through
``httpx.ASGITransport`` (the ``Runtime.http_client`` seam). The simulator's clock only moves when
the CLI sleeps between polls (``FakeTime.sleep`` advances both clocks), so runs progress exactly as
far as the CLI has waited, and no test ever really sleeps.

Every invocation goes through :class:`Cli`, which also asserts that the API key appears nowhere in
stdout or stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from testerarmy.cli import cli
from testerarmy.cli._context import Runtime
from testerarmy.testing import Simulator

from .fake_api import FakeApi

# Recognizable, so that a leak anywhere in the output is caught by a plain substring check.
API_KEY = "sk_test_CLIUNIT_0xDEADBEEF_do_not_print"
BASE_URL = "http://127.0.0.1/api"  # in-process: the host is never contacted


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """Monotonic clock + async sleep; sleeping advances the simulator's clock by the same amount."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.now = 500.0
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[int], None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert 0 <= seconds <= 3600, seconds
        assert len(self.sleeps) < 10_000, "runaway polling loop"
        self.sleeps.append(seconds)
        self.now += seconds
        self.sim.advance(seconds)
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


@dataclass
class Cli:
    sim: Simulator
    time: FakeTime
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    calls: list[Result] = field(default_factory=list)
    #: $HOME of every invocation: empty unless a test puts a saved key file there.
    home: str = ""

    def _http_client(self) -> httpx.AsyncClient:
        transport = self.transport() if self.transport is not None else httpx.ASGITransport(app=self.sim.app)
        return httpx.AsyncClient(transport=transport)

    def __call__(
        self, *args: str, env: dict[str, str | None] | None = None, stdin: str | None = None
    ) -> Result:
        runtime = Runtime(clock=self.time.clock, sleep=self.time.sleep, http_client=self._http_client)
        environment: dict[str, str | None] = {
            "TESTERARMY_API_KEY": API_KEY,
            "TESTERARMY_BASE_URL": BASE_URL,
            "COLUMNS": "200",
            "HOME": self.home,
            "GITHUB_ACTIONS": None,
            "GITHUB_STEP_SUMMARY": None,
            **(env or {}),
        }
        result = CliRunner().invoke(
            cli, list(args), obj=runtime, env=environment, input=stdin, catch_exceptions=False
        )
        self.calls.append(result)
        assert API_KEY not in result.stdout, "the API key leaked to stdout"
        assert API_KEY not in result.stderr, "the API key leaked to stderr"
        return result

    # --- helpers ------------------------------------------------------------------------------

    def submit(self, prompt: str) -> str:
        """A run created through the CLI itself (``run --no-wait --json``); its id."""
        result = self("run", prompt, "--no-wait", "--json")
        assert result.exit_code == 0, result.stderr
        run_id = json.loads(result.stdout)["id"]
        assert isinstance(run_id, str)
        return run_id

    def api_requests(self, method: str | None = None, operation: str | None = None) -> list[Any]:
        return [
            r
            for r in self.sim.requests
            if (method is None or r.method == method) and (operation is None or r.operation == operation)
        ]


@pytest.fixture
def sim() -> Simulator:
    # Not started: reached in-process. time_scale=0: its clock moves only through FakeTime.sleep.
    return Simulator(api_keys=(API_KEY,), time_scale=0, seed=0)


@pytest.fixture
def fake_time(sim: Simulator) -> FakeTime:
    return FakeTime(sim)


@pytest.fixture
def run_cli(sim: Simulator, fake_time: FakeTime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(sim, fake_time, home=str(tmp_path_factory.mktemp("home")))


ESC = "\x1b"


def assert_plain(text: str) -> None:
    """No escape sequences or carriage returns: what a CI log must receive."""
    assert ESC not in text, repr(text)
    assert "\r" not in text, repr(text)


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


@pytest.fixture
def fake_cli(
    sim: Simulator, fake_time: FakeTime, fake: FakeApi, tmp_path_factory: pytest.TempPathFactory
) -> Cli:
    """The CLI against :class:`FakeApi` (published shapes the simulator does not serve yet)."""
    return Cli(sim, fake_time, transport=fake.transport, home=str(tmp_path_factory.mktemp("home")))
