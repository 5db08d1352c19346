"""`python -m codegen generate` on bad specs: a clear error (file, location, problem), generated/ untouched.

Each case is a spec text (or bytes) and the fragments its error message must contain. Specs are
built from the vendored one where a realistic mistake is wanted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from codegen.__main__ import main
from tests.unit.codegen._pick import operation_to_remove

REPO = Path(__file__).resolve().parents[3]
VENDORED = (REPO / "openapi.yaml").read_text(encoding="utf-8")


def _vendored_with(edit: Callable[[dict[str, object]], None]) -> str:
    spec = yaml.safe_load(VENDORED)
    edit(spec)
    return yaml.safe_dump(spec, sort_keys=False)


def _empty_operation_id(spec: dict) -> None:  # type: ignore[type-arg]
    # A missing operationId is fine (operations are keyed by "METHOD /path"); an empty one is not.
    spec["paths"]["/v1/runs/{id}"]["get"]["operationId"] = " "


#: The union keyword of the run's `output` (anyOf in the published spec), where a $ref is replaced.
_OUTPUT_UNION = next(
    k
    for k in ("oneOf", "anyOf")
    if k in yaml.safe_load(VENDORED)["components"]["schemas"]["RunResponse"]["properties"]["output"]
)


def _dangling_ref(spec: dict) -> None:  # type: ignore[type-arg]
    spec["components"]["schemas"]["RunResponse"]["properties"]["output"][_OUTPUT_UNION][0] = {
        "$ref": "#/components/schemas/RunOutputV2"
    }


def _version(spec: dict) -> None:  # type: ignore[type-arg]
    spec["openapi"] = "3.2.0"


#: The vendored spec written as YAML (upstream's file is JSON): for the cases that edit its text.
VENDORED_YAML = _vendored_with(lambda spec: None)
_TITLE_LINE = f"  title: {yaml.safe_load(VENDORED)['info']['title']}"


def _ref_cycle(spec: dict) -> None:  # type: ignore[type-arg]
    schemas = spec["components"]["schemas"]
    schemas["Loop"] = {"$ref": "#/components/schemas/Loop2"}
    schemas["Loop2"] = {"$ref": "#/components/schemas/Loop"}
    schemas["RunResponse"]["properties"]["loop"] = {"$ref": "#/components/schemas/Loop"}


def _external_ref(spec: dict) -> None:  # type: ignore[type-arg]
    spec["components"]["schemas"]["RunResponse"]["properties"]["input"] = {"$ref": "common.yaml#/Input"}


REMOVED = operation_to_remove()


def _stale_rule(spec: dict) -> None:  # type: ignore[type-arg]
    REMOVED.remove(spec)


def _invalid_after_rules(spec: dict) -> None:  # type: ignore[type-arg]
    spec["paths"]["/v1/runs"]["get"]["parameters"][0]["in"] = "body"


_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(24)
)

CASES: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "malformed-yaml": ("openapi: 3.1.0\npaths:\n  /v1/runs: [unclosed\n", ("line 4", "invalid YAML")),
    "dangling-ref": (
        _vendored_with(_dangling_ref),
        (f"/{_OUTPUT_UNION}/0/$ref", "dangling $ref", "RunOutputV2"),
    ),
    "no-paths": ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", ("/paths", "no `paths`")),
    "empty-operation-id": (
        _vendored_with(_empty_operation_id),
        ("/paths/~1v1~1runs~1{id}/get/operationId", "empty or non-string operationId"),
    ),
    "unsupported-version": (
        _vendored_with(_version),
        ("/openapi", "unsupported OpenAPI version '3.2.0'", "3.0.x, 3.1.x"),
    ),
    "swagger-2": ("swagger: '2.0'\npaths: {}\n", ("/openapi", "Swagger 2.0")),
    "not-a-mapping": ("- just\n- a list\n", ("not a mapping",)),
    "empty-file": ("", ("not a mapping",)),
    "duplicate-key": (
        VENDORED_YAML.replace(
            "\n  /v1/runs/{id}/cancel:", "\n  /v1/runs:\n    get: {}\n  /v1/runs/{id}/cancel:", 1
        ),
        ("duplicate key '/v1/runs'", "line"),
    ),
    "non-utf8": (
        VENDORED_YAML.encode().replace(_TITLE_LINE.encode(), _TITLE_LINE.encode() + b" \xff", 1),
        ("not UTF-8", "0xff"),
    ),
    "alias-bomb": (_BOMB, ("expands to", "alias bomb")),
    "many-aliases": (
        "".join(f"k{i}: &a{i} [1]\nr{i}: *a{i}\n" for i in range(150)),
        ("more than 100 YAML aliases",),
    ),
    "deeply-nested": ("a: " + "[" * 5000 + "]" * 5000 + "\n", ("nested too deeply",)),
    "huge-file": ("openapi: 3.1.0\n" + "# padding\n" * 600_000, ("bytes", "limit")),
    "ref-cycle": (_vendored_with(_ref_cycle), ("$ref cycle", "Loop")),
    "external-ref": (_vendored_with(_external_ref), ("external $ref", "common.yaml")),
    "stale-rule": (
        _vendored_with(_stale_rule),
        ("codegen/rules.yaml", f"{REMOVED.rule_key!r} does not exist"),
    ),
    "invalid-after-rules": (
        _vendored_with(_invalid_after_rules),
        ("after normalization", "not valid OpenAPI"),
    ),
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_spec_is_refused_with_location_and_target_untouched(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, fragments = CASES[case]
    spec = tmp_path / "openapi.yaml"
    if isinstance(content, bytes):
        spec.write_bytes(content)
    else:
        spec.write_text(content, encoding="utf-8")
    lock = tmp_path / "lock.json"
    digest = hashlib.sha256(spec.read_bytes()).hexdigest()
    lock.write_text(
        json.dumps({"path": "openapi.yaml", "sha256": digest, "source": "test", "retrieved": "-"})
    )
    target = tmp_path / "generated"
    (target / "testerarmy_api").mkdir(parents=True)
    (target / "testerarmy_api" / "__init__.py").write_text("# previous generation\n")
    before = _snapshot(target)

    code = main(["generate", "--spec", str(spec), "--lock", str(lock), "--target", str(target)])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ")
    assert "openapi.yaml" in err, err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in: {err}"
    assert len(err) < 4000, "error messages stay readable"
    assert _snapshot(target) == before


def test_spec_that_does_not_match_its_lock_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(VENDORED + "\n# a hand edit\n", encoding="utf-8")
    target = tmp_path / "generated"
    target.mkdir()
    code = main(["generate", "--spec", str(spec), "--target", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert "does not match codegen/openapi.lock.json" in err
    assert "make update-spec" in err
    assert list(target.iterdir()) == []
