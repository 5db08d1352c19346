"""A new operation in a spec copy is reachable through ``testerarmy-py api`` with no CLI change.

On a scratch copy of the repository a new operation (no operationId, no naming rule) is added to
the spec and the pipeline is run (``update-spec``, ``generate``); then, in a fresh interpreter on
the scratch tree, the unchanged CLI lists the operation and calls it. The operation is derived
from the spec, never from a list.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
COPIED = ("codegen", "generated", "overrides", "openapi.yaml", "pyproject.toml", "CHANGELOG.md")
SUFFIX = "/cli-proof-items"

pytestmark = pytest.mark.slow


def _copy_repo(root: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".work", "*.egg-info")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)


def _codegen(root: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=root, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(root)}, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, f"codegen {args[0]}:\n{result.stdout}\n{result.stderr}"


def _with_new_operation(spec: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(changed spec, new "GET /path" key, its path parameter): a GET below the first GET with one
    path parameter, with the same parameters and security."""
    changed = json.loads(json.dumps(spec))
    path, operation = next(
        (p, item["get"]) for p, item in changed["paths"].items()
        if "get" in item and p.count("{") == 1 and p.endswith("}")
    )  # fmt: skip
    new = json.loads(json.dumps(operation))
    new.pop("operationId", None)
    new["summary"] = "List proof items"
    new["responses"] = {
        "200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}},
        }}}},
    }  # fmt: skip
    changed["paths"][path + SUFFIX] = {"get": new}
    parameter = path[path.index("{") + 1 : path.index("}")]
    return changed, f"GET {path}{SUFFIX}", parameter


_SCRIPT = """
import json, sys
import httpx
from click.testing import CliRunner
from testerarmy.cli import cli
from testerarmy.cli._context import Runtime

key, parameter = sys.argv[1:3]
seen = []

def handler(request):
    seen.append(request.url.path)
    return httpx.Response(200, json={"items": ["a", "b"]})

runtime = Runtime(http_client=lambda: httpx.AsyncClient(transport=httpx.MockTransport(handler)))
env = {"TESTERARMY_API_KEY": "sk_test_spec_copy", "TESTERARMY_BASE_URL": "https://tester.army"}
listed = CliRunner().invoke(cli, ["api", "--list"], env=env)
called = CliRunner().invoke(cli, ["api", key, "-f", parameter + "=item-7"], obj=runtime, env=env)
print(json.dumps({"listed": listed.stdout, "code": called.exit_code, "out": called.stdout,
                  "err": called.stderr, "seen": seen, "cli": __import__("testerarmy.cli").cli.__file__}))
"""


def test_a_new_operation_in_a_spec_copy_is_reachable_with_no_cli_change(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _copy_repo(scratch)
    spec = yaml.safe_load((scratch / "openapi.yaml").read_text(encoding="utf-8"))
    changed, key, parameter = _with_new_operation(spec)
    candidate = scratch / "candidate.json"
    candidate.write_text(json.dumps(changed), encoding="utf-8")

    _codegen(scratch, "update-spec", str(candidate))
    _codegen(scratch, "generate")

    # The CLI is byte-for-byte the repository's: nothing was written for the new operation.
    compared = filecmp.dircmp(
        REPO / "overrides" / "testerarmy" / "cli", scratch / "overrides" / "testerarmy" / "cli"
    )
    assert not compared.diff_files
    assert not compared.left_only
    assert not compared.right_only
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(scratch / "generated"), str(scratch / "overrides")]),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SCRIPT), key, parameter],
        capture_output=True, text=True, env=env, cwd=scratch, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["cli"].startswith(str(scratch))  # the scratch tree's package
    assert key in outcome["listed"]
    assert outcome["code"] == 0, outcome["err"]
    assert json.loads(outcome["out"]) == {"items": ["a", "b"]}
    _method, path = key.split(" ", 1)
    assert outcome["seen"] == ["/api" + path.replace("{" + parameter + "}", "item-7")]
