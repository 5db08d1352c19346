"""The promise, proven on a scratch copy: a purely additive spec change reaches the typed client
through one pipeline run, with no hand-written line.

A copy of the spec gets a new operation (no operationId, no naming rule) and a new optional query
parameter on an existing operation. On a scratch copy of the repository: `update-spec`, `spec-diff`
(safe), `generate` (minor bump); then, in a fresh interpreter on the scratch tree, the new
operation is called sync and async as ``client.<resource>.<method>`` and through
``client.operations``, the new parameter is sent, and the facade contract check passes. The new
operation, its name and the parameter are derived from the spec here, never from a list.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.naming import default_name, snake
from codegen.versioning import Bump, next_version

REPO = Path(__file__).resolve().parents[3]
#: What the pipeline needs (plus the facade check the subprocess imports).
COPIED = ("codegen", "generated", "overrides", "openapi.yaml", "pyproject.toml", "CHANGELOG.md")
NEW_PATH_SUFFIX = "/proof-artifacts"
NEW_PARAM = "includeProofDetails"


def _copy_repo(root: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".work", "*.egg-info")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)


def _run(root: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
    )
    assert result.returncode == 0, f"codegen {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _changed_spec(vendored: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(new spec, key of the new operation, key of the operation that got the new parameter)."""
    spec = json.loads(json.dumps(vendored))
    # The first GET with one path parameter: it gets the new optional query parameter, and a
    # sibling path below it becomes the new operation (same auth header as its parent).
    path, operation = next(
        (p, item["get"])
        for p, item in spec["paths"].items()
        if "get" in item and p.count("{") == 1 and p.endswith("}")
    )
    new = json.loads(json.dumps(operation))
    new.pop("operationId", None)
    new["summary"] = "List proof artifacts"
    new["description"] = "Added by the regeneration proof."
    new["responses"] = {
        "200": {
            "description": "ok",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
                    }
                }
            },
        }
    }
    spec["paths"][path + NEW_PATH_SUFFIX] = {"get": new}
    operation.setdefault("parameters", []).append(
        {"name": NEW_PARAM, "in": "query", "required": False, "schema": {"type": "boolean"}}
    )
    return spec, f"GET {path}{NEW_PATH_SUFFIX}", f"GET {path}"


_CLIENT_SCRIPT = """
import asyncio, json, sys, uuid
import httpx
import testerarmy as ta
from tests.contract._facade import check_facade
from tests.contract._spec import minimal_instance
import yaml

new_key, changed_key, resource, method, param, normalized = sys.argv[1:7]
spec = yaml.safe_load(open(normalized, encoding="utf-8"))
seen = []

def handler(request):
    seen.append(str(request.url))
    if request.url.path.endswith("{suffix}"):
        return httpx.Response(200, json={"items": ["a"]})
    return httpx.Response(200, json=changed_reply)

ident = str(uuid.uuid4())
method_name, changed_path = changed_key.split(" ", 1)
answer = spec["paths"][changed_path][method_name.lower()]["responses"]["200"]
changed_reply = minimal_instance(spec, answer["content"]["application/json"]["schema"])  # per the spec
client = ta.TesterArmy(api_key="sk_test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
by_name = getattr(getattr(client, resource), method)(ident)
by_key = client.operations[new_key](ident)
client.operations[changed_key](ident, **{param: True})

async def main():
    transport = httpx.MockTransport(handler)
    async with ta.AsyncTesterArmy(api_key="sk_test", http_client=httpx.AsyncClient(transport=transport)) as a:
        one = await getattr(getattr(a, resource), method)(ident)
        two = await a.operations[new_key](ident)
        return one, two

async_results = asyncio.run(main())
findings = check_facade(spec, (ta.TesterArmy, ta.AsyncTesterArmy), api_key="sk_test")
results = [by_name, by_key, *async_results]
print(json.dumps({"results": results, "seen": seen, "findings": findings, "module": ta.__file__}))
""".replace("{suffix}", NEW_PATH_SUFFIX)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proof")
    _copy_repo(root)
    return root


def test_an_additive_change_reaches_the_typed_client_with_no_hand_written_line(scratch: Path) -> None:
    vendored = yaml.safe_load((scratch / "openapi.yaml").read_text(encoding="utf-8"))
    spec, new_key, changed_key = _changed_spec(vendored)
    candidate = scratch / "candidate.json"
    candidate.write_text(json.dumps(spec), encoding="utf-8")
    before = tomllib.loads((scratch / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

    _run(scratch, "update-spec", str(candidate))
    report = _run(scratch, "diff")
    assert re.search(r"Summary: 0 breaking, 0 potentially breaking, [1-9]\d* safe", report), report
    _run(scratch, "generate")

    after = tomllib.loads((scratch / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    # A minor-level bump (user-visible, nothing breaking), spelt as the project's 0.x rule spells it.
    assert after == next_version(before, Bump.MINOR) != next_version(before, Bump.MAJOR), (before, after)

    method, path = new_key.split(" ", 1)
    resource, name = default_name(method, path)
    normalized = scratch / "generated" / "openapi.normalized.yaml"
    env = {
        **os.environ,
        # The scratch tree first; the repository root only for the facade check (tests.contract).
        "PYTHONPATH": os.pathsep.join([str(scratch / "generated"), str(scratch / "overrides"), str(REPO)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CLIENT_SCRIPT), new_key, changed_key, resource, name,
         snake(NEW_PARAM), str(normalized)],
        capture_output=True, text=True, env=env, cwd=scratch, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["module"].startswith(str(scratch))  # the scratch tree's client, not the repository's
    assert outcome["findings"] == []
    assert outcome["results"] == [{"items": ["a"]}] * 4
    assert any(f"{NEW_PARAM}=true" in url for url in outcome["seen"])

    mypy_path = os.pathsep.join([str(scratch / "generated"), str(scratch / "overrides")])
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "testerarmy"],
        capture_output=True, text=True, cwd=scratch, check=False, env={**os.environ, "MYPYPATH": mypy_path},
    )  # fmt: skip
    assert typed.returncode == 0, f"overrides no longer type-check on the new tree:\n{typed.stdout}"
