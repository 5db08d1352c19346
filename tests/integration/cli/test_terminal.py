"""TTY vs not: under a pseudo terminal the progress is redrawn in place; through pipes it is plain."""

from __future__ import annotations

import itertools
import os
import pty
import re
import select
import subprocess
import time

import pytest
from testerarmy.testing import Simulator

from .conftest import API_KEY, FAST, TESTERARMY, cli_env

pytestmark = pytest.mark.integration

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run_in_pty(args: list[str], env: dict[str, str], timeout: float = 30.0) -> tuple[int, str]:
    """Run the CLI with stdin/stdout/stderr on a pseudo terminal; everything it wrote, decoded."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([TESTERARMY, *args], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def test_tty_gets_live_progress_updated_in_place(sim: Simulator) -> None:
    # 20 + 60 simulated seconds at time scale 0.01: ~0.8 s of real time, several live refreshes.
    env = cli_env(sim, TERM="xterm-256color")
    code, output = _run_in_pty(["run", "Check the search [sim:queue=20] [sim:duration=60]", *FAST], env)

    assert code == 0, output
    assert "\x1b[" in output  # styled
    assert "\x1b[2K" in output  # lines erased and redrawn: the display updates in place
    assert "\x1b[?25l" in output  # the cursor is hidden while the display is live ...
    assert "\x1b[?25h" in output  # ... and shown again at the end
    plain = ANSI.sub("", output)
    assert re.search(r"run [0-9a-f-]{36}: \w+ → completed \(PASS\)", plain)  # transitions stay
    assert re.search(r"(queued|running) \d+\.\ds", plain)  # the live row: status and elapsed time
    assert "PASS  " in plain  # the summary
    assert API_KEY not in output


def test_dumb_terminal_gets_plain_lines(sim: Simulator) -> None:
    code, output = _run_in_pty(["run", "Check the search", *FAST], cli_env(sim, TERM="dumb"))

    assert code == 0, output
    assert "\x1b" not in output
    assert re.search(r"run [0-9a-f-]{36}: \w+ → completed \(PASS\)", output)


def test_pipes_get_plain_lines_only(sim: Simulator) -> None:
    result = subprocess.run(
        [TESTERARMY, "run", "Check the search [sim:queue=20] [sim:duration=40]", *FAST],
        env=cli_env(sim, TERM="xterm-256color", FORCE_COLOR="1"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    everything = result.stdout + result.stderr
    assert "\x1b" not in everything
    assert "\r" not in everything
    # One line per status change, each continuing from the previous one (which statuses the polls
    # observe depends on timing; the exact sequence is pinned by tests/unit/cli).
    changes = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith("[+")]
    assert len(changes) >= 2
    assert changes[0] == "queued"
    for before, after in itertools.pairwise(changes):
        assert after.startswith(before.split(" → ")[-1] + " → ")
    assert changes[-1].endswith("→ completed (PASS)")
