"""CLI integration tests: the real ``testerarmy`` executable as a subprocess, against a Simulator
listening on 127.0.0.1 (real HTTP, small time scale: a default run takes ~0.2 s of real time)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import pytest
from testerarmy.testing import Simulator

API_KEY = "sk_test_CLIPROC_0xC0FFEE_never_printed"
# The console script installed next to the interpreter running the tests (the venv's bin/).
TESTERARMY = str(Path(sys.executable).with_name("testerarmy-py"))
# Every test polls fast: the simulator's runs finish in well under a second.
FAST = ("--poll-interval", "0.02")
# An empty home directory: a key saved by the official CLI on this machine must not leak into tests.
EMPTY_HOME = tempfile.mkdtemp(prefix="testerarmy-cli-home-")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(API_KEY,), time_scale=0.01, seed=1) as simulator:
        yield simulator


def cli_env(sim: Simulator | None, **overrides: str | None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TESTERARMY_", "FORCE_COLOR", "NO_COLOR"))
    }
    env["TESTERARMY_API_KEY"] = API_KEY
    if sim is not None:
        env["TESTERARMY_BASE_URL"] = sim.url
    env["COLUMNS"] = "200"
    env["HOME"] = EMPTY_HOME
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _default_sigint() -> None:
    # The child must get a Ctrl-C as a Ctrl-C even if this test process was started with SIGINT
    # ignored (some CI runners do that; Python then keeps ignoring it in children).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(
    args: Sequence[str], env: dict[str, str], *, module: bool = False, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "testerarmy"] if module else [TESTERARMY]
    result = subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert API_KEY not in result.stdout + result.stderr, "the API key leaked"
    return result


class Process:
    """A running CLI with its output collected line by line in the background."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [TESTERARMY, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_default_sigint,
        )
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._events: queue.Queue[None] = queue.Queue()
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._collect, args=(name, stream), daemon=True)
            for name, stream in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr))
        ]
        for reader in self._readers:
            reader.start()

    def _collect(self, name: str, stream: IO[str]) -> None:
        for line in stream:
            self.lines[name].append(line)
            self._events.put(None)

    def text(self, name: str) -> str:
        return "".join(self.lines[name])

    def _drain(self) -> None:
        for reader in self._readers:
            reader.join(timeout=10)

    def wait_for(self, name: str, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        """Block until ``predicate(<all of stdout or stderr so far>)``; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not predicate(self.text(name)):
            if self.proc.poll() is not None:
                self._drain()
                if predicate(self.text(name)):
                    break
                raise AssertionError(f"the CLI exited ({self.proc.returncode}); {name}: {self.text(name)!r}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting on {name}: {self.text(name)!r}")
            with contextlib.suppress(queue.Empty):
                self._events.get(timeout=min(remaining, 0.1))
        return self.text(name)

    def finish(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._drain()
        assert API_KEY not in self.text("stdout") + self.text("stderr"), "the API key leaked"
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
