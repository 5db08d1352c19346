"""Plumbing shared by the client benchmarks: a scaled clock and measurement subprocesses.

The simulator runs in the benchmark process (a background thread) and the client under test runs
in a *fresh* child process (``python -m bench._worker``): client and server then do not share one
GIL, and the child's peak RSS and import state belong to the client alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["REPO", "ConnectionCounter", "ScaledClock", "run_worker"]

REPO = Path(__file__).resolve().parent.parent


class ScaledClock:
    """Simulated seconds on top of ``time.monotonic``: ``scale`` real seconds per simulated second.

    The simulator's ``time_scale`` has the same meaning, so a client given ``clock=now`` and
    ``sleep=sleep`` lives on the simulator's timeline (its 10 s poll interval takes ``10 * scale``
    real seconds) — a 60 s run takes ``60 * scale`` real seconds and nothing else changes.
    """

    def __init__(self, scale: float) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be > 0, got {scale!r}")
        self.scale = scale

    def now(self) -> float:
        return time.monotonic() / self.scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    async def asleep(self, seconds: float) -> None:
        import anyio

        await anyio.sleep(seconds * self.scale)

    def to_monotonic(self, simulated: float) -> float:
        return simulated * self.scale


def run_worker(task: str, payload: dict[str, Any], timeout: float = 300.0) -> dict[str, Any]:
    """Run ``bench._worker <task>`` in a fresh interpreter; its JSON answer (last stdout line)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench._worker", task],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {task!r} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


class ConnectionCounter:
    """Counts the TCP connections made to a local server port, from the outside.

    A background thread samples ``/proc/net/tcp`` and ``/proc/net/tcp6`` (Linux) every few
    milliseconds and remembers each distinct established peer of ``port``. A client's pooled
    connections live for the whole measurement, so sampling sees them all, and the client under
    test stays exactly as users get it (no hooks, no wrapper). ``count`` is ``None`` where
    ``/proc/net`` does not exist.
    """

    def __init__(self, port: int, every: float = 0.1) -> None:
        self._port = f"{port:04X}"
        self._every = every
        self._peers: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self.available = Path("/proc/net/tcp").exists()

    def __enter__(self) -> ConnectionCounter:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()
            self._sample()

    @property
    def count(self) -> int | None:
        return len(self._peers) if self.available else None

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(self._every):
            self._sample()

    def _sample(self) -> None:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                # The server's side of an established (01) connection: local port is ours.
                if state == "01" and local.rsplit(":", 1)[1] == self._port:
                    self._peers.add(remote)
