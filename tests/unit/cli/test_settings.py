"""Where the key and the base URL come from: flags > environment > the official CLI's saved key
file (read only, never printed, default host only) > one error naming all three; origin-only
base URLs; the command name and ``python -m testerarmy``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from testerarmy.cli._settings import api_base_url

from .conftest import API_KEY, Cli

OTHER_KEY = "sk_test_OTHER_0xBAD_never_sent"


def _save_key(home: str, content: object) -> Path:
    path = Path(home) / ".config" / "testerarmy" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _statuses(run_cli: Cli) -> list[int]:
    # The simulator accepts only API_KEY (OTHER_KEY gets 401), and it never records the header.
    return [request.status for request in run_cli.sim.requests]


def _default_host_env() -> dict[str, str | None]:
    # The saved key is only for the default host: no TESTERARMY_BASE_URL; the in-process transport
    # answers for https://tester.army/api just as it would for any host.
    return {"TESTERARMY_API_KEY": None, "TESTERARMY_BASE_URL": None}


def test_the_saved_key_is_used_when_no_flag_or_variable_is_set_and_never_printed(run_cli: Cli) -> None:
    path = _save_key(run_cli.home, {"apiKey": API_KEY})
    before = path.read_bytes()

    result = run_cli("--verbose", "runs", "list", env=_default_host_env())

    assert result.exit_code == 0, result.stderr
    assert _statuses(run_cli) == [200]
    # Cli asserts the key is in neither stream; the file is read, never written.
    assert path.read_bytes() == before


def test_the_variable_wins_over_the_saved_key_and_the_flag_over_both(run_cli: Cli) -> None:
    _save_key(run_cli.home, {"apiKey": OTHER_KEY})
    env = {"TESTERARMY_BASE_URL": None}

    assert run_cli("runs", "list", env=env).exit_code == 0  # TESTERARMY_API_KEY is set
    assert (
        run_cli("--api-key", API_KEY, "runs", "list", env={**env, "TESTERARMY_API_KEY": OTHER_KEY}).exit_code
        == 0
    )

    assert _statuses(run_cli) == [200, 200]


def test_the_saved_key_is_not_sent_to_another_host(run_cli: Cli) -> None:
    _save_key(run_cli.home, {"apiKey": API_KEY})

    result = run_cli("runs", "list", env={"TESTERARMY_API_KEY": None})  # TESTERARMY_BASE_URL: 127.0.0.1

    assert result.exit_code == 2
    assert len(run_cli.sim.requests) == 0
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "only used for https://tester.army" in line


def test_no_key_anywhere_is_one_line_naming_all_three_sources(run_cli: Cli) -> None:
    result = run_cli("runs", "list", env=_default_host_env())

    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    for source in ("--api-key", "TESTERARMY_API_KEY", "testerarmy auth", "~/.config/testerarmy/config.json"):
        assert source in line
    assert len(run_cli.sim.requests) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ({"apiKey": 12345}, '"apiKey" must be a string'),
    ],
)
def test_a_broken_saved_file_is_a_usage_error_that_does_not_show_its_content(
    run_cli: Cli, content: object, message: str
) -> None:
    _save_key(run_cli.home, content)

    result = run_cli("runs", "list", env=_default_host_env())

    assert result.exit_code == 2
    assert message in result.stderr
    assert "12345" not in result.stderr
    assert "{not json" not in result.stderr
    assert len(run_cli.sim.requests) == 0


def test_a_saved_file_without_api_key_counts_as_no_key(run_cli: Cli) -> None:
    _save_key(run_cli.home, {"somethingElse": True})

    result = run_cli("runs", "list", env=_default_host_env())

    assert result.exit_code == 2
    assert "no API key" in result.stderr


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://tester.army", "https://tester.army/api"),
        ("https://tester.army/", "https://tester.army/api"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/api"),
        ("https://tester.army/api", "https://tester.army/api"),
        ("https://proxy.example/testerarmy/api", "https://proxy.example/testerarmy/api"),
        (None, None),
        ("  ", None),
    ],
)
def test_an_origin_gets_the_api_path(given: str | None, expected: str | None) -> None:
    assert api_base_url(given) == expected


def test_an_origin_only_base_url_works_end_to_end(run_cli: Cli) -> None:
    result = run_cli("runs", "list", env={"TESTERARMY_BASE_URL": "http://127.0.0.1"})

    assert result.exit_code == 0, result.stderr
    assert [request.path for request in run_cli.sim.requests] == ["/api/v1/runs"]


def _python(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTERARMY_")}
    code = prelude + "import runpy; runpy.run_module('testerarmy', run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_python_dash_m_testerarmy_is_the_command() -> None:
    result = _python("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("testerarmy-py ")


def test_python_dash_m_testerarmy_without_the_cli_extra_names_it_in_one_line() -> None:
    result = _python("--version", prelude="import sys; sys.modules['click'] = None\n")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "'cli' extra" in line
    assert "pip install 'testerarmy[cli]'" in line
