"""Typed view of codegen/rules.yaml, checked on load so a typo in a rule fails with its location.

Every section is optional: a section upstream no longer needs is deleted, and the rule it held
stops applying (no KeyError, no placeholder). Each section has one parser in `_SECTIONS`; adding a
section is one parser function plus one field on `Rules` with its "absent" default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from codegen.errors import SpecError
from codegen.liberal import TOLERANCES
from codegen.quirks import SECTIONS as QUIRK_SECTIONS
from codegen.quirks import QuirkRules, load_quirks
from codegen.yamlio import load_yaml_file

__all__ = [
    "RULES_PATH",
    "AuthRule",
    "ErrorRule",
    "ExtractRule",
    "Locator",
    "OperationRule",
    "Rules",
    "load_rules",
]

RULES_PATH = Path(__file__).with_name("rules.yaml")

#: A path from the document root: keys, list indexes, or {field: value} list-item selectors.
Locator = tuple[str | int | tuple[str, str], ...]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_OPERATION_KEY = re.compile(r"^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) /\S*$")


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
class AuthRule:
    header_parameter: str
    security_scheme: str


@dataclass(frozen=True)
class OperationRule:
    """Public name of one operation (keyed by "METHOD /path"): `client.<resource>.<name>`."""

    resource: str
    name: str
    request_body: str | None


@dataclass(frozen=True)
class Rules:
    """One field per section of rules.yaml; a missing section leaves its default (the rule is off)."""

    extract: tuple[ExtractRule, ...] = ()
    errors: ErrorRule | None = None
    schemas: dict[str, str] = field(default_factory=dict)
    auth: AuthRule | None = None
    #: None keeps the spec's own servers.
    servers: list[dict[str, Any]] | None = None
    operations: dict[str, OperationRule] = field(default_factory=dict)
    open_enums_in_responses: bool = False
    #: response schema -> property -> what the service sends beyond it ("null", "absent")
    tolerated: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    require_bodies_with_required_properties: bool = False
    #: status -> description, added where missing; the second set only with path parameters.
    error_responses_always: dict[str, str] = field(default_factory=dict)
    error_responses_with_path_parameters: dict[str, str] = field(default_factory=dict)
    #: "METHOD /path" -> parameter name -> schema keywords to add
    parameter_constraints: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: Sections for the published spec's quirks (codegen/quirks.py); they run first.
    quirks: QuirkRules = field(default_factory=QuirkRules)


def _require(cond: bool, source: str, where: str, problem: str) -> None:
    if not cond:
        raise SpecError(source, where, problem)


def _mapping(raw: Any, source: str, where: str) -> dict[Any, Any]:
    _require(isinstance(raw, dict), source, where, "must be a mapping")
    assert isinstance(raw, dict)
    return raw


def _key(raw: dict[Any, Any], key: str, source: str, where: str) -> Any:
    _require(key in raw, source, where, f"needs a `{key}`")
    return raw[key]


def _locator(raw: Any, source: str, where: str) -> Locator:
    _require(isinstance(raw, list) and bool(raw), source, where, "a locator is a non-empty list")
    parts: list[str | int | tuple[str, str]] = []
    for item in raw:
        if isinstance(item, dict):
            _require(len(item) == 1, source, where, f"selector {item!r} must have exactly one field")
            ((field_name, value),) = item.items()
            parts.append((str(field_name), str(value)))
        elif isinstance(item, str | int):
            parts.append(item)
        else:
            raise SpecError(source, where, f"locator item {item!r} is neither a key nor a selector")
    return tuple(parts)


# -- one parser per section: (raw section, source) -> {Rules field: value} ----------------------------

_Parsed = dict[str, Any]


def _parse_extract(raw: Any, source: str) -> _Parsed:
    _require(isinstance(raw, list), source, "/extract", "must be a list")
    rules = []
    for i, item in enumerate(raw):
        item = _mapping(item, source, f"/extract/{i}")
        at = _key(item, "at", source, f"/extract/{i}")
        _require(isinstance(at, list), source, f"/extract/{i}/at", "must be a list of locators")
        rules.append(
            ExtractRule(
                name=str(_key(item, "name", source, f"/extract/{i}")),
                at=tuple(_locator(loc, source, f"/extract/{i}/at/{j}") for j, loc in enumerate(at)),
            )
        )
    return {"extract": tuple(rules)}


def _parse_errors(raw: Any, source: str) -> _Parsed:
    raw = _mapping(raw, source, "/errors")
    try:
        match = re.compile(str(_key(raw, "match", source, "/errors")))
    except re.error as exc:
        raise SpecError(source, "/errors/match", f"bad regular expression: {exc}") from None
    schema = _mapping(_key(raw, "schema", source, "/errors"), source, "/errors/schema")
    return {
        "errors": ErrorRule(into=str(_key(raw, "into", source, "/errors")), match=match, schema=dict(schema))
    }


def _parse_schemas(raw: Any, source: str) -> _Parsed:
    schemas = {str(k): str(v) for k, v in _mapping(raw, source, "/schemas").items()}
    for old, new in schemas.items():
        _require(
            bool(_NAME.match(new)), source, f"/schemas/{old}", f"target name {new!r} is not a valid name"
        )
    return {"schemas": schemas}


def _parse_auth(raw: Any, source: str) -> _Parsed:
    raw = _mapping(raw, source, "/auth")
    return {
        "auth": AuthRule(
            header_parameter=str(_key(raw, "header_parameter", source, "/auth")),
            security_scheme=str(_key(raw, "security_scheme", source, "/auth")),
        )
    }


def _parse_servers(raw: Any, source: str) -> _Parsed:
    _require(isinstance(raw, list), source, "/servers", "must be a list of server objects")
    return {"servers": list(raw)}


def _parse_operations(raw: Any, source: str) -> _Parsed:
    operations: dict[str, OperationRule] = {}
    for key, body in _mapping(raw, source, "/operations").items():
        where = f"/operations/{key}"
        _require(bool(_OPERATION_KEY.match(str(key))), source, where, 'a key is "METHOD /path"')
        _require(
            isinstance(body, dict) and {"resource", "method"} <= set(body),
            source,
            where,
            "needs `resource` and `method`",
        )
        resource, name = str(body["resource"]), str(body["method"])
        for what, value in (("resource", resource), ("method", name)):
            _require(bool(_NAME.match(value)), source, where, f"{what} {value!r} is not an identifier")
        operations[str(key)] = OperationRule(
            resource=resource, name=name, request_body=body.get("request_body")
        )
    return {"operations": operations}


def _parse_request_bodies(raw: Any, source: str) -> _Parsed:
    raw = _mapping(raw, source, "/request_bodies")
    return {
        "require_bodies_with_required_properties": bool(
            raw.get("required_when_schema_has_required_properties")
        )
    }


def _parse_open_enums(raw: Any, source: str) -> _Parsed:
    raw = _mapping(raw, source, "/open_enums")
    _require(
        raw.get("in") == "responses", source, "/open_enums/in", "the only supported value is `responses`"
    )
    return {"open_enums_in_responses": True}


def _parse_tolerated(raw: Any, source: str) -> _Parsed:
    tolerated: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, properties in _mapping(raw, source, "/tolerated").items():
        where = f"/tolerated/{name}"
        _require(bool(_NAME.match(str(name))), source, where, f"{name!r} is not a schema name")
        entries: dict[str, tuple[str, ...]] = {}
        for prop, allowed in _mapping(properties, source, where).items():
            # YAML reads a bare `null` as None: it means the tolerance "null".
            kinds = [("null" if a is None else str(a)) for a in allowed] if isinstance(allowed, list) else []
            ok = bool(kinds) and set(kinds) <= set(TOLERANCES)
            _require(ok, source, f"{where}/{prop}", f"a non-empty list of {list(TOLERANCES)}")
            entries[str(prop)] = tuple(kinds)
        tolerated[str(name)] = entries
    return {"tolerated": tolerated}


def _parse_error_responses(raw: Any, source: str) -> _Parsed:
    raw = _mapping(raw, source, "/error_responses")

    def statuses(key: str) -> dict[str, str]:
        return {
            str(k): str(v) for k, v in _mapping(raw.get(key) or {}, source, f"/error_responses/{key}").items()
        }

    return {
        "error_responses_always": statuses("always"),
        "error_responses_with_path_parameters": statuses("with_path_parameters"),
    }


def _parse_parameters(raw: Any, source: str) -> _Parsed:
    constraints = {
        str(op): {
            str(param): dict(_mapping(keywords, source, f"/parameters/{op}/{param}"))
            for param, keywords in _mapping(params, source, f"/parameters/{op}").items()
        }
        for op, params in _mapping(raw, source, "/parameters").items()
    }
    return {"parameter_constraints": constraints}


_SECTIONS: dict[str, Callable[[Any, str], _Parsed]] = {
    "extract": _parse_extract,
    "errors": _parse_errors,
    "schemas": _parse_schemas,
    "auth": _parse_auth,
    "servers": _parse_servers,
    "error_responses": _parse_error_responses,
    "parameters": _parse_parameters,
    "operations": _parse_operations,
    "request_bodies": _parse_request_bodies,
    "open_enums": _parse_open_enums,
    "tolerated": _parse_tolerated,
}


def load_rules(path: Path = RULES_PATH) -> Rules:
    source = str(path)
    raw = load_yaml_file(path)
    raw = {} if raw is None else raw  # an empty rules file is valid: nothing to fix
    _require(isinstance(raw, dict), source, "", "rules file must be a mapping")
    known = set(_SECTIONS) | QUIRK_SECTIONS
    unknown = set(raw) - known
    _require(not unknown, source, "", f"unknown sections {sorted(unknown)} (known: {sorted(known)})")
    values: _Parsed = {}
    for section, parse in _SECTIONS.items():
        # An empty section (`errors:` with nothing under it) is the same as no section.
        if raw.get(section) is not None:
            values.update(parse(raw[section], source))
    known_fields = {f.name for f in fields(Rules)}
    assert set(values) <= known_fields, f"section parsers set unknown fields {set(values) - known_fields}"
    values["quirks"] = load_quirks(raw, source, path.parent)
    return Rules(**values)
