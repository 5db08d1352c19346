"""The published spec + the submit overlay + codegen/rules.published.yaml, through the whole front
of the pipeline: structure checks, normalization (every rule entry must match), OpenAPI validation
and both generators with their warnings as errors.

This is the adoption of issue 14 rehearsed on the upstream bytes (tests/fixtures/upstream/
published-openapi.json). Expectations come from the spec and the rules file, not from lists here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from codegen import build
from codegen.__main__ import main
from codegen.lock import read_lock, verify_lock
from codegen.normalize import Normalized, normalize
from codegen.rules import Rules, load_rules
from codegen.specdoc import iter_operations
from codegen.structure import check_structure, validate_openapi
from codegen.yamlio import dump_yaml, load_yaml_bytes, load_yaml_file

REPO = Path(__file__).resolve().parents[3]
PUBLISHED = REPO / "tests" / "fixtures" / "upstream" / "published-openapi.json"
CANDIDATE = REPO / "codegen" / "rules.published.yaml"


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    raw = PUBLISHED.read_bytes()
    # The fixture is upstream's bytes: the sha256 PROVENANCE.md records for the capture.
    recorded = re.search(r"sha256\s*`([0-9a-f]{64})`", (REPO / "codegen" / "PROVENANCE.md").read_text())
    assert recorded is not None
    assert hashlib.sha256(raw).hexdigest() == recorded.group(1)
    spec = load_yaml_bytes(raw, PUBLISHED.name)
    assert isinstance(spec, dict)
    check_structure(spec, PUBLISHED.name)
    return spec


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(CANDIDATE)


@pytest.fixture(scope="module")
def normalized(published: dict[str, Any], rules: Rules) -> Normalized:
    # Raises StaleRulesError, listing them, if any entry of the candidate file matches nothing.
    result = normalize(published, rules, PUBLISHED.name)
    assert result.notes == [], "every operation and tag is named by a rule, none by a default"
    return result


@pytest.fixture(scope="module")
def generated(normalized: Normalized, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Validation, then both generators (SpecError on a failure or a "Warning" from either)."""
    validate_openapi(normalized.spec, f"{PUBLISHED.name} (after normalization)")
    scratch = tmp_path_factory.mktemp("published-generated")
    (scratch / build.NORMALIZED_NAME).write_text(dump_yaml(normalized.spec), encoding="utf-8")
    build._run_generators(scratch)
    return scratch


@pytest.fixture(scope="module")
def models(generated: Path) -> Any:
    """The pydantic models datamodel-code-generator wrote, imported from the scratch directory."""
    spec = importlib.util.spec_from_file_location(
        "published_models", generated / build.PYDANTIC_PACKAGE / "models.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves forward references through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_both_generators_run_without_a_warning_and_name_no_model_after_a_url(generated: Path) -> None:
    names = [p.name for p in (generated / build.CLIENT_PACKAGE / "models").glob("*.py")]
    assert len(names) > 1
    assert not [n for n in names if re.search(r"_type_\d|_response_\d{3}|^(get|post|patch|delete)_v", n)]


def test_run_output_union_parses_both_published_shapes_as_themselves(
    models: Any, normalized: Normalized
) -> None:
    """Run `output` is a union without a discriminator (see the rules file): no shape may be misread."""
    schemas = normalized.spec["components"]["schemas"]
    skipped = {"kind": "planner_skipped", "reason": "nothing to test"}
    assert set(schemas["PlannerSkippedOutput"]["required"]) <= set(skipped)
    verdict = {"featureName": "login", "result": "FAILED", "description": "d", "screenshots": []}
    assert set(schemas["TestOutput"]["required"]) <= set(verdict)
    adapter: Any = TypeAdapter(models.Run.model_fields["output"].annotation)
    assert type(adapter.validate_python(skipped)).__name__ == "PlannerSkippedOutput"
    assert type(adapter.validate_python(verdict)).__name__ == "TestOutput"
    assert adapter.validate_python(None) is None


def _verbatim_examples() -> list[Any]:
    """The docs' own payloads (reconstructed ones are not upstream's words and are left out)."""
    cases = []
    for path in sorted((REPO / "tests" / "contract" / "examples").glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8"))["_source"]
        if not str(source["fidelity"]).startswith("verbatim"):
            continue
        marks = []
        if source["operation"] is None and source["schema"] == "Run":
            # Found by this test: the webhook body omits `input`, which the published Run requires.
            # Parsing it needs a rule or a webhook model of its own; that belongs to the adoption.
            marks.append(pytest.mark.xfail(strict=True, reason="published Run requires `input`"))
        cases.append(pytest.param(path, id=path.stem, marks=marks))
    return cases


@pytest.mark.parametrize("example", _verbatim_examples())
def test_documented_payloads_parse_under_the_published_spec_and_rules(
    example: Path, models: Any, normalized: Normalized
) -> None:
    """Liberal in what we accept: the docs' payloads (e.g. `"type": "chat"`, `"error": null`) parse."""
    payload = json.loads(example.read_text(encoding="utf-8"))
    source = payload.pop("_source")
    assert source["schema"] in normalized.spec["components"]["schemas"]
    getattr(models, source["schema"]).model_validate(payload)


def test_every_operation_has_its_name_from_the_operations_rules(
    published: dict[str, Any], normalized: Normalized
) -> None:
    raw = load_yaml_file(CANDIDATE)
    names = {key: f"{v['resource']}.{v['method']}" for key, v in raw["operations"].items()}
    got = {f"{m.upper()} {p}": op["operationId"] for p, m, op in iter_operations(normalized.spec)}
    assert got == names
    published_keys = {f"{m.upper()} {p}" for p, m, _ in iter_operations(published)}
    assert set(got) - published_keys == {"POST /v1/runs"}, "the overlay adds submit and nothing else"
    assert len(set(got.values())) == len(got)


def test_every_body_is_a_named_schema(normalized: Normalized) -> None:
    for path, method, operation in iter_operations(normalized.spec):
        holders = [operation.get("requestBody") or {}, *(operation.get("responses") or {}).values()]
        for holder in holders:
            for media in (holder.get("content") or {}).values():
                assert "$ref" in media["schema"], f"{method.upper()} {path}: inline body"


def test_parameter_schema_rules_took_effect(normalized: Normalized, rules: Rules) -> None:
    assert rules.quirks.parameter_schemas, "no parameter_schemas rule: this test would prove nothing"
    by_key = {f"{m.upper()} {p}": op for p, m, op in iter_operations(normalized.spec)}
    for key, entries in rules.quirks.parameter_schemas.items():
        for name, (_upstream, replacement) in entries.items():
            (param,) = [p for p in by_key[key]["parameters"] if p["name"] == name]
            assert {k: v for k, v in param["schema"].items() if k != "description"} == replacement


def _discriminated(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "discriminator" in node:
            found.append(node)
        for value in node.values():
            found.extend(_discriminated(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_discriminated(value))
    return found


def test_declared_discriminators_map_every_member(normalized: Normalized, rules: Rules) -> None:
    schemas = normalized.spec["components"]["schemas"]
    declared = [u for u in rules.quirks.unions if u.discriminator]
    assert declared, "no discriminator declared: this test would prove nothing"
    expected = sorted(sorted((v.when[str(u.discriminator)], v.name) for v in u.variants) for u in declared)
    got = []
    for node in _discriminated(normalized.spec):
        prop = node["discriminator"]["propertyName"]
        mapping = node["discriminator"]["mapping"]
        assert set(mapping.values()) == {m["$ref"] for m in node.get("oneOf") or node.get("anyOf")}
        for ref in mapping.values():
            assert prop in schemas[ref.rsplit("/", 1)[1]]["required"]
        got.append(sorted((value, ref.rsplit("/", 1)[1]) for value, ref in mapping.items()))
    assert sorted(got) == expected


def test_adoption_rehearsal_update_spec_stores_the_bytes_and_the_lock_records_upstream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make update-spec SPEC=<published> RULES=<candidate> SOURCE_URL=... CAPTURED=...` on a copy."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "codegen" / "sources", root / "codegen" / "sources")
    shutil.copy2(REPO / "codegen" / "openapi.lock.json", root / "codegen" / "openapi.lock.json")
    shutil.copy2(REPO / "openapi.yaml", root / "openapi.yaml")
    (root / "generated").mkdir()
    shutil.copy2(REPO / "generated" / build.NORMALIZED_NAME, root / "generated" / build.NORMALIZED_NAME)
    url = "https://tester.army/api/v1/openapi.json"

    code = main(
        [
            "update-spec", str(PUBLISHED),
            "--spec", str(root / "openapi.yaml"),
            "--lock", str(root / "codegen" / "openapi.lock.json"),
            "--target", str(root / "generated"),
            "--rules", str(CANDIDATE),
            "--source-url", url,
            "--captured", "2026-07-21",
        ]
    )  # fmt: skip

    out = capsys.readouterr().out
    assert code == 0, out
    assert (root / "openapi.yaml").read_bytes() == PUBLISHED.read_bytes()
    lock = read_lock(root / "codegen" / "openapi.lock.json")
    assert (lock.source, lock.retrieved, lock.fetched_from) == (url, "2026-07-21", str(PUBLISHED))
    assert lock.sha256 == hashlib.sha256(PUBLISHED.read_bytes()).hexdigest()
    assert verify_lock(root / "openapi.yaml", lock) == lock.sha256
    assert lock.sources == read_lock().sources
    assert "operation: added to the spec" in out
    assert "Next: make generate." in out


def test_spec_diff_with_the_candidate_rules_reports_no_stale_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", "--new", str(PUBLISHED), "--rules", str(CANDIDATE)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Summary:" in out
    assert "stale" not in out.lower()
