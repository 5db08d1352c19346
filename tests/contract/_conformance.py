"""Run schemathesis against a live simulator and read its report (issue 5, part 4).

`run_schemathesis` starts a seeded `Simulator`, runs the pinned schemathesis CLI against it in a
subprocess (all phases: examples, coverage, fuzzing, stateful with inferred links; every default
check), and turns its NDJSON event report into a `ConformanceRun`: one `Finding` per failed check,
with the case and the response that caused it, plus counts of operations, cases and checks.

Why the CLI and not the pytest plugin: the CLI runs the coverage and stateful phases and the whole
check set exactly as a user's `st run` would, and writes a machine-readable report; the pytest tests
in `test_simulator_conformance.py` then fail per operation with the reproducing request.

Determinism: a fixed `--seed`, one worker, schemathesis' crash cache disabled (it would replay
earlier failures first), a simulator with `time_scale=0` (runs never move on by themselves) and
fixed ids for everything seeded.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from testerarmy.testing import SeedGroup, SeedProject, SeedTest, Simulator

from tests.contract import _spec
from tests.contract._schemathesis_hooks import IDS_ENV

__all__ = ["MAX_EXAMPLES", "SEED", "ConformanceRun", "Finding", "run_schemathesis"]

SEED = 20260105
# Per operation and phase. The coverage phase (fixed size) dominates: measured on the shared
# 2-core machine, 25 -> ~20 s, 50 -> ~27 s for the whole run (~1000-1500 cases, 12-19k checks);
# 30 keeps `make contract` short with a wide margin under the 90 s budget (docs/contract.md).
MAX_EXAMPLES = 30
HOOKS = Path(__file__).with_name("_schemathesis_hooks.py")

PROJECT_ID = "c0ffee00-0000-4000-8000-000000000001"
STEP = {"title": "Open", "type": "act"}
PROJECT_SHORT_ID = "contract"
TEST_IDS = tuple(f"c0ffee00-0000-4000-8000-0000000001{i:02d}" for i in range(1, 5))
GROUP_IDS = ("c0ffee00-0000-4000-8000-000000000201", "c0ffee00-0000-4000-8000-000000000202")
WEBHOOKS = (
    ("c0ffee00-0000-4000-8000-000000000301", "whsec_contract_enabled"),
    ("c0ffee00-0000-4000-8000-000000000302", "whsec_contract_disabled"),
)
PROJECT_WEBHOOK = ("c0ffee00-0000-4000-8000-000000000303", "whsec_contract_project")


@dataclass(frozen=True)
class Finding:
    """One failed check of one schemathesis case."""

    operation: str  # "PATCH /v1/tests/{testId}", as schemathesis labels it
    check: str  # e.g. "status_code_conformance"
    code: str  # e.g. "ST103"
    title: str
    message: str
    status: int | None
    response: str  # the response body (truncated)
    request: str  # a curl command line reproducing the request (API key redacted)
    phase: str

    def __str__(self) -> str:
        return (
            f"{self.code} {self.title} [{self.check}, {self.phase} phase]\n"
            f"    {self.message.strip().replace(chr(10), chr(10) + '    ')}\n"
            f"    response: {self.status} {self.response}\n"
            f"    reproduce: {self.request}"
        )


@dataclass
class ConformanceRun:
    exit_code: int
    runtime: float  # seconds, the whole schemathesis process
    report: dict[str, Any]  # schemathesis' JSON run report
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    checks: int = 0
    check_names: set[str] = field(default_factory=set)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)  # per operation label
    output: str = ""  # schemathesis' human-readable output

    def findings_for(self, operation: str) -> list[Finding]:
        return [f for f in self.findings if f.operation == operation]

    def section(self, operation: str) -> str:
        """schemathesis' own FAILURES text for an operation (with its "Reproduce with: curl ...")."""
        return _sections(self.output).get(operation, "")


_SECTION = re.compile(r"^_{3,} (?P<label>[A-Z]+ /\S*) _{3,}$", re.MULTILINE)
_SECTION_END = re.compile(r"^={3,} ", re.MULTILINE)


def _sections(output: str) -> dict[str, str]:
    """The per-operation blocks of schemathesis' FAILURES section, by operation label."""
    found: dict[str, str] = {}
    heads = list(_SECTION.finditer(output))
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        end = following.start() if following is not None else len(output)
        block = output[head.end() : end]
        stop = _SECTION_END.search(block)
        found[head["label"]] = (block[: stop.start()] if stop else block).strip()
    return found


def operation_labels() -> dict[str, str]:
    """operationId -> schemathesis' label ("GET /v1/runs/{id}") for every spec operation."""
    spec = _spec.load_normalized()
    return {op.operation_id: f"{op.method.upper()} {op.path}" for op in _spec.operations(spec)}


def _seeded_simulator() -> Simulator:
    tests = [
        SeedTest(
            f"Contract test {n}",
            f"Check feature {n}",
            id=test_id,
            project_id=PROJECT_ID,
            steps=("Open", "Check"),
        )
        for n, test_id in enumerate(TEST_IDS, 1)
    ]
    groups = [
        SeedGroup(
            "Contract group",
            tests=(TEST_IDS[0], TEST_IDS[1]),
            id=GROUP_IDS[0],
            project_id=PROJECT_ID,
            webhook_id=WEBHOOKS[0][0],
            webhook_secret=WEBHOOKS[0][1],
        ),
        SeedGroup(
            "Contract group with an inactive webhook",
            tests=(TEST_IDS[2], TEST_IDS[3]),
            id=GROUP_IDS[1],
            project_id=PROJECT_ID,
            webhook_id=WEBHOOKS[1][0],
            webhook_secret=WEBHOOKS[1][1],
            webhook_enabled=False,
        ),
    ]
    project = SeedProject(
        "Contract project",
        id=PROJECT_ID,
        short_id=PROJECT_SHORT_ID,
        url="https://shop.example.com",
        webhook_id=PROJECT_WEBHOOK[0],
        webhook_secret=PROJECT_WEBHOOK[1],
    )
    # validate_responses: the simulator also checks each answer itself, so an answer off the spec is
    # a 500 that schemathesis reports on that operation, naming the field.
    return Simulator(
        time_scale=0, seed=0, projects=[project], tests=tests, groups=groups, validate_responses=True
    )


def _seed_over_http(sim: Simulator) -> dict[str, Any]:
    """Runs, batches, environments and mobile apps exist only once created through the API.

    Operations that delete or disable get entities of their own (`own`, by operation label then
    path parameter): deleting the seeded project cascades to its tests, groups and runs, and an
    operation scheduled after that would never again reach a success response.
    """
    headers = {"Authorization": f"Bearer {sim.api_key}"}
    with httpx.Client(base_url=sim.url, headers=headers, trust_env=False, timeout=10) as http:

        def created(path: str, key: str | None = None, **kwargs: Any) -> str:
            response = http.post(path, **kwargs)
            response.raise_for_status()
            body = response.json()
            return str((body[key] if key else body)["id"])

        def app(n: int) -> str:
            return created(
                f"/v1/projects/{PROJECT_ID}/mobile", "app", files={"file": (f"seed{n}.apk", b"APK")}
            )

        def environment(n: int) -> str:
            body = {"name": f"Seed environment {n}", "url": f"https://env{n}.example.com"}
            return created(f"/v1/projects/{PROJECT_ID}/environments", "environment", json=body)

        runs = [created("/v1/runs", json={"prompt": f"Seed run {n}"}) for n in range(3)]
        batch = http.post(f"/v1/groups/{GROUP_IDS[0]}/runs", json={})
        batch.raise_for_status()
        apps = [app(n) for n in range(2)]
        environments = [environment(n) for n in range(2)]

        def test(n: int) -> str:
            body = {"title": f"Own {n}", "description": "d", "projectId": PROJECT_ID, "steps": [STEP]}
            return created("/v1/tests", "test", json=body)

        def group(n: int, members: Sequence[str] = ()) -> str:
            group_id = created("/v1/groups", "group", json={"name": f"Own {n}", "projectId": PROJECT_ID})
            for member in members:
                http.post(f"/v1/groups/{group_id}/tests", json={"testId": member}).raise_for_status()
            return group_id

        project = {"name": "Own project", "url": "https://own.example.com"}
        own = {
            "DELETE /v1/projects/{projectId}": {
                "projectId": [created("/v1/projects", "project", json=project) for _ in range(3)]
            },
            "DELETE /v1/tests/{testId}": {"testId": [test(n) for n in range(3)]},
            # Updating may disable a test, which would leave the seeded groups nothing to run.
            "PATCH /v1/tests/{testId}": {"testId": [test(n) for n in range(3, 6)]},
            "DELETE /v1/groups/{groupId}": {"groupId": [group(n) for n in range(3)]},
            # Removing the seeded groups' tests would leave them nothing to run, too.
            "DELETE /v1/groups/{groupId}/tests/{testId}": {
                "groupId": [group(n, TEST_IDS) for n in range(3, 6)]
            },
            "DELETE /v1/projects/{projectId}/mobile/{appId}": {"appId": [app(n) for n in range(2, 5)]},
            "DELETE /v1/projects/{projectId}/environments/{environmentId}": {
                "environmentId": [environment(n) for n in range(2, 5)]
            },
        }
    return {
        "id": runs,
        "testId": list(TEST_IDS),
        "groupId": list(GROUP_IDS),
        "projectId": [PROJECT_ID, PROJECT_SHORT_ID],
        "appId": apps,
        "batchId": [str(batch.json()["batchId"])],
        "environmentId": environments,
        "own": own,
        # Group and project webhooks share the path parameters: each gets the other's too (a 401).
        # The hooks' rotation uses indexes 1 and 2 of three (index 0 never): the enabled group
        # webhook and the project's go there.
        "webhook": [list(w) for w in (WEBHOOKS[1], WEBHOOKS[0], PROJECT_WEBHOOK)],
    }


def run_schemathesis(
    workdir: Path,
    *,
    seed: int = SEED,
    max_examples: int = MAX_EXAMPLES,
    operation_ids: Sequence[str] = (),
    faults: Sequence[dict[str, Any]] = (),
) -> ConformanceRun:
    """Start a seeded simulator, run schemathesis against it, parse the reports.

    `operation_ids` restricts the run; `faults` are injected into the simulator once it is seeded
    (both for testing this harness: a deliberately broken simulator must produce findings).
    """
    (workdir / "schemathesis.toml").write_text("[cache]\nenabled = false\n", encoding="utf-8")
    reports = workdir / "reports"
    with _seeded_simulator() as sim:
        ids = _seed_over_http(sim)
        for fault in faults:
            sim.faults.add(**fault)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(workdir / "schemathesis.toml"),
            "--no-color",
            "run",
            str(_spec.NORMALIZED_SPEC),
            "--url",
            sim.url,
            "--header",
            f"Authorization: Bearer {sim.api_key}",
            "--seed",
            str(seed),
            "--max-examples",
            str(max_examples),
            "--workers",
            "1",
            "--report",
            "json,ndjson",
            "--report-json-path",
            str(reports / "run.json"),
            "--report-ndjson-path",
            str(reports / "events.ndjson"),
        ]
        for operation_id in operation_ids:
            command += ["--include-operation-id", operation_id]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), IDS_ENV: json.dumps(ids), "NO_COLOR": "1"}
        started = time.monotonic()
        # cwd: schemathesis writes nothing into the repository.
        done = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        runtime = time.monotonic() - started
    if not (reports / "run.json").exists():
        raise RuntimeError(
            f"schemathesis produced no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    run = ConformanceRun(
        exit_code=done.returncode,
        runtime=runtime,
        report=json.loads((reports / "run.json").read_text(encoding="utf-8")),
        output=done.stdout + done.stderr,
    )
    _read_events(run, reports / "events.ndjson", api_key=sim.api_key)
    return run


def _read_events(run: ConformanceRun, path: Path, *, api_key: str) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        scenario = event.get("ScenarioFinished")
        if scenario is None:
            continue
        recorder = scenario["recorder"]
        cases = recorder.get("cases") or {}
        interactions = recorder.get("interactions") or {}
        for checks in (recorder.get("checks") or {}).values():
            run.checks += len(checks)
            run.check_names.update(c["name"] for c in checks)
        run.cases += len(cases)
        for case_id, interaction in interactions.items():
            response = interaction.get("response") or {}
            label = _case_label(cases.get(case_id), recorder["label"])
            if "status_code" in response:
                run.statuses.setdefault(label, Counter())[response["status_code"]] += 1
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check["status"] == "success":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                interaction = interactions.get(case_id) or {}
                response = interaction.get("response") or {}
                run.findings.append(
                    Finding(
                        operation=failure.get("operation")
                        or _case_label(cases.get(case_id), recorder["label"]),
                        check=check["name"],
                        code=str(failure.get("code", "?")),
                        title=str(failure.get("title", check["name"])),
                        message=str(failure.get("message", "")),
                        status=response.get("status_code"),
                        response=_body(response.get("content"))[:300],
                        request=_curl(interaction.get("request") or {}, api_key),
                        phase=str(scenario.get("phase", "?")),
                    )
                )


def _case_label(case: dict[str, Any] | None, fallback: str) -> str:
    value = (case or {}).get("value") or {}
    if "method" in value and "path" in value:
        return f"{value['method']} {value['path']}"
    return fallback


def _body(content: Any) -> str:
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    if isinstance(content, dict) and "string" in content:
        return str(content["string"])
    return "" if content is None else str(content)


def _curl(request: dict[str, Any], api_key: str) -> str:
    if not request:
        return "(no request recorded)"
    parts = ["curl", "-X", str(request.get("method", "GET"))]
    for name, values in (request.get("headers") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            shown = (
                "Bearer <key>" if name.lower() == "authorization" else str(value).replace(api_key, "<key>")
            )
            parts += ["-H", f"{name}: {shown}"]
    body = request.get("body")
    if body is not None:
        parts += ["--data-binary", _body(body)]
    parts.append(str(request.get("uri", "?")))
    return shlex.join(parts)
