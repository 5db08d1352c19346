"""The simulator's command line (``testerarmy-sim``, ``python -m testerarmy.testing`` and
``testerarmy sim`` share it); serving is tested in tests/integration/simulator."""

from __future__ import annotations

import json

import pytest
from testerarmy.testing import FaultSpec, Outcome, RateLimit
from testerarmy.testing.__main__ import build_parser, main, simulator_from_args
from testerarmy.testing._cli import DEFAULT_TIME_SCALE


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_defaults():
    args = parse()
    assert (args.host, args.port, args.time_scale, args.seed) == ("127.0.0.1", 8787, DEFAULT_TIME_SCALE, 0)
    sim = simulator_from_args(args)
    assert [g.name for g in sim.groups] == ["All Tests", "Smoke"]  # the project's default group first


def test_options_reach_the_simulator():
    args = parse(
        "--port",
        "0",
        "--api-key",
        "sk_a",
        "--api-key",
        "sk_b",
        "--time-scale",
        "0.01",
        "--seed",
        "7",
        "--rate-limit",
        "5/2",
        "--rule",
        "checkout=fail",
        "--default-outcome",
        "error",
        "--fault",
        '{"path": "runs.get", "statuses": [503, 503]}',
        "--no-demo-data",
        "--admin-token",
        "adm",
    )
    assert args.rate_limit == RateLimit(5, 2)
    assert args.fault == [FaultSpec(path="runs.get", statuses=(503, 503))]
    assert args.rule[0].outcome is Outcome.FAIL
    sim = simulator_from_args(args)
    assert sim.api_key == "sk_a"
    assert sim.admin_token == "adm"
    assert sim.clock.time_scale == 0.01
    assert sim.groups == []
    assert len(sim.faults) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--time-scale", "-1"],
        ["--time-scale", "fast"],
        ["--rate-limit", "lots"],
        ["--fault", '{"status": 99}'],
        ["--fault", "not json"],
        ["--rule", "noequals"],
        ["--rule", "(bad=fail"],
        ["--default-outcome", "maybe"],
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as info:
        parse(*argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_admin_token_equal_to_a_key_is_refused(capsys):
    assert main(["--port", "0", "--api-key", "sk_same", "--admin-token", "sk_same"]) == 2
    assert "admin_token" in capsys.readouterr().err


def test_seed_file(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "projects": [{"name": "P", "short_id": "prj_p"}],
                "tests": [{"name": "A", "prompt": "a [sim:fail]", "steps": ["open", "click"]}],
                "groups": [{"name": "G", "tests": ["A"], "run_mode": "sequential"}],
            }
        )
    )
    sim = simulator_from_args(parse("--seed-file", str(seed)))
    assert [p.short_id for p in sim.projects] == ["prj_p"]
    assert sim.tests[0].steps == [{"type": "act", "title": "open"}, {"type": "act", "title": "click"}]
    assert [g.test_ids for g in sim.groups] == [[sim.tests[0].id], [sim.tests[0].id]]


@pytest.mark.parametrize("content", ["[]", "{bad", '{"tests": [{"nome": "x"}]}', '{"users": []}'])
def test_bad_seed_files_exit_with_a_message(tmp_path, content):
    seed = tmp_path / "seed.json"
    seed.write_text(content)
    with pytest.raises(ValueError, match="seed-file"):
        simulator_from_args(parse("--seed-file", str(seed)))


def test_missing_sim_extra_gives_an_install_hint():
    import subprocess
    import sys

    code = "import sys; sys.modules['starlette'] = None; import testerarmy.testing"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "pip install 'testerarmy[sim]'" in proc.stderr
    assert "starlette is missing" in proc.stderr


def test_key_is_an_alias_of_api_key():
    assert parse("--key", "sk_a", "--api-key", "sk_b").api_keys == ["sk_a", "sk_b"]


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--port", "http"], ["--time-scale", "nan"]])
def test_main_returns_2_on_bad_arguments(argv, capsys):
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_main_returns_2_on_a_busy_port(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    assert f"testerarmy-sim: cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_both_entry_points_are_one_command_line(capsys):
    """testerarmy sim and testerarmy-sim: the same parser, so the same flags and defaults."""
    from click.testing import CliRunner
    from testerarmy.cli import cli

    assert main(["--help"]) == 0
    own = capsys.readouterr().out
    result = CliRunner().invoke(cli, ["sim", "--help"])
    assert result.exit_code == 0
    assert result.output.replace("testerarmy sim", "testerarmy-sim") == own
