"""Starting and stopping the server: context manager, free ports, CLI entry points."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from testerarmy.testing import Simulator
from testerarmy.testing.__main__ import main

pytestmark = pytest.mark.integration


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_context_manager_starts_and_stops():
    sim = Simulator(time_scale=0)
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.url
    with sim:
        assert sim.running
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", sim.url)
        assert sim.admin_url == sim.url.removesuffix("/api") + "/_sim"
        assert httpx.get(f"{sim.admin_url}/health", trust_env=False).json() == {"ok": True}
        port = sim.port
    assert not sim.running
    assert port_is_free(port)
    sim.stop()  # idempotent


def test_two_simulators_get_different_ports():
    with Simulator(time_scale=0) as a, Simulator(time_scale=0) as b:
        assert a.port != b.port


def test_a_busy_port_fails_clearly():
    with Simulator(time_scale=0) as first, pytest.raises(OSError):
        Simulator(time_scale=0, port=first.port).start()


def test_stop_ends_injected_latency_so_in_flight_requests_finish():
    sim = Simulator(time_scale=0).start()
    sim.faults.add(path="*", latency=30)
    statuses: list[int] = []

    def slow_call() -> None:
        resp = httpx.get(f"{sim.url}/v1/runs", headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=60)
        statuses.append(resp.status_code)

    thread = threading.Thread(target=slow_call, daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    sim.stop()
    thread.join(5)
    assert time.monotonic() - started < 5
    assert not sim.running
    assert statuses == [200]  # answered normally, not cut off by the shutdown


def test_rate_limit_over_http():
    with Simulator(time_scale=0, rate_limit="3/10") as sim:
        headers = {"Authorization": f"Bearer {sim.api_key}"}
        statuses = [httpx.get(f"{sim.url}/v1/runs", headers=headers).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        resp = httpx.get(f"{sim.url}/v1/runs", headers=headers)
        assert resp.json()["error"] == "RateLimited"
        assert 1 <= int(resp.headers["retry-after"]) <= 10


def test_main_serves_until_stopped_and_never_prints_the_key():
    out = io.StringIO()
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            main(["--port", "0", "--api-key", "sk_test_cli_secret", "--time-scale", "0"], stop=stop, out=out)
        )
    )
    thread.start()
    deadline = time.monotonic() + 10
    while "listening on" not in out.getvalue():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    url = re.search(r"listening on (\S+)", out.getvalue()).group(1)
    resp = httpx.post(
        f"{url}/v1/runs", json={"prompt": "x"}, headers={"Authorization": "Bearer sk_test_cli_secret"}
    )
    assert resp.status_code == 202
    stop.set()
    thread.join(10)
    assert result == [0]
    assert "sk_test_cli_secret" not in out.getvalue()
    assert "stopped" in out.getvalue()


def test_python_dash_m_entry_point_runs_a_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "testerarmy.testing", "--port", "0", "--time-scale", "0.01", "--access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl-C to stop." not in banner:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            banner += line
        url = re.search(r"listening on (\S+)", banner).group(1)
        token = re.search(r"X-Sim-Admin-Token: (\S+)\)", banner).group(1)
        key = re.search(r"API key:\s+(sk_test_sim_\S+)  \(generated\)", banner).group(1)
        headers = {"Authorization": f"Bearer {key}"}
        run_id = httpx.post(f"{url}/v1/runs", json={"prompt": "x"}, headers=headers).json()["id"]
        assert httpx.get(f"{url}/v1/runs/{run_id}", headers=headers).status_code == 200
        root = url.removesuffix("/api")
        state = httpx.get(f"{root}/_sim/state", headers={"X-Sim-Admin-Token": token}).json()
        assert [g["name"] for g in state["groups"]] == ["All Tests", "Smoke"]
        access = proc.stdout.readline()
        assert access.startswith("POST /api/v1/runs -> 202")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert (banner + out + err).count(
        key
    ) == 2  # the generated key: in the banner and its export line, nowhere else
