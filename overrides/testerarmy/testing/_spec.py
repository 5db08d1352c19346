"""The spec the simulator serves: its operations, parameters and schemas, read once at start.

By default that is the normalized spec shipped as package data with the generated models
(``testerarmy_pydantic/openapi.normalized.json``, written by ``make generate``); ``Simulator(spec=...)``
takes another one (a path to a JSON/YAML file, or the parsed document), e.g. a spec copy that adds
an operation. Every route, path parameter, request check and response check comes from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

__all__ = ["ApiSpec", "Parameter", "SpecOperation", "load_spec"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PACKAGE_DATA = ("testerarmy_pydantic", "openapi.normalized.json")
_ROOT = "urn:testerarmy-sim:spec"
# Validators of schemas built on the fly (not in the document), kept by content, least recent out.
_MAX_BY_CONTENT = 256


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the spec; ``key`` ("METHOD /path") is its identity (docs/NAMES)."""

    key: str
    method: str
    path: str  # as in the spec's paths, below the server URL (e.g. /v1/runs/{id})
    operation_id: str
    parameters: tuple[Parameter, ...]
    body_media: tuple[str, ...]  # request body media types (empty: no body)
    body_schema: Mapping[str, Any] | None  # JSON body schema, if any
    body_required: bool
    responses: Mapping[str, Mapping[str, Any] | None]  # "200"/"4XX"/"default" -> JSON schema or None
    auth: bool

    @cached_property
    def success_status(self) -> int:
        codes = sorted(int(c) for c in self.responses if c.isdigit() and 200 <= int(c) < 300)
        return codes[0] if codes else 200

    def response_schema(self, status: int) -> tuple[bool, Mapping[str, Any] | None]:
        """(documented, JSON schema) of the answer with ``status``."""
        for code in (str(status), f"{status // 100}XX", "default"):
            if code in self.responses:
                return True, self.responses[code]
        return False, None

    @cached_property
    def path_regex(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", self.path)
        pattern = "".join(
            f"(?P<p{i}>[^/]+)" if p.startswith("{") else re.escape(p) for i, p in enumerate(parts)
        )
        return re.compile(f"^{pattern}$")


def load_spec(source: str | Path | Mapping[str, Any] | None = None) -> ApiSpec:
    """The spec from ``source`` (file path or parsed document), else the installed normalized spec."""
    if source is None:
        text = resources.files(_PACKAGE_DATA[0]).joinpath(_PACKAGE_DATA[1]).read_text(encoding="utf-8")
        return ApiSpec(json.loads(text))
    if isinstance(source, Mapping):
        return ApiSpec(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"spec: cannot read {path}: {exc}") from None
    if path.suffix == ".json":
        return ApiSpec(json.loads(text))
    import yaml  # only for YAML spec copies; the shipped spec is JSON

    return ApiSpec(yaml.safe_load(text))


class ApiSpec:
    """Operations and schema helpers of one OpenAPI 3.1 document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
            raise ValueError("spec: not an OpenAPI document (no 'paths' object)")
        if str(document.get("openapi", "")).startswith("3.0"):
            document = _nullable_as_type(document)
        document = _discriminated(document)
        self.document = document
        resource = DRAFT202012.create_resource(dict(document))
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource(_ROOT, resource)
        self._document_ids = _mapping_ids(document)  # grows by the kept folds of `merged`
        self._folded: dict[int, dict[str, Any]] = {}
        self._validators: dict[int, jsonschema.protocols.Validator] = {}
        self._by_content: dict[str, jsonschema.protocols.Validator] = {}
        global_auth = bool(document.get("security"))
        ops: list[SpecOperation] = []
        for path, item in document["paths"].items():
            item = self.deref(item)
            shared = list(item.get("parameters", ()))
            for method in _METHODS:
                if method in item:
                    ops.append(self._operation(path, method, self.deref(item[method]), shared, global_auth))
        self.operations: tuple[SpecOperation, ...] = tuple(ops)
        self.by_key = {op.key: op for op in ops}

    def _operation(
        self, path: str, method: str, op: Mapping[str, Any], shared: list[Any], global_auth: bool
    ) -> SpecOperation:
        params: dict[tuple[str, str], Parameter] = {}
        for raw in [*shared, *op.get("parameters", ())]:
            p = self.deref(raw)
            params[(p["name"], p["in"])] = Parameter(
                p["name"], p["in"], bool(p.get("required") or p["in"] == "path"), p.get("schema") or {}
            )
        body = self.deref(op.get("requestBody") or {})
        content = body.get("content") or {}
        json_media = next((m for m in content if _is_json(m)), None)
        responses: dict[str, Mapping[str, Any] | None] = {}
        for code, raw in (op.get("responses") or {}).items():
            resp_content = self.deref(raw).get("content") or {}
            media = next((m for m in resp_content if _is_json(m)), None)
            responses[str(code).upper()] = resp_content[media].get("schema") if media else None
        security = op.get("security")
        key = f"{method.upper()} {path}"
        return SpecOperation(
            key=key,
            method=method.upper(),
            path=path,
            operation_id=str(op.get("operationId") or key),
            parameters=tuple(params.values()),
            body_media=tuple(content),
            body_schema=content[json_media].get("schema") if json_media else None,
            body_required=bool(body.get("required")),
            responses=responses,
            auth=global_auth if security is None else bool(security),
        )

    def deref(self, node: Any) -> Any:
        """``node`` with local ``$ref``s followed (one chain; nested refs stay)."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/") or seen > 32:
                raise ValueError(f"spec: unsupported or cyclic $ref {ref!r}")
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node, seen = target, seen + 1
        return node

    def merged(self, schema: Any) -> Mapping[str, Any]:
        """``schema`` with refs followed and ``allOf`` folded into one (properties, required united).

        The fold of a document schema is made once and kept (callers must not mutate it): it then
        counts as part of the document, and its validator is cached by identity too.
        """
        schema = self.deref(schema)
        if not isinstance(schema, Mapping):
            return {}
        if "allOf" not in schema:
            return schema
        if id(schema) not in self._document_ids:
            return self._fold(schema)
        folded = self._folded.get(id(schema))
        if folded is None:
            folded = self._folded[id(schema)] = self._fold(schema)
            self._document_ids.update(_mapping_ids(folded))
        return folded

    def _fold(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props: dict[str, Any] = dict(out.get("properties") or {})
        required: list[str] = list(out.get("required") or [])
        for part in schema["allOf"]:
            for k, v in self.merged(part).items():
                if k == "properties":
                    props.update(v)
                elif k == "required":
                    required += [r for r in v if r not in required]
                else:
                    out.setdefault(k, v)
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
        return out

    def validator(self, schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
        """A cached JSON Schema 2020-12 validator of ``schema`` (refs resolve against the spec).

        A schema of the document is cached by identity (the document lives as long as the spec, so
        its ids stay unique). Any other schema (a handler's ``{"$ref": ...}``, a ``merged`` copy) is
        cached by its content: an id-keyed entry would outlive its object, and the next temporary
        allocated at the same address would get the old one's validator.
        """
        if id(schema) in self._document_ids:
            cached = self._validators.get(id(schema))
            if cached is None:
                cached = self._validators[id(schema)] = self._build(schema)
            return cached
        key = json.dumps(schema, sort_keys=True, default=repr)
        cached = self._by_content.pop(key, None) or self._build(schema)
        self._by_content[key] = cached  # most recently used last
        if len(self._by_content) > _MAX_BY_CONTENT:
            del self._by_content[next(iter(self._by_content))]
        return cached

    def _build(self, schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(
            _rebase(schema), registry=self._registry, format_checker=jsonschema.FormatChecker()
        )


def _mapping_ids(node: Any) -> set[int]:
    """The ids of every mapping inside ``node`` (iteratively: the document may nest deeply)."""
    ids: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ids.add(id(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return ids


def _rebase(schema: Any) -> Any:
    """Local refs (``#/components/...``) of an inline schema, pointed at the spec document."""
    if isinstance(schema, Mapping):
        out = {k: _rebase(v) for k, v in schema.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            out["$ref"] = f"{_ROOT}{ref}"
        return out
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def _nullable_as_type(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` in JSON Schema terms (a ``null`` type or ``anyOf`` branch)."""
    if isinstance(node, list):
        return [_nullable_as_type(v) for v in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: _nullable_as_type(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is not True:
        return out
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [out, {"type": "null"}]}


def _discriminated(node: Any) -> Any:
    """OpenAPI's ``discriminator`` in JSON Schema terms: each mapped branch pins its property value.

    JSON Schema ignores ``discriminator``; where the branches' discriminating property is an open
    string (the normalized spec opens response enums), every step object would match several
    branches and fail ``oneOf``. Pinning ``{property: const value}`` per branch is what the
    discriminator means, so the check judges each object by the branch its value names.
    """
    if isinstance(node, list):
        return [_discriminated(v) for v in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: _discriminated(v) for k, v in node.items()}
    disc = node.get("discriminator")
    union = "oneOf" if "oneOf" in node else "anyOf" if "anyOf" in node else None
    if union is None or not isinstance(disc, Mapping) or not isinstance(disc.get("mapping"), Mapping):
        return out
    prop = disc.get("propertyName")
    by_ref = {str(ref): key for key, ref in disc["mapping"].items()}
    branches = []
    for branch in out[union]:
        key = by_ref.get(str(branch.get("$ref"))) if isinstance(branch, Mapping) else None
        if key is None:
            branches.append(branch)
            continue
        pin = {"properties": {prop: {"const": key}}, "required": [prop]}
        branches.append({"allOf": [branch, pin]})
    out[union] = branches
    return out


def _is_json(media: str) -> bool:
    base = media.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")
