"""Read the normalized spec into one description per operation (:class:`OperationView`).

This is the single description the renderer turns into the sync and the async method, and into the
operation's runtime data (request template and argument checks). Everything here is derived from the
spec: parameter names are the snake_case of the spec's names, types and checks come from the schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from codegen.naming import snake
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations

__all__ = ["Arg", "ModelFamily", "OperationView", "PagingView", "read_operations"]

#: A list is cursor-paged when it takes this query parameter and its answer (an object) has the
#: next-cursor field and exactly one array: that array holds the page's items.
CURSOR_PARAMETER: Final = "cursor"
NEXT_CURSOR_FIELD: Final = "nextCursor"
#: The one-page twin of a paged list is named ``<list method><PAGE_SUFFIX>``.
PAGE_SUFFIX: Final = "_page"

#: Schema keywords the runtime validator interprets (everything else is documentation).
CHECK_KEYWORDS: Final = (
    "type",
    "format",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
)
#: Keyword arguments every method has; a spec name that collides gets a trailing underscore.
RESERVED: Final = frozenset({"self", "timeout", "extra_headers", "body"})
_SCALARS: Final = {"integer": "int", "number": "float", "boolean": "bool"}
_STRING_FORMATS: Final = {
    "uuid": "str | UUID",
    "date-time": "str | datetime.datetime",
    "date": "str | datetime.date",
    "binary": "FileContent",
}


@dataclass(frozen=True)
class ModelFamily:
    """THE switch point for the model family the resources return and accept.

    Today: the attrs models of openapi-python-client (``testerarmy_api.models``, ``from_dict``). A
    later switch to the pydantic models changes this object (module and parse method) only; the
    runtime encoder accepts both families' instances (``to_dict`` / ``model_dump``).
    """

    #: Module of the generated client package that holds the models, imported as ``models``.
    module: str = "models"
    parse_method: str = "from_dict"


ATTRS_MODELS: Final = ModelFamily()


@dataclass(frozen=True)
class Arg:
    name: str  # Python parameter name
    wire: str  # name in the spec (path/query parameter, body property)
    location: str  # "path" | "query" | "body" | "whole_body"
    required: bool
    nullable: bool
    annotation: str
    checks: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class PagingView:
    cursor_arg: str  # Python name of the cursor argument
    next_cursor: str  # wire name of the next-cursor field of the answer
    items: str  # wire name of the answer's array of items
    item_model: str | None  # model class of an item, None for plain JSON items


@dataclass(frozen=True)
class OperationView:
    key: str  # "METHOD /path"
    resource: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    authenticated: bool
    body_kind: str  # "none" | "json" | "whole" | "multipart"
    body_required: bool
    response_model: str | None  # model class name, or None for plain JSON / no body
    response_kind: str  # "model" | "json" | "none"
    args: tuple[Arg, ...] = field(default_factory=tuple)
    models: frozenset[str] = frozenset()
    paging: PagingView | None = None

    @property
    def constant(self) -> str:
        return f"{self.resource}_{self.method_name}".upper()

    @property
    def page_method(self) -> str:
        """The method sending exactly this operation: the one-page twin for a paged list."""
        return self.method_name + PAGE_SUFFIX if self.paging else self.method_name


class _Schemas:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.all: dict[str, Any] = (spec.get("components") or {}).get("schemas") or {}
        self.used: set[str] = set()

    def resolve(self, schema: Any) -> tuple[str | None, dict[str, Any]]:
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            name = schema["$ref"].removeprefix(SCHEMA_REF_PREFIX)
            return name, self.all.get(name) or {}
        return None, schema if isinstance(schema, dict) else {}

    def is_model(self, schema: dict[str, Any]) -> bool:
        return schema.get("type") == "object" or "properties" in schema or "allOf" in schema

    def annotation(self, schema: Any, *, request: bool = True) -> str:
        """The Python type a caller may pass for `schema`."""
        name, target = self.resolve(schema)
        nullable = bool(target.get("nullable")) or _has_null_type(target)
        text = self._annotation(name, target)
        return f"{text} | None" if nullable and "None" not in text.split(" | ") else text

    def _annotation(self, name: str | None, schema: dict[str, Any]) -> str:
        for combinator in ("oneOf", "anyOf"):
            if isinstance(schema.get(combinator), list):
                parts: list[str] = []
                for member in schema[combinator]:
                    for part in self.annotation(member).split(" | "):
                        if part not in parts:
                            parts.append(part)
                return " | ".join(parts) or "object"
        if name is not None and self.is_model(schema):
            self.used.add(name)
            return f"models.{name} | Mapping[str, Any]"
        if isinstance(schema.get("enum"), list):
            literals = [v for v in schema["enum"] if v is not None]
            if literals and all(isinstance(v, str) for v in literals):
                text = "Literal[" + ", ".join(repr(v) for v in literals) + "]"
                if name is not None:
                    self.used.add(name)
                    text = f"models.{name} | {text}"
                return text
        kinds = schema.get("type")
        kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k not in (None, "null")]
        if len(kinds) != 1:
            return "Mapping[str, Any]" if "allOf" in schema or "properties" in schema else "object"
        kind = kinds[0]
        if kind == "string":
            return _STRING_FORMATS.get(str(schema.get("format")), "str")
        if kind in _SCALARS:
            return _SCALARS[kind]
        if kind == "array":
            return f"Sequence[{self.annotation(schema.get('items') or {})}]"
        return "Mapping[str, Any]"

    def checks(self, schema: Any) -> dict[str, Any]:
        _name, target = self.resolve(schema)
        if any(k in target for k in ("oneOf", "anyOf", "allOf")):
            # A union of objects is still an object: a list or a string can be refused at the call.
            members = [self.resolve(m)[1] for k in ("oneOf", "anyOf", "allOf") for m in target.get(k) or []]
            if members and all(self.is_model(member) for member in members):
                return {"type": "object"}
            return {}
        checks: dict[str, Any] = {k: target[k] for k in CHECK_KEYWORDS if k in target}
        kinds = checks.get("type")
        if isinstance(kinds, list):
            concrete = [k for k in kinds if k != "null"]
            checks["type"] = concrete[0] if len(concrete) == 1 else None
            if checks["type"] is None:
                del checks["type"]
        if "enum" in checks:
            checks["enum"] = [v for v in checks["enum"] if v is not None]
        return checks


def _has_null_type(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return isinstance(kinds, list) and "null" in kinds


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _path_arg_name(wire: str, resource: str) -> str:
    # `{id}` alone says nothing; `run_id` says what it is (and keeps today's public names).
    if wire == "id":
        return f"{resource.removesuffix('s')}_id"
    return snake(wire)


def _unique(name: str, taken: set[str]) -> str:
    while name in taken or name in RESERVED:
        name += "_"
    taken.add(name)
    return name


def _body(operation: dict[str, Any], schemas: _Schemas, taken: set[str]) -> tuple[str, bool, list[Arg]]:
    body = operation.get("requestBody")
    if not isinstance(body, dict):
        return "none", False, []
    content: dict[str, Any] = body.get("content") or {}
    required = bool(body.get("required"))
    media_type = next(iter(sorted(content)), "application/json")
    multipart = media_type.startswith("multipart/")
    schema = (content.get(media_type) or {}).get("schema") or {}
    name, target = schemas.resolve(schema)
    properties: dict[str, Any] = target.get("properties") or {}
    flat = properties and not any(k in target for k in ("oneOf", "anyOf", "allOf"))
    if not flat:
        annotation = schemas.annotation(schema)
        description = _text(body.get("description"))
        arg = Arg("body", "", "whole_body", required, False, annotation, schemas.checks(schema), description)
        return ("multipart" if multipart else "whole"), required, [arg]
    if name is not None:
        schemas.used.add(name)
    required_props = set(target.get("required") or [])
    args = []
    for wire, prop in properties.items():
        _pname, prop_target = schemas.resolve(prop)
        if prop_target.get("readOnly"):
            continue
        nullable = bool(prop_target.get("nullable")) or _has_null_type(prop_target)
        args.append(
            Arg(
                name=_unique(snake(wire), taken),
                wire=wire,
                location="body",
                required=required and wire in required_props,
                nullable=nullable,
                annotation=schemas.annotation(prop),
                checks=schemas.checks(prop),
                description=_text(prop_target.get("description") or prop.get("description")),
            )
        )
    return ("multipart" if multipart else "json"), required, args


def _response(operation: dict[str, Any], schemas: _Schemas) -> tuple[str, str | None]:
    responses: dict[str, Any] = operation.get("responses") or {}
    for status, response in sorted((str(s), r) for s, r in responses.items()):
        if not status.startswith("2") or not isinstance(response, dict):
            continue
        content = response.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        if not isinstance(media, dict) or "schema" not in media:
            return ("none", None) if not content else ("json", None)
        name, target = schemas.resolve(media["schema"])
        if name is not None and schemas.is_model(target) and "allOf" not in target:
            schemas.used.add(name)
            return "model", name
        return "json", None
    return "none", None


def _paging(args: list[Arg], response_model: str | None, schemas: _Schemas) -> PagingView | None:
    cursor = next((a for a in args if a.location == "query" and a.wire == CURSOR_PARAMETER), None)
    if cursor is None or response_model is None:
        return None
    properties: dict[str, Any] = schemas.all.get(response_model, {}).get("properties") or {}
    if NEXT_CURSOR_FIELD not in properties:
        return None
    arrays = [(wire, target) for wire, prop in properties.items() if (target := schemas.resolve(prop)[1])]
    arrays = [(wire, target) for wire, target in arrays if target.get("type") == "array"]
    if len(arrays) != 1:  # which array holds the items would be a guess: leave the list one page
        return None
    items, target = arrays[0]
    item_name, item = schemas.resolve(target.get("items") or {})
    item_model = item_name if item_name is not None and schemas.is_model(item) else None
    if item_model is not None:
        schemas.used.add(item_model)
    return PagingView(cursor.name, NEXT_CURSOR_FIELD, items, item_model)


def _operation(path: str, method: str, operation: dict[str, Any], spec: dict[str, Any]) -> OperationView:
    resource, method_name = str(operation["operationId"]).split(".", 1)
    schemas = _Schemas(spec)
    taken: set[str] = set()
    args: list[Arg] = []
    for param in operation.get("parameters") or []:
        location = param.get("in")
        if location not in ("path", "query"):
            continue
        wire = str(param["name"])
        name = _path_arg_name(wire, resource) if location == "path" else snake(wire)
        schema = param.get("schema") or {}
        _n, target = schemas.resolve(schema)
        args.append(
            Arg(
                name=_unique(name, taken),
                wire=wire,
                location=location,
                required=location == "path" or bool(param.get("required")),
                nullable=bool(target.get("nullable")) or _has_null_type(target),
                annotation=schemas.annotation(schema),
                checks=schemas.checks(schema),
                description=_text(param.get("description")),
            )
        )
    body_kind, body_required, body_args = _body(operation, schemas, taken)
    response_kind, response_model = _response(operation, schemas)
    paging = _paging(args, response_model, schemas)
    security = operation.get("security", spec.get("security"))
    return OperationView(
        key=f"{method.upper()} {path}",
        resource=resource,
        method_name=method_name,
        http_method=method.upper(),
        path=path,
        summary=_text(operation.get("summary")),
        description=str(operation.get("description") or "").strip(),
        authenticated=security != [],
        body_kind=body_kind,
        body_required=body_required,
        response_model=response_model,
        response_kind=response_kind,
        args=tuple(args + body_args),
        paging=paging,
        models=frozenset(schemas.used),
    )


def read_operations(spec: dict[str, Any]) -> list[OperationView]:
    """Every operation of the normalized spec, ordered by (resource, method name)."""
    views = [_operation(path, method, op, spec) for path, method, op in iter_operations(spec)]
    return sorted(views, key=lambda view: (view.resource, view.method_name))
