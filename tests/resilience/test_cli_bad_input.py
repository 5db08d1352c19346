"""Bad CLI input: one clear ``Error:`` line, the documented exit code, and nothing sent.

Exit codes (docs/cli.md): 2 = usage or input error (nothing sent), 3 = API error or API unreachable.
Most cases run in-process (click's CliRunner, real HTTP to a Simulator on 127.0.0.1); a few run the
installed ``testerarmy-py`` executable as a subprocess, as a CI job would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from testerarmy.cli import cli
from testerarmy.testing import Simulator

from .conftest import KEY

pytestmark = pytest.mark.integration

TESTERARMY = str(Path(sys.executable).with_name("testerarmy-py"))
RUN = str(uuid.uuid4())
USAGE, API = 2, 3

# (what is wrong, arguments, environment overrides, exit code, fragment of the error line)
CASES: list[tuple[str, list[str], dict[str, str | None], int, str]] = [
    ("unknown option", ["run", "--bogus", "x"], {}, USAGE, "No such option '--bogus'"),
    ("unknown command", ["launch"], {}, USAGE, "No such command 'launch'"),
    ("missing prompt", ["run"], {}, USAGE, "Missing argument 'PROMPT|PATH'"),
    ("empty prompt", ["run", ""], {}, USAGE, "must not be empty"),
    ("blank prompt", ["run", "  \t "], {}, USAGE, "must not be empty"),
    ("non-UUID run id", ["runs", "get", "latest"], {}, USAGE, "not a valid UUID"),
    ("path in a run id", ["runs", "cancel", "../../v1/tests"], {}, USAGE, "not a valid UUID"),
    ("non-UUID wait", ["runs", "wait", "abc"], {}, USAGE, "not a valid UUID"),
    ("non-UUID test", ["tests", "trigger", "login"], {}, USAGE, "not a valid UUID"),
    ("non-UUID group", ["groups", "trigger", "smoke"], {}, USAGE, "not a valid UUID"),
    ("zero timeout", ["run", "x", "--timeout", "0"], {}, USAGE, "'--timeout'"),
    ("negative timeout", ["run", "x", "--timeout", "-5"], {}, USAGE, "'--timeout'"),
    ("text timeout", ["run", "x", "--timeout", "soon"], {}, USAGE, "'--timeout'"),
    ("zero poll interval", ["run", "x", "--poll-interval", "0"], {}, USAGE, "'--poll-interval'"),
    ("ftp webhook", ["run", "x", "--webhook-url", "ftp://h.example/x"], {}, USAGE, "'--webhook-url'"),
    ("relative webhook", ["run", "x", "--webhook-url", "/hook"], {}, USAGE, "'--webhook-url'"),
    ("too many retries", ["--max-retries", "99", "runs", "list"], {}, USAGE, "'--max-retries'"),
    ("negative retries", ["--max-retries", "-1", "runs", "list"], {}, USAGE, "'--max-retries'"),
    ("zero page size", ["runs", "list", "--limit", "0"], {}, USAGE, "'--limit'"),
    ("huge page size", ["runs", "list", "--limit", "1000"], {}, USAGE, "'--limit'"),
    ("no API key", ["runs", "list"], {"TESTERARMY_API_KEY": None}, USAGE, "no API key"),
    ("blank API key", ["runs", "list"], {"TESTERARMY_API_KEY": "   "}, USAGE, "no API key"),
    ("API key with a space", ["runs", "list"], {"TESTERARMY_API_KEY": "sk_live one"}, USAGE, "whitespace"),
    ("ftp base URL", ["--base-url", "ftp://127.0.0.1/api", "runs", "list"], {}, USAGE, "base_url"),
    (
        "base URL ending in /v1",
        ["runs", "list"],
        {"TESTERARMY_BASE_URL": "http://127.0.0.1:9/api/v1"},
        USAGE,
        "/v1",
    ),
    (
        "plain http to a remote host",
        ["--base-url", "http://example.com/api", "runs", "list"],
        {},
        USAGE,
        "plain http://",
    ),
    (
        "garbage base URL",
        ["runs", "list"],
        {"TESTERARMY_BASE_URL": "not a url"},
        USAGE,
        "TESTERARMY_BASE_URL",
    ),
    # Well-formed, but the API says no: exit 3, and the line says what the API said.
    ("wrong API key", ["runs", "list"], {"TESTERARMY_API_KEY": "sk_live_WRONG_0000"}, API, "401"),
    ("unknown run", ["runs", "get", RUN], {}, API, "404"),
    ("unknown run, --json", ["runs", "get", RUN, "--json"], {}, API, "404"),
    # click.FloatRange let these through; the CLI now refuses them before sending anything.
    ("NaN timeout", ["run", "x", "--timeout", "nan"], {}, USAGE, "'--timeout'"),
    ("infinite timeout", ["run", "x", "--timeout", "inf"], {}, USAGE, "'--timeout'"),
    ("NaN poll interval", ["run", "x", "--poll-interval", "nan"], {}, USAGE, "'--poll-interval'"),
    # Reports, suites, the api command, batches: refused before anything is sent.
    (
        "junit into a missing dir",
        ["run", "x", "--junit-xml", "/nonexistent-dir/r.xml"],
        {},
        USAGE,
        "does not exist",
    ),
    ("junit onto a directory", ["run", "x", "--junit-xml", "/"], {}, USAGE, "'--junit-xml'"),
    ("zero parallel", ["run", "x", "--parallel", "0"], {}, USAGE, "'--parallel'"),
    (
        "missing rerun report",
        ["run", "x", "--rerun-failed", "/nonexistent.xml"],
        {},
        USAGE,
        "'--rerun-failed'",
    ),
    ("ftp target URL", ["run", "x", "--target-url", "ftp://h.example"], {}, USAGE, "'--target-url'"),
    ("bad target URL variable", ["run", "x"], {"TESTERARMY_TARGET_URL": "nope"}, USAGE, "'--target-url'"),
    ("api without a path", ["api", "GET"], {}, USAGE, "METHOD /path"),
    ("api unknown operation", ["api", "GET /v1/nowhere"], {}, USAGE, "no operation GET /v1/nowhere"),
    (
        "api unknown parameter",
        ["api", "GET /v1/runs", "-f", "colour=red"],
        {},
        USAGE,
        "no parameter 'colour'",
    ),
    ("api bad JSON field", ["api", "GET /v1/runs", "-F", "limit=[1"], {}, USAGE, "not valid JSON"),
    ("api missing required", ["api", "POST /v1/runs"], {}, USAGE, "prompt is required"),
    ("api enum", ["api", "GET /v1/runs", "-f", "status=late"], {}, USAGE, "status"),
    ("non-UUID batch", ["batches", "cancel", "last"], {}, USAGE, "not a valid UUID"),
    ("non-UUID batch rerun", ["batches", "rerun", "last"], {}, USAGE, "not a valid UUID"),
    (
        "suite without a target URL",
        ["run", "SUITE_NEEDING_TARGET"],
        {"TESTERARMY_TARGET_URL": None},
        USAGE,
        "<target_url>",
    ),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,), time_scale=0.01, seed=0) as simulator:
        yield simulator


# An empty home (no saved key of the official CLI) and a suite whose scenario needs a target URL.
_SCRATCH = Path(tempfile.mkdtemp(prefix="testerarmy-bad-input-"))
(_SCRATCH / "suite").mkdir()
(_SCRATCH / "suite" / "01.md").write_text("Open <target_url>", encoding="utf-8")


def _environment(sim: Simulator, overrides: dict[str, str | None]) -> dict[str, str | None]:
    return {
        "HOME": str(_SCRATCH),
        "GITHUB_ACTIONS": None,
        "TESTERARMY_TARGET_URL": None,
        "TESTERARMY_API_KEY": KEY,
        "TESTERARMY_BASE_URL": sim.url,
        "COLUMNS": "200",
        "NO_COLOR": "1",
        **overrides,
    }


def _assert_one_error_line(stderr: str, fragment: str) -> None:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, stderr
    assert fragment in errors[0], stderr
    assert KEY not in stderr
    # click's usage errors put "Usage: ... / Try ... --help" above the one error line; nothing else.
    others = [line for line in stderr.splitlines() if line.strip() and not line.startswith("Error: ")]
    assert all(line.startswith(("Usage: ", "Try ")) for line in others), stderr


def _invoke(sim: Simulator, case: tuple[str, list[str], dict[str, str | None], int, str]) -> None:
    _, args, overrides, code, fragment = case
    args = [str(_SCRATCH / "suite") if arg == "SUITE_NEEDING_TARGET" else arg for arg in args]
    sim.requests.clear()
    result = CliRunner().invoke(cli, args, env=_environment(sim, overrides), catch_exceptions=False)
    assert result.exit_code == code, result.stderr
    _assert_one_error_line(result.stderr, fragment)
    assert KEY not in result.stdout
    assert result.stdout.strip() == ""  # errors go to stderr; stdout stays parseable
    if code == USAGE:
        assert list(sim.requests) == [], "a usage error sent a request"


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_cli_bad_input(case: tuple[str, list[str], dict[str, str | None], int, str], sim: Simulator) -> None:
    _invoke(sim, case)


def test_cli_unreachable_base_url(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/api"
    result = CliRunner().invoke(
        cli,
        ["--max-retries", "0", "runs", "list"],
        env={"TESTERARMY_API_KEY": KEY, "TESTERARMY_BASE_URL": url},
    )
    assert result.exit_code == API
    _assert_one_error_line(result.stderr, f"cannot reach the TesterArmy API at {url}")


@pytest.mark.parametrize(
    ("args", "env", "code", "fragment"),
    [
        (["run", "x", "--bogus"], {}, USAGE, "No such option"),
        (["runs", "list"], {"TESTERARMY_API_KEY": None}, USAGE, "no API key"),
        (["--max-retries", "0", "runs", "list"], {"TESTERARMY_BASE_URL": "CLOSED"}, API, "cannot reach"),
    ],
    ids=["bad flag", "missing key", "unreachable"],
)
def test_the_installed_executable(
    args: list[str], env: dict[str, str | None], code: int, fragment: str, sim: Simulator, closed_port: int
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TESTERARMY_")}
    for name, value in _environment(sim, env).items():
        if value == "CLOSED":
            value = f"http://127.0.0.1:{closed_port}/api"
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    sim.requests.clear()
    result = subprocess.run(
        [TESTERARMY, *args], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == code, result.stderr
    _assert_one_error_line(result.stderr, fragment)
    assert result.stdout == ""
    assert list(sim.requests) == []
