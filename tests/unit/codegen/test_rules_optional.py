"""Every rules section is optional, and a rule that stopped matching says which entry and what to do.

Retiring a rule must be a deletion in codegen/rules.yaml, nothing more; and a stale rule must never
hide the change report (`spec-diff`, `update-spec`), it only refuses `generate`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.diff.commands import diff_command
from codegen.diff.load import build_report, normalize_document
from codegen.diff.render import render_text
from codegen.errors import SpecError
from codegen.normalize import StaleRulesError, normalize
from codegen.quirks import SECTIONS as QUIRK_SECTIONS
from codegen.rules import RULES_PATH, Rules, load_rules
from codegen.specdoc import iter_operations
from tests.unit.codegen._rules import write_rules

RAW_RULES: dict[str, Any] = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))

#: The quirk sections that rewrite the document before the classic rules see it (inline_schemas
#: runs late, after them, so it stays with the classic rules).
EARLY_QUIRKS = tuple(sorted(QUIRK_SECTIONS - {"inline_schemas"}))


def _rules_without(tmp_path: Path, *sections: str) -> Path:
    return write_rules({k: v for k, v in RAW_RULES.items() if k not in sections}, tmp_path / "rules.yaml")


@pytest.fixture(scope="module")
def classic_rules_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _rules_without(tmp_path_factory.mktemp("classic"), *EARLY_QUIRKS)


def test_the_staged_spec_normalizes_like_the_vendored_one(
    staged_spec: dict[str, Any], classic_rules_path: Path, normalized: Any
) -> None:
    # Grounds the tests below (fixtures in conftest.py): the stage plus the classic rules is
    # exactly today's normalization.
    assert normalize(staged_spec, load_rules(classic_rules_path), "openapi.yaml").spec == normalized.spec


def _normalize_or_stale(spec: dict[str, Any], rules: Rules) -> list[str]:
    """The stale entries (empty when everything applied); any other exception propagates."""
    try:
        normalize(spec, rules, "openapi.yaml")
    except StaleRulesError as exc:
        return exc.stale
    return []


@pytest.mark.parametrize("section", sorted(RAW_RULES))
def test_each_section_can_be_deleted(
    tmp_path: Path, section: str, spec_copy: dict[str, Any], vendored_spec: dict[str, Any]
) -> None:
    rules = load_rules(_rules_without(tmp_path, section))
    assert rules == load_rules(_rules_without(tmp_path, section))  # loads, deterministically
    # Deleting a section the spec still needs may leave other rules without their target: that is
    # a stale entry with its fix, never a KeyError or a traceback.
    for entry in _normalize_or_stale(spec_copy, rules):
        assert "(fix: " in entry, entry


def test_an_empty_rules_file_normalizes_nothing_away(tmp_path: Path, vendored_spec: dict[str, Any]) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("", encoding="utf-8")
    assert load_rules(path) == Rules()


def test_a_section_missing_a_field_fails_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("auth: {header_parameter: Authorization}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"rules.yaml: /auth: needs a `security_scheme`"):
        load_rules(path)


def _drop_auth_header(spec: dict[str, Any], header: str) -> None:
    for _path, _method, operation in iter_operations(spec):
        kept = [p for p in operation.get("parameters") or [] if p.get("name") != header]
        operation["parameters"] = kept


def test_upstream_retiring_the_auth_quirk_names_the_fix_then_the_section_goes(
    tmp_path: Path, staged_copy: dict[str, Any], classic_rules_path: Path
) -> None:
    rules = load_rules(classic_rules_path)
    assert rules.auth is not None
    _drop_auth_header(staged_copy, rules.auth.header_parameter)
    stale = _normalize_or_stale(staged_copy, rules)
    (line,) = [entry for entry in stale if entry.startswith("auth:")]
    assert "delete the `auth` section" in line
    assert "\n" not in line
    without = load_rules(_rules_without(tmp_path, "auth", *EARLY_QUIRKS))
    assert not [entry for entry in _normalize_or_stale(staged_copy, without) if entry.startswith("auth:")]


def test_stale_rules_error_has_one_line_per_entry(
    staged_copy: dict[str, Any], classic_rules_path: Path
) -> None:
    rules = load_rules(classic_rules_path)
    assert rules.auth is not None
    _drop_auth_header(staged_copy, rules.auth.header_parameter)
    first_rename = next(iter(rules.schemas))
    del staged_copy["components"]["schemas"][first_rename]
    with pytest.raises(StaleRulesError) as caught:
        normalize(staged_copy, rules, "openapi.yaml")
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == len(caught.value.stale) >= 2
    assert all(line.startswith("  - ") and "(fix: " in line for line in lines)


def _node(spec: dict[str, Any], locator: tuple[Any, ...]) -> tuple[Any, Any]:
    node: Any = spec
    parent: Any = None
    key: Any = None
    for part in locator:
        parent = node
        if isinstance(part, tuple):
            key = next(i for i, item in enumerate(node) if item.get(part[0]) == part[1])
        else:
            key = part
        node = node[key]
    return parent, key


#: Every extract locator of today's rules, each tested in turn.
EXTRACT_TARGETS = [(rule.name, locator) for rule in load_rules().extract for locator in rule.at]


@pytest.mark.parametrize(
    "extract_target", EXTRACT_TARGETS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXTRACT_TARGETS)]
)
def test_a_moved_extract_target_still_gets_a_report(
    tmp_path: Path,
    staged_copy: dict[str, Any],
    staged_spec: dict[str, Any],
    classic_rules_path: Path,
    extract_target: Any,
) -> None:
    name, locator = extract_target
    # Upstream moves the schema elsewhere (here: under a renamed key; for a list item such as the
    # first branch of `anyOf`, the list itself moves), so the locator finds nothing.
    last_key = max(i for i, part in enumerate(locator) if isinstance(part, str))
    parent, key = _node(staged_copy, locator[: last_key + 1])
    parent[key + "Moved"] = parent.pop(key)
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(staged_spec), encoding="utf-8")
    new.write_text(yaml.safe_dump(staged_copy), encoding="utf-8")
    out = io.StringIO()

    status = diff_command(old, new, out=out, rules_path=classic_rules_path)

    assert status == 1  # generate would refuse, but the report is there
    assert f"extract {name}" in out.getvalue()
    assert "(fix: " in out.getvalue()


@pytest.mark.parametrize(
    "extract_target", EXTRACT_TARGETS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXTRACT_TARGETS)]
)
def test_upstream_naming_an_extracted_schema_is_a_stale_entry_with_a_report(
    staged_copy: dict[str, Any], staged_spec: dict[str, Any], classic_rules_path: Path, extract_target: Any
) -> None:
    name, locator = extract_target
    parent, key = _node(staged_copy, locator)
    schemas = staged_copy["components"]["schemas"]
    schemas.setdefault(name, parent[key])
    parent[key] = {"$ref": f"#/components/schemas/{name}"}

    side = normalize_document(staged_copy, "new.yaml", classic_rules_path)
    report = build_report(normalize_document(staged_spec, "old.yaml", classic_rules_path), side)

    (entry,) = [e for e in side.stale_rules if e.startswith(f"extract {name}:")]
    assert "already a $ref" in entry
    assert "remove this locator" in entry
    assert f"extract {name}" in render_text(report)


def test_upstream_declaring_security_itself_is_no_change_for_users(
    tmp_path: Path, staged_copy: dict[str, Any], staged_spec: dict[str, Any], classic_rules_path: Path
) -> None:
    # Upstream fixes the quirk the auth rule fixes: no header parameter, a security requirement.
    rules = load_rules(classic_rules_path)
    assert rules.auth is not None
    for _path, _method, operation in iter_operations(staged_copy):
        params = operation.get("parameters") or []
        kept = [p for p in params if p.get("name") != rules.auth.header_parameter]
        if len(kept) != len(params):
            operation["security"] = [{rules.auth.security_scheme: []}]
        operation["parameters"] = kept
    old = normalize_document(staged_spec, "old.yaml", classic_rules_path)

    stale_report = build_report(old, normalize_document(staged_copy, "new.yaml", classic_rules_path))
    (entry,) = stale_report.stale_rules
    assert entry.startswith("auth:")
    assert [c.rule for c in stale_report.changes if c.rule.startswith("security")] == []

    retired_rules = _rules_without(tmp_path, "auth", *EARLY_QUIRKS)
    retired = build_report(old, normalize_document(staged_copy, "new.yaml", retired_rules))
    assert retired.stale_rules == ()
    assert [c.rule for c in retired.changes if c.rule.startswith("security")] == []
