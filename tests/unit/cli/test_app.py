"""The command group: help, version, main(), --verbose, error reporting, redaction, import cost."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest
import testerarmy
from testerarmy.cli import main
from testerarmy.cli._exit import EXIT_CODES_HELP
from testerarmy.cli._options import DEFAULT_GROUP_TIMEOUT, DEFAULT_RUN_TIMEOUT

from .conftest import API_KEY, Cli


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["runs", "wait", "--help"], ["groups", "trigger", "--help"]]
)
def test_help_documents_the_exit_codes(run_cli: Cli, args: list[str]) -> None:
    result = run_cli(*args)

    assert result.exit_code == 0
    for line in EXIT_CODES_HELP.splitlines()[1:]:
        assert line.strip() in result.stdout


def test_help_names_the_environment_variables(run_cli: Cli) -> None:
    result = run_cli("--help")

    assert "TESTERARMY_API_KEY" in result.stdout
    assert "TESTERARMY_BASE_URL" in result.stdout
    for command in ("run", "runs", "tests", "groups", "sim"):
        assert f"  {command} " in result.stdout


def test_version(run_cli: Cli) -> None:
    result = run_cli("--version")

    assert result.exit_code == 0
    assert result.stdout.strip() == f"testerarmy-py {testerarmy.__version__}"


def test_main_returns_exit_codes_without_raising(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert main(["--bogus"]) == 2
    assert "No such option" in capsys.readouterr().err
    assert main(["runs", "get", "nope"]) == 2


def test_main_missing_key_is_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TESTERARMY_API_KEY", raising=False)
    assert main(["runs", "list"]) == 2
    assert "TESTERARMY_API_KEY" in capsys.readouterr().err


def test_wait_defaults_match_the_client() -> None:
    from testerarmy._resources.groups import DEFAULT_GROUP_WAIT_TIMEOUT
    from testerarmy._resources.runs import DEFAULT_WAIT_TIMEOUT

    assert DEFAULT_RUN_TIMEOUT == DEFAULT_WAIT_TIMEOUT
    assert DEFAULT_GROUP_TIMEOUT == DEFAULT_GROUP_WAIT_TIMEOUT


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_the_sdk_does_not_import_the_cli() -> None:
    modules = _modules_after("import testerarmy")
    assert not {m for m in modules if m.startswith(("testerarmy.cli", "click", "rich"))}


def test_importing_the_cli_defers_rich_httpx_and_the_client() -> None:
    # testerarmy.cli itself imports click only when the command runs (tests/unit/packaging/test_extras.py).
    modules = _modules_after("import testerarmy.cli._app")
    assert "click" in modules
    assert not {m for m in modules if m.split(".")[0] in ("rich", "httpx", "anyio", "testerarmy_api")}
    assert "testerarmy._client" not in modules


def test_verbose_logs_requests_with_the_key_redacted(run_cli: Cli) -> None:
    result = run_cli("--verbose", "run", "Check it")

    assert result.exit_code == 0
    assert "INFO httpx: HTTP Request: POST http://127.0.0.1/api/v1/runs" in result.stderr
    assert "DEBUG testerarmy: Request POST" in result.stderr
    assert "'authorization': '<redacted>'" in result.stderr
    # (the fixture asserts that API_KEY itself appears nowhere)


def test_a_server_echoing_the_key_cannot_make_the_cli_print_it(run_cli: Cli) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers["authorization"]
        return httpx.Response(401, json={"error": "Unauthorized", "message": f"bad key: {sent}"})

    run_cli.transport = lambda: httpx.MockTransport(echo)
    for args in (["runs", "list"], ["--verbose", "runs", "list"]):
        result = run_cli(*args)
        assert result.exit_code == 3
        assert "bad key: Bearer <redacted>" in result.stderr


def test_unexpected_error_one_line_exit_3_traceback_only_with_verbose(run_cli: Cli) -> None:
    def crash(request: httpx.Request) -> httpx.Response:
        # Not an httpx error, so the SDK passes it through untouched, key and all.
        raise RuntimeError(f"exploded while sending {request.headers['authorization']}")

    run_cli.transport = lambda: httpx.MockTransport(crash)
    quiet = run_cli("runs", "list")
    loud = run_cli("--verbose", "runs", "list")

    assert quiet.exit_code == loud.exit_code == 3
    assert quiet.stderr.splitlines() == [
        "Error: unexpected RuntimeError: exploded while sending Bearer <redacted>",
        "(run with --verbose for the traceback)",
    ]
    assert "Traceback (most recent call last)" in loud.stderr
    assert "RuntimeError: exploded while sending Bearer <redacted>" in loud.stderr


def test_key_given_as_option_is_redacted_too(run_cli: Cli) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(request.headers["authorization"])

    run_cli.transport = lambda: httpx.MockTransport(echo)
    result = run_cli("--verbose", "--api-key", API_KEY, "runs", "list", env={"TESTERARMY_API_KEY": None})

    assert result.exit_code == 3
    assert "Bearer <redacted>" in result.stderr


def test_unreachable_api_is_exit_3_with_one_line(run_cli: Cli) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    run_cli.transport = lambda: httpx.MockTransport(refuse)
    result = run_cli("--max-retries", "0", "run", "x")

    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: cannot reach the TesterArmy API at http://127.0.0.1/api: ")
    assert "Connection refused" in line


def test_sim_without_the_extra_is_a_usage_error(run_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "testerarmy.testing", None)

    result = run_cli("sim")

    assert result.exit_code == 2
    assert "pip install 'testerarmy[sim]'" in result.stderr


def test_sim_on_a_busy_port_is_a_usage_error(run_cli: Cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = run_cli("sim", "--port", str(port))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"testerarmy sim: cannot listen on 127.0.0.1:{port}")


def test_plain_http_to_a_remote_host_is_refused_with_the_flag_to_use(run_cli: Cli) -> None:
    result = run_cli("--base-url", "http://qa.internal/api", "runs", "list")
    assert result.exit_code == 2
    assert "--allow-insecure-http" in result.stderr
    assert "allow_insecure_http=True" not in result.stderr  # the Python argument means nothing here


def test_allow_insecure_http_lets_plain_http_to_a_remote_host_through(run_cli: Cli) -> None:
    # (The in-process transport never contacts the host; what is tested is that the CLI accepts it.)
    result = run_cli("--allow-insecure-http", "--base-url", "http://qa.internal/api", "runs", "list")
    assert result.exit_code == 0, result.stderr
