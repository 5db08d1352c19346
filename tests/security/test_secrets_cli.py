"""The API key never shows in the CLI: stdout, stderr, ``--json``, ``--verbose`` logs and tracebacks.

In-process (CliRunner, real HTTP to a Simulator) with every logger at DEBUG on top of ``--verbose``,
then the installed executable as a subprocess, as a CI job runs it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from testerarmy.cli import cli
from testerarmy.testing import Simulator

from .conftest import KEY, leaks

pytestmark = pytest.mark.integration

TESTERARMY = str(Path(sys.executable).with_name("testerarmy-py"))
OTHER_KEY = "sk_live_OTHER_SECRET_77aa_NEVER_PRINT"
FAST = ["--poll-interval", "0.02"]


@pytest.fixture
def closed_port() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    yield sock.getsockname()[1]
    sock.close()


def _env(sim: Simulator, **extra: str | None) -> dict[str, str | None]:
    return {
        "TESTERARMY_API_KEY": KEY,
        "TESTERARMY_BASE_URL": sim.url,
        "COLUMNS": "200",
        "NO_COLOR": "1",
        **extra,
    }


def _saved_key_home(root: Path) -> Path:
    """A home directory where the official CLI's `ta auth` saved KEY."""
    folder = root / "home" / ".config" / "testerarmy"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"apiKey": KEY}), encoding="utf-8")
    return root / "home"


def test_cli_at_debug_never_shows_the_key(
    sim: Simulator, closed_port: int, debug_logs: Any, tmp_path: Path
) -> None:
    runner = CliRunner()
    outputs: list[tuple[str, int, str, str]] = []

    def invoke(label: str, args: list[str], **env: str | None) -> Any:
        result = runner.invoke(cli, ["--verbose", *args], env=_env(sim, **env), catch_exceptions=False)
        outputs.append((label, result.exit_code, result.stdout, result.stderr))
        return result

    created = json.loads(
        invoke("run --no-wait --json", ["run", "Check the footer", "--no-wait", "--json"]).stdout
    )
    hanging = json.loads(
        invoke("hanging run", ["run", "Never ends [sim:hang]", "--no-wait", "--json"]).stdout
    )
    invoke("run --json", ["run", "Check the login", "--json", *FAST])
    # --timeout bounds the waits: a simulator answering 5xx must fail this test, not hang it.
    invoke("run, failing verdict", ["run", "Check the cart [sim:fail]", "--timeout", "20", *FAST])
    invoke("run, failed run", ["run", "Check the cart [sim:error]", "--json", "--timeout", "20", *FAST])
    invoke("run, timeout", ["run", "Never ends [sim:hang]", "--timeout", "0.1", *FAST])
    invoke("runs get --json", ["runs", "get", created["id"], "--json"])
    invoke("runs list", ["runs", "list"])
    invoke("runs list --json", ["runs", "list", "--json"])
    invoke("runs wait --json", ["runs", "wait", created["id"], "--json", *FAST])
    invoke("runs cancel", ["runs", "cancel", hanging["id"]])
    invoke("runs cancel again", ["runs", "cancel", hanging["id"]])
    invoke("tests trigger", ["tests", "trigger", sim.tests[0].id, "--json", *FAST])
    invoke("groups trigger", ["groups", "trigger", sim.groups[0].id, "--json", *FAST])
    invoke(
        "saved key file, another host",
        ["runs", "list"],
        TESTERARMY_API_KEY=None,
        HOME=str(_saved_key_home(tmp_path)),
    )
    invoke("unknown run", ["runs", "get", str(uuid.uuid4())])
    invoke("key on the command line", ["--api-key", KEY, "runs", "list", "--json"], TESTERARMY_API_KEY=None)
    invoke("rejected key", ["--api-key", OTHER_KEY, "runs", "list"])
    sim.faults.add(method="GET", path="/v1/runs/{id}", status=503, times=None)
    invoke("503 forever", ["--max-retries", "1", "runs", "get", created["id"]])
    sim.faults.clear()
    invoke(
        "unreachable",
        ["--max-retries", "0", "runs", "list"],
        TESTERARMY_BASE_URL=f"http://127.0.0.1:{closed_port}/api",
    )

    codes = {label: code for label, code, _, _ in outputs}
    assert codes["run --json"] == 0
    assert codes["run, failing verdict"] == 1
    assert codes["run, timeout"] == 4
    assert codes["saved key file, another host"] == 2
    assert codes["rejected key"] == codes["unknown run"] == codes["unreachable"] == codes["503 forever"] == 3
    for label, _, stdout, _ in outputs:
        if "--json" in label and codes[label] == 0:
            json.loads(stdout)  # --json output is JSON (and is searched below like everything else)
    all_stderr = "\n".join(stderr for _, _, _, stderr in outputs)
    assert "Traceback" in all_stderr  # --verbose printed tracebacks of the errors
    assert {"testerarmy", "httpx", "httpcore"} <= debug_logs.loggers
    leaked = [
        (label, where)
        for label, _, stdout, stderr in outputs
        for where, text in (("stdout", stdout), ("stderr", stderr))
        if leaks(text, (KEY, OTHER_KEY))
    ]
    leaked += [("logs", "")] if leaks("\n".join(debug_logs.lines), (KEY, OTHER_KEY)) else []
    assert leaked == [], f"the key appears in: {leaked}"


@pytest.mark.parametrize(
    ("args", "fault", "code"),
    [
        (["--verbose", "run", "Check the footer", "--json", *FAST], None, 0),
        (["--verbose", "--max-retries", "0", "runs", "list", "--json"], {"status": 500, "body": "html"}, 3),
        (["--verbose", "--api-key", KEY, "runs", "get", "00000000-0000-4000-8000-000000000000"], None, 3),
    ],
    ids=["run --json", "html 500", "key as an argument"],
)
def test_installed_executable_never_prints_the_key(
    sim: Simulator, args: list[str], fault: dict[str, Any] | None, code: int
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTERARMY_")}
    env.update({"TESTERARMY_API_KEY": KEY, "TESTERARMY_BASE_URL": sim.url, "NO_COLOR": "1"})
    if fault is not None:
        sim.faults.add(method="GET", path="/v1/runs", times=None, **fault)
    result = subprocess.run(
        [TESTERARMY, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == code, result.stderr
    assert not leaks(result.stdout + result.stderr)
    if code == 3:
        assert "Traceback" in result.stderr  # --verbose: the traceback is there, scrubbed
