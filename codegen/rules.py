"""Typed view of codegen/rules.yaml, checked on load so a typo in a rule fails with its location."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.errors import SpecError
from codegen.quirks import SECTIONS as QUIRK_SECTIONS
from codegen.quirks import QuirkRules, load_quirks
from codegen.yamlio import load_yaml_file

__all__ = ["RULES_PATH", "ErrorRule", "ExtractRule", "Locator", "OperationRule", "Rules", "load_rules"]

RULES_PATH = Path(__file__).with_name("rules.yaml")

#: A path from the document root: keys, list indexes, or {field: value} list-item selectors.
Locator = tuple[str | int | tuple[str, str], ...]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ExtractRule:
    name: str
    at: tuple[Locator, ...]


@dataclass(frozen=True)
class ErrorRule:
    into: str
    match: re.Pattern[str]
    schema: dict[str, Any]


@dataclass(frozen=True)
class OperationRule:
    name: str
    request_body: str | None
    #: Set by a NAMES.md-style entry ("METHOD /path": {resource, method}); else the tag decides.
    resource: str | None = None


@dataclass(frozen=True)
class Rules:
    extract: tuple[ExtractRule, ...]
    errors: ErrorRule
    schemas: dict[str, str]
    auth_header: str
    security_scheme: str
    servers: list[dict[str, Any]]
    tags: dict[str, str]
    operations: dict[str, OperationRule]
    open_enums_in_responses: bool
    require_bodies_with_required_properties: bool
    #: status -> description, added where missing; the second set only with path parameters.
    error_responses_always: dict[str, str]
    error_responses_with_path_parameters: dict[str, str]
    #: upstream operationId -> parameter name -> schema keywords to add
    parameter_constraints: dict[str, dict[str, dict[str, Any]]]
    #: Sections for the published spec's quirks (codegen/quirks.py); they run first.
    quirks: QuirkRules = field(default_factory=QuirkRules)


def _require(cond: bool, source: str, where: str, problem: str) -> None:
    if not cond:
        raise SpecError(source, where, problem)


def _locator(raw: Any, source: str, where: str) -> Locator:
    _require(isinstance(raw, list) and bool(raw), source, where, "a locator is a non-empty list")
    parts: list[str | int | tuple[str, str]] = []
    for item in raw:
        if isinstance(item, dict):
            _require(len(item) == 1, source, where, f"selector {item!r} must have exactly one field")
            ((field, value),) = item.items()
            parts.append((str(field), str(value)))
        elif isinstance(item, str | int):
            parts.append(item)
        else:
            raise SpecError(source, where, f"locator item {item!r} is neither a key nor a selector")
    return tuple(parts)


def load_rules(path: Path = RULES_PATH) -> Rules:
    source = str(path)
    raw = load_yaml_file(path)
    _require(isinstance(raw, dict), source, "", "rules file must be a mapping")
    expected = {"extract", "errors", "schemas", "auth", "servers", "tags", "operations"}
    expected |= {"request_bodies", "open_enums", "error_responses", "parameters"} | QUIRK_SECTIONS
    unknown = set(raw) - expected
    _require(not unknown, source, "", f"unknown sections {sorted(unknown)} (known: {sorted(expected)})")

    extract = tuple(
        ExtractRule(
            name=str(item["name"]),
            at=tuple(_locator(loc, source, f"/extract/{i}/at/{j}") for j, loc in enumerate(item["at"])),
        )
        for i, item in enumerate(raw.get("extract") or [])
    )
    errors_raw = raw["errors"]
    try:
        match = re.compile(errors_raw["match"])
    except re.error as exc:
        raise SpecError(source, "/errors/match", f"bad regular expression: {exc}") from None
    errors = ErrorRule(into=str(errors_raw["into"]), match=match, schema=dict(errors_raw["schema"]))

    schemas = {str(k): str(v) for k, v in (raw.get("schemas") or {}).items()}
    for old, new in schemas.items():
        _require(
            bool(_NAME.match(new)), source, f"/schemas/{old}", f"target name {new!r} is not a valid name"
        )

    operations: dict[str, OperationRule] = {}
    for op_id, body in (raw.get("operations") or {}).items():
        keyed = isinstance(body, dict) and {"resource", "method"} <= set(body)
        _require(
            isinstance(body, dict) and ("name" in body or keyed),
            source,
            f"/operations/{op_id}",
            "needs a `name` (or `resource` and `method`)",
        )
        name = str(body["method"] if keyed else body["name"])
        resource = str(body["resource"]) if keyed else None
        for word in (name, resource or name):
            _require(
                bool(_NAME.match(word)), source, f"/operations/{op_id}", f"name {word!r} is not an identifier"
            )
        operations[str(op_id)] = OperationRule(name, body.get("request_body"), resource)

    open_enums = raw.get("open_enums") or {}
    error_responses = raw.get("error_responses") or {}
    constraints = {
        str(op): {str(param): dict(keywords) for param, keywords in params.items()}
        for op, params in (raw.get("parameters") or {}).items()
    }
    return Rules(
        extract=extract,
        errors=errors,
        schemas=schemas,
        auth_header=str(raw["auth"]["header_parameter"]),
        security_scheme=str(raw["auth"]["security_scheme"]),
        servers=list(raw["servers"]),
        tags={str(k): str(v) for k, v in raw["tags"].items()},
        operations=operations,
        open_enums_in_responses=open_enums.get("in") == "responses",
        error_responses_always={str(k): str(v) for k, v in (error_responses.get("always") or {}).items()},
        error_responses_with_path_parameters={
            str(k): str(v) for k, v in (error_responses.get("with_path_parameters") or {}).items()
        },
        parameter_constraints=constraints,
        require_bodies_with_required_properties=bool(
            (raw.get("request_bodies") or {}).get("required_when_schema_has_required_properties")
        ),
        quirks=load_quirks(raw, source, path.parent),
    )
