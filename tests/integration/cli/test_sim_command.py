"""``testerarmy sim`` in the foreground, used by ``testerarmy run`` (what ``make demo`` shows)."""

from __future__ import annotations

import re
import signal

import pytest

from .conftest import FAST, Process, cli_env, run_cli

pytestmark = pytest.mark.integration


def test_sim_prints_url_and_key_serves_runs_and_stops_on_ctrl_c() -> None:
    server = Process(["sim", "--port", "0", "--time-scale", "0.01"], cli_env(None))
    try:
        banner = server.wait_for("stdout", lambda text: "Press Ctrl-C to stop." in text)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+/api)", banner)
        key = re.search(r"API key:\s+(\S+)", banner)
        assert url is not None, banner
        assert key is not None, banner
        assert f"export TESTERARMY_BASE_URL={url.group(1)}" in banner
        assert f"export TESTERARMY_API_KEY={key.group(1)}" in banner

        env = cli_env(None, TESTERARMY_BASE_URL=url.group(1), TESTERARMY_API_KEY=key.group(1))
        demo = run_cli(["run", "Check that the checkout accepts the test card", *FAST], env)
        assert demo.returncode == 0, demo.stderr
        assert demo.stdout.startswith("PASS  ")

        server.proc.send_signal(signal.SIGINT)
        assert server.finish() == 0
        assert server.text("stdout").rstrip().endswith("Simulator stopped.")
    finally:
        server.kill()


def test_sim_stops_cleanly_on_sigterm() -> None:
    server = Process(["sim", "--port", "0"], cli_env(None))
    try:
        server.wait_for("stdout", lambda text: "Press Ctrl-C to stop." in text)
        server.proc.send_signal(signal.SIGTERM)
        assert server.finish() == 0
        assert server.text("stdout").rstrip().endswith("Simulator stopped.")
        assert server.text("stderr") == ""
    finally:
        server.kill()
