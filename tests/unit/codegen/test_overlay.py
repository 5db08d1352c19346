"""codegen/overlay.py and the submit overlay: Overlay 1.0 semantics, every action must match, and the
submit overlay adds exactly the pinned docs page's fragment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.errors import SpecError
from codegen.lock import read_lock
from codegen.overlay import apply_overlay, load_overlay
from codegen.yamlio import load_yaml_bytes

REPO = Path(__file__).resolve().parents[3]
SUBMIT_OVERLAY = REPO / "codegen" / "overlays" / "submit-run.yaml"
PUBLISHED = REPO / "tests" / "fixtures" / "upstream" / "published-openapi.json"


def _page_fragment() -> dict[str, Any]:
    """The OpenAPI fragment of the pinned docs page (the lock names the page)."""
    (page,) = [s for s in read_lock().sources if "POST /v1/runs" in s.provides]
    text = (REPO / page.path).read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "the page should hold exactly one OpenAPI fragment"
    fragment = yaml.safe_load(blocks[0])
    assert isinstance(fragment, dict)
    return fragment


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    spec = load_yaml_bytes(PUBLISHED.read_bytes(), PUBLISHED.name)
    assert isinstance(spec, dict)
    return spec


def test_submit_overlay_adds_the_page_fragment_verbatim(published: dict[str, Any]) -> None:
    fragment = _page_fragment()
    merged = apply_overlay(published, load_overlay(SUBMIT_OVERLAY), SUBMIT_OVERLAY.name)

    # Everything the page says about its operations and schemas is in the result, unchanged ...
    for path, item in fragment["paths"].items():
        for method, operation in item.items():
            assert merged["paths"][path][method] == operation
    for name, schema in fragment["components"]["schemas"].items():
        assert merged["components"]["schemas"][name] == schema
    # ... and nothing of the published document was changed or dropped.
    for path, item in published["paths"].items():
        for method, operation in item.items():
            assert merged["paths"][path][method] == operation
    for name, schema in published["components"]["schemas"].items():
        assert merged["components"]["schemas"][name] == schema
    added_ops = {(p, m) for p, i in merged["paths"].items() for m in i} - {
        (p, m) for p, i in published["paths"].items() for m in i
    }
    assert added_ops == {(p, m) for p, i in fragment["paths"].items() for m in i}
    assert merged["servers"] == published["servers"]


def test_submit_overlay_fails_the_day_upstream_publishes_submit(published: dict[str, Any]) -> None:
    overlay = load_overlay(SUBMIT_OVERLAY)
    once = apply_overlay(published, overlay, SUBMIT_OVERLAY.name)
    with pytest.raises(SpecError, match=r"action 0 \(add POST /v1/runs.*\['post'\] is already in the spec"):
        apply_overlay(once, overlay, SUBMIT_OVERLAY.name)


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "tags": [{"name": "a"}],
    "paths": {"/a": {"get": {"x": 1, "y": [1]}}},
}


def test_update_merges_objects_appends_to_arrays_and_remove_deletes() -> None:
    result = apply_overlay(
        SPEC,
        _overlay(
            {"target": "$.paths['/a'].get", "update": {"x": 2, "y": [2], "z": {"k": "v"}}},
            {"target": "$.tags", "update": {"name": "b"}},
            {"target": "$.paths.*.get.z", "remove": True},
        ),
        "o.yaml",
    )
    assert result["paths"]["/a"]["get"] == {"x": 2, "y": [1, 2]}
    assert result["tags"] == [{"name": "a"}, {"name": "b"}]
    assert SPEC["paths"]["/a"]["get"] == {"x": 1, "y": [1]}, "the input is not mutated"


def test_an_action_that_matches_nothing_is_an_error_naming_it() -> None:
    overlay = _overlay(
        {"target": "$.paths['/a']", "update": {"post": {}}},
        {"target": "$.paths['/gone'].get", "description": "fix the old path", "update": {"x": 3}},
    )
    with pytest.raises(SpecError, match=r"/actions/1.*action 1 \(fix the old path\) matches nothing"):
        apply_overlay(SPEC, overlay, "o.yaml")


def test_a_target_must_select_objects_or_arrays() -> None:
    with pytest.raises(SpecError, match="not an object or array"):
        apply_overlay(SPEC, _overlay({"target": "$.openapi", "update": "3.2.0"}), "o.yaml")


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"overlay": "2.0.0", "info": {"title": "t", "version": "1"}, "actions": [{}]}, "/overlay"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": []}, "/actions"),
        (_overlay({"target": "$.a"}), "/actions/0"),
        (_overlay({"target": "$.a", "update": {}, "remove": True}), "/actions/0"),
        (_overlay({"target": "$[?@.a ==]", "update": {}}), "/actions/0/target"),
    ],
)
def test_malformed_overlays_are_refused_with_a_location(
    tmp_path: Path, document: dict[str, Any], where: str
) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_overlay(path)
    assert f"{path}: {where}" in str(caught.value) or where in str(caught.value)
