"""Structure checks: does the generated code say what the normalized spec says?

Every check returns a list of `Finding`s (empty = agreement) instead of asserting, so that

* the contract tests can assert "no findings" per operation / per schema with precise messages,
* the drift tests can run the same checks on a mutated copy of the spec (or with a modified copy
  of a generated model) and assert that the change is reported, by name.

What is compared (see docs/contract.md for the full list):

* operations: endpoint module `testerarmy_api.api.<resource>.<name>` with sync/sync_detailed/
  asyncio/asyncio_detailed; path/query parameters (Python name, position, required-ness, default,
  type); request body model; the request `_get_kwargs` builds (method, URL, query, body); return
  types; `_parse_response` for every documented status (fed a fake httpx.Response);
* schemas: one attrs class per object schema (named after the schema), fields one-to-one with the
  properties (JSON name <-> Python name), required-ness, nullability, types, enum members; nested
  inline objects recursively; the keys `to_dict` writes;
* the other direction: every endpoint module, model module and model class is explained by the spec;
* vendored <-> normalized: no operation lost, invented or merged by the normalization;
* pydantic models (the second, independent reading): field names (aliases) and required-ness.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import importlib
import inspect
import json
import pkgutil
import re
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import attrs
import httpx

from tests.contract import _spec
from tests.contract._naming import class_name, module_name, python_name

__all__ = [
    "ENDPOINT_FUNCTIONS",
    "Finding",
    "GeneratedPackage",
    "Report",
    "check_all",
    "check_class_name",
    "check_operation",
    "check_pydantic_schema",
    "check_schema",
    "check_unexplained",
    "check_vendored",
    "compare_attrs_pydantic",
    "component_class",
    "model_hints",
    "overlay_operations",
]

ENDPOINT_FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
_ASYNC_FUNCTIONS = frozenset({"asyncio", "asyncio_detailed"})
# A status no operation documents; used to prove `_parse_response` is not a catch-all.
_UNDOCUMENTED_STATUS = 418
_FAKE_BASE_URL = "http://contract.invalid"


@dataclass(frozen=True)
class Finding:
    """One disagreement between the spec and the code. `kind` groups findings for the tests."""

    subject: str  # "schema Run", "operation runs.get (GET /v1/runs/{id})", "module ..."
    message: str
    kind: str = "structure"

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class Report:
    findings: list[Finding]
    operations: int = 0
    schemas: int = 0
    fields: int = 0
    statuses: int = 0


# -- the generated package, as an injectable value ----------------------------------------------------


@dataclass
class GeneratedPackage:
    """The parts of `testerarmy_api` the checks look at.

    A value (not module globals) so that drift tests can swap one model class for a modified copy
    without touching the generated files or patching the imported package.
    """

    models: dict[str, type]  # class name -> class, as exported by testerarmy_api.models
    model_modules: dict[str, types.ModuleType]  # module name -> module, every file in models/
    endpoints: dict[str, types.ModuleType]  # "runs.get" -> testerarmy_api.api.runs.get
    unset_type: type
    file_type: type
    response_type: type
    client_types: tuple[type, ...]  # (AuthenticatedClient, Client)
    plain_client: Callable[..., Any]  # Client(base_url=..., raise_on_unexpected_status=...)
    unexpected_status: type[Exception]
    unset: Any
    spec_module: types.ModuleType

    @classmethod
    def load(cls, package: str = "testerarmy_api") -> GeneratedPackage:
        root = importlib.import_module(package)
        models_pkg = importlib.import_module(f"{package}.models")
        api_pkg = importlib.import_module(f"{package}.api")
        types_mod = importlib.import_module(f"{package}.types")
        client_mod = importlib.import_module(f"{package}.client")
        errors_mod = importlib.import_module(f"{package}.errors")
        models = {name: getattr(models_pkg, name) for name in models_pkg.__all__}
        model_modules = {
            info.name: importlib.import_module(f"{models_pkg.__name__}.{info.name}")
            for info in pkgutil.iter_modules(models_pkg.__path__)
        }
        endpoints: dict[str, types.ModuleType] = {}
        for resource in pkgutil.iter_modules(api_pkg.__path__):
            sub = importlib.import_module(f"{api_pkg.__name__}.{resource.name}")
            for info in pkgutil.iter_modules(sub.__path__):
                endpoints[f"{resource.name}.{info.name}"] = importlib.import_module(
                    f"{sub.__name__}.{info.name}"
                )
        return cls(
            models=models,
            model_modules=model_modules,
            endpoints=endpoints,
            unset_type=types_mod.Unset,
            file_type=types_mod.File,
            response_type=types_mod.Response,
            client_types=(client_mod.AuthenticatedClient, client_mod.Client),
            plain_client=client_mod.Client,
            unexpected_status=errors_mod.UnexpectedStatus,
            unset=types_mod.UNSET,
            spec_module=importlib.import_module(f"{root.__name__}._spec"),
        )

    def replacing(
        self, *classes: type, endpoints: Mapping[str, types.ModuleType] | None = None
    ) -> GeneratedPackage:
        """A copy in which the model classes with these names (and the given endpoint modules,
        keyed by operationId) are replaced."""
        models = dict(self.models)
        for replacement in classes:
            if replacement.__name__ not in models:
                raise KeyError(f"no generated model named {replacement.__name__}")
            models[replacement.__name__] = replacement
        modules = dict(self.endpoints)
        for key, module in (endpoints or {}).items():
            if key not in modules:
                raise KeyError(f"no generated endpoint module for {key}")
            modules[key] = module
        return dataclasses.replace(self, models=models, endpoints=modules)

    def namespace(self) -> dict[str, Any]:
        return {**self.models, "Unset": self.unset_type, "File": self.file_type}


def model_hints(pkg: GeneratedPackage, cls: type) -> dict[str, Any]:
    """Resolved annotations of a generated attrs class (its modules use postponed annotations and
    import sibling models only under TYPE_CHECKING, so the models namespace is supplied)."""
    module = importlib.import_module(cls.__module__)
    return typing.get_type_hints(cls, globalns={**vars(module), **pkg.namespace()})


def component_class(pkg: GeneratedPackage, spec: Mapping[str, Any], name: str) -> type | None:
    """The generated class for component schema `name`: named after the schema, or (as
    openapi-python-client does) after its `title`. None if neither exists."""
    for candidate in _class_candidates(spec, name):
        if candidate in pkg.models:
            return pkg.models[candidate]
    return None


def _class_candidates(spec: Mapping[str, Any], name: str) -> list[str]:
    schema = _spec.component_schemas(spec).get(name, {})
    names = [class_name(name)]
    title = schema.get("title") if isinstance(schema, Mapping) else None
    if isinstance(title, str) and class_name(title) not in names:
        names.append(class_name(title))
    return names


# -- type atoms: a comparable reading of both a schema and a Python annotation ------------------------


@dataclass(frozen=True)
class _Atom:
    kind: str  # none unset str int float bool uuid datetime date file any list enum model unknown
    inner: frozenset[_Atom] = frozenset()  # list items
    key: str = ""  # schema pointer (expected side) / qualified class name (actual side)
    label: str = ""
    payload: Any = field(default=None, compare=False, hash=False)  # schema / class


_COMPOSITE = ("list", "enum", "model")
_FORMAT_KINDS = {"uuid": "uuid", "date-time": "datetime", "date": "date", "binary": "file"}
_SCALAR_KINDS = {"integer": "int", "number": "float", "boolean": "bool", "null": "none"}
_PY_KINDS: dict[Any, str] = {
    type(None): "none",
    bool: "bool",
    str: "str",
    int: "int",
    float: "float",
    uuid.UUID: "uuid",
    datetime.datetime: "datetime",
    datetime.date: "date",
    typing.Any: "any",
}
_KIND_NAMES = {"none": "None", "unset": "Unset", "uuid": "UUID", "datetime": "datetime", "file": "File"}


def _describe(atoms: Iterable[_Atom]) -> str:
    parts = []
    for atom in atoms:
        if atom.kind == "list":
            parts.append(f"list[{_describe(atom.inner)}]")
        elif atom.kind in ("enum", "model", "unknown"):
            parts.append(atom.label)
        else:
            parts.append(_KIND_NAMES.get(atom.kind, atom.kind))
    return " | ".join(sorted(parts)) or "<nothing>"


# -- the checker ---------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, spec: Mapping[str, Any], pkg: GeneratedPackage) -> None:
        self.spec = spec
        self.pkg = pkg
        self.components = _spec.component_schemas(spec)
        self.findings: list[Finding] = []
        self.explained: dict[type, str] = {}  # generated class -> the schema pointer explaining it
        self.fields = 0
        self.statuses = 0
        self._checked_inline: set[tuple[str, type]] = set()

    def add(self, subject: str, message: str, kind: str = "structure") -> None:
        finding = Finding(subject, message, kind)
        if finding not in self.findings:
            self.findings.append(finding)

    def _member_sample(self, cls: type, schema: Any) -> Any:
        """A minimal instance of the union member `cls` was generated from, else of `schema`.

        A union without a discriminator (CreateCredentialRequest) gives the generated body the type
        `A | B | C`; the sample must be one of the member the check then builds, not the first one.
        """
        node = _spec.deref(self.spec, schema)
        for key in ("oneOf", "anyOf"):
            for member in node.get(key) or [] if isinstance(node, Mapping) else []:
                name = _spec.ref_name(member)
                if name is not None and component_class(self.pkg, self.spec, name) is cls:
                    return _spec.minimal_instance(self.spec, member)
        return _spec.minimal_instance(self.spec, schema)

    # -- expected atoms from a schema --------------------------------------------------------------

    def expected(self, node: Any, pointer: str) -> frozenset[_Atom]:
        name = _spec.ref_name(node)
        if name is not None:
            target = self.components.get(name)
            ref_pointer = f"#/components/schemas/{name}"
            if target is None:
                return frozenset({_Atom("unknown", key=ref_pointer, label=f"<dangling {ref_pointer}>")})
            if _spec.is_enum_schema(target):
                return frozenset({_Atom("enum", key=ref_pointer, label=self._label(name), payload=target)})
            if _spec.is_object_schema(target):
                return frozenset({_Atom("model", key=ref_pointer, label=self._label(name), payload=target)})
            # A named scalar (e.g. RunType: string) is inlined by the generator: no class of its own.
            return self.expected(target, ref_pointer)
        node = _spec.deref(self.spec, node)
        if not isinstance(node, Mapping):
            return frozenset({_Atom("any")})
        atoms: set[_Atom] = set()
        for union in ("oneOf", "anyOf"):
            for index, member in enumerate(node.get(union) or []):
                atoms |= self.expected(member, f"{pointer}/{union}/{index}")
        if atoms:
            return frozenset(atoms)
        declared = _spec.schema_types(node)
        # A boolean constant (`deleted: true`) is generated as a plain bool, not an Enum class.
        if "enum" in node and not all(isinstance(v, bool) for v in node["enum"]):
            atoms.add(_Atom("enum", key=pointer, label=f"<enum at {pointer}>", payload=node))
            if "null" in declared or None in node["enum"]:
                atoms.add(_Atom("none"))
            return frozenset(atoms)
        if not declared:
            declared = ["object"] if "properties" in node else []
        if not declared:
            return frozenset({_Atom("any")})
        for kind in declared:
            if kind == "string":
                atoms.add(_Atom(_FORMAT_KINDS.get(str(node.get("format")), "str")))
            elif kind in _SCALAR_KINDS:
                atoms.add(_Atom(_SCALAR_KINDS[kind]))
            elif kind == "array":
                items = node.get("items", {})
                atoms.add(_Atom("list", inner=self.expected(items, f"{pointer}/items")))
            elif kind == "object":
                atoms.add(_Atom("model", key=pointer, label=f"<object at {pointer}>", payload=node))
            else:
                atoms.add(_Atom("unknown", label=f"<type {kind}>"))
        return frozenset(atoms)

    def _label(self, component: str) -> str:
        cls = component_class(self.pkg, self.spec, component)
        return cls.__name__ if cls is not None else f"<class for {component}>"

    # -- actual atoms from an annotation -----------------------------------------------------------

    def actual(self, hint: Any) -> frozenset[_Atom]:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            return frozenset().union(*(self.actual(arg) for arg in typing.get_args(hint)))
        if hint is None:
            return frozenset({_Atom("none")})
        if hint is self.pkg.unset_type:
            return frozenset({_Atom("unset")})
        if hint is self.pkg.file_type:
            return frozenset({_Atom("file")})
        if origin is list:
            args = typing.get_args(hint)
            inner = self.actual(args[0]) if args else frozenset({_Atom("any")})
            return frozenset({_Atom("list", inner=inner)})
        if hint in _PY_KINDS:
            return frozenset({_Atom(_PY_KINDS[hint])})
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return frozenset({_Atom("enum", key=_qualname(hint), label=hint.__name__, payload=hint)})
        if isinstance(hint, type) and attrs.has(hint):
            return frozenset({_Atom("model", key=_qualname(hint), label=hint.__name__, payload=hint)})
        return frozenset({_Atom("unknown", key=repr(hint), label=repr(hint))})

    # -- comparing them ----------------------------------------------------------------------------

    def compare(
        self, subject: str, where: str, expected: frozenset[_Atom], actual: frozenset[_Atom], path: str = ""
    ) -> None:
        """`where` says what is compared (for messages); `path` is its JSON path inside the schema."""
        plain_expected = {a for a in expected if a.kind not in _COMPOSITE}
        plain_actual = {a for a in actual if a.kind not in _COMPOSITE}
        counts_differ = any(
            sum(a.kind == kind for a in expected) != sum(a.kind == kind for a in actual)
            for kind in _COMPOSITE
        )
        if plain_expected != plain_actual or counts_differ:
            self.add(
                subject,
                f"{where}: generated type is `{_describe(actual)}`, the spec implies `{_describe(expected)}`",
                "types",
            )
            if counts_differ:
                return
        for kind in _COMPOSITE:
            pairs = zip(
                sorted((a for a in expected if a.kind == kind), key=lambda a: a.key),
                sorted((a for a in actual if a.kind == kind), key=lambda a: a.key),
                strict=True,
            )
            for want, got in pairs:
                if kind == "list":
                    self.compare(subject, f"{where}[]", want.inner, got.inner, f"{path}[]")
                elif kind == "enum":
                    self.check_enum_at(subject, where, want, got.payload)
                else:
                    self.check_model_at(subject, where, want, got.payload, path)

    def check_enum_at(self, subject: str, where: str, want: _Atom, cls: type) -> None:
        component = _component_of(want.key)
        if component is not None:
            expected_cls = component_class(self.pkg, self.spec, component)
            if expected_cls is not None and cls is not expected_cls:
                self.add(
                    subject,
                    f"{where}: typed {cls.__name__}, but schema {component} is generated as "
                    f"{expected_cls.__name__}",
                    "types",
                )
                return
        self.explained.setdefault(cls, want.key)
        self.check_enum_members(subject, where, want.payload, cls)

    def check_enum_members(self, subject: str, where: str, schema: Mapping[str, Any], cls: type) -> None:
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            self.add(subject, f"{where}: {cls!r} is not an Enum class", "enum")
            return
        in_spec = [v for v in schema.get("enum", []) if v is not None]
        in_code = [m.value for m in cls]
        only_spec = [v for v in in_spec if v not in in_code]
        only_code = [v for v in in_code if v not in in_spec]
        if only_spec or only_code:
            self.add(
                subject,
                f"{where}: enum {cls.__name__} members differ from the spec: "
                f"only in the spec {only_spec}, only in the code {only_code}",
                "enum",
            )

    def check_model_at(self, subject: str, where: str, want: _Atom, cls: type, path: str) -> None:
        component = _component_of(want.key)
        if component is not None:
            # A named schema is checked by its own check_schema; here only "is it that class".
            expected_cls = component_class(self.pkg, self.spec, component)
            if expected_cls is None:
                self.add(subject, f"{where}: schema {component} has no generated class", "types")
            elif cls is not expected_cls:
                self.add(
                    subject,
                    f"{where}: typed {cls.__name__}, but schema {component} is generated as "
                    f"{expected_cls.__name__}",
                    "types",
                )
            return
        if (want.key, cls) in self._checked_inline:
            return
        self._checked_inline.add((want.key, cls))
        self.explained.setdefault(cls, want.key)
        self.check_model(subject, path, want.key, want.payload, cls)

    # -- models --------------------------------------------------------------------------------------

    def check_model(
        self, subject: str, path: str, pointer: str, schema: Mapping[str, Any], cls: type
    ) -> None:
        """Fields of attrs class `cls` against object schema `schema` (found at `pointer`; `path` is
        its JSON path inside the checked component, "" for the component itself)."""
        prefix = f"{path}." if path else ""
        where = f"object {path}" if path else "the schema"
        if not attrs.has(cls):
            self.add(subject, f"{where}: {cls!r} is not an attrs model class", "fields")
            return
        fields = {f.name: f for f in attrs.fields(cls)}
        extra_field = fields.pop("additional_properties", None)
        if schema.get("additionalProperties", True) is not False and extra_field is None:
            self.add(
                subject,
                f"{where} allows undeclared properties but {cls.__name__} has no "
                "additional_properties to keep them",
                "fields",
            )
        hints = model_hints(self.pkg, cls)
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        for missing in sorted(required - set(properties)):
            self.add(subject, f"{prefix}{missing} is listed in `required` but is not a property", "fields")
        expected_names: dict[str, str] = {}
        for json_name in properties:
            py = python_name(json_name)
            if py in expected_names:
                self.add(
                    subject,
                    f"properties {expected_names[py]!r} and {json_name!r} both map to Python name {py!r}",
                    "fields",
                )
            expected_names[py] = json_name
        for py, json_name in expected_names.items():
            self.fields += 1
            label = f"property {prefix}{json_name}"
            attr = fields.get(py)
            if attr is None:
                self.add(subject, f"{label} (Python name {py}) has no field in {cls.__name__}", "fields")
                continue
            is_required = json_name in required
            has_default = attr.default is not attrs.NOTHING
            if is_required and has_default:
                self.add(
                    subject,
                    f"{label} is required in the spec, but {cls.__name__}.{py} has a default "
                    f"({_show_default(attr.default)})",
                    "required",
                )
            elif not is_required and not has_default:
                self.add(
                    subject,
                    f"{label} is optional in the spec, but {cls.__name__}.{py} is a required field",
                    "required",
                )
            elif not is_required and attr.default is not self.pkg.unset:
                self.add(
                    subject,
                    f"{label} is optional: {cls.__name__}.{py} should default to UNSET, not "
                    f"{_show_default(attr.default)}",
                    "required",
                )
            want = self.expected(
                properties[json_name], f"{pointer}/properties/{_spec.escape_pointer(json_name)}"
            )
            if not is_required:
                want = want | {_Atom("unset")}
            got = self.actual(hints.get(py))
            self._report_nullability(subject, label, want, got, cls, py)
            self.compare(subject, f"{label} ({cls.__name__}.{py})", want, got, f"{prefix}{json_name}")
        for py in sorted(set(fields) - set(expected_names)):
            at = f" at {path}" if path else ""
            self.add(
                subject,
                f"{cls.__name__}.{py} (JSON name {_camel(py)!r}?) is not a property of the "
                f"schema{at}: nothing in the spec explains it",
                "fields",
            )

    def _report_nullability(
        self, subject: str, label: str, want: frozenset[_Atom], got: frozenset[_Atom], cls: type, py: str
    ) -> None:
        nullable_spec = _Atom("none") in want
        nullable_code = _Atom("none") in got
        if nullable_spec != nullable_code:
            said = "nullable" if nullable_spec else "not nullable"
            self.add(
                subject,
                f"{label} is {said} in the spec, but {cls.__name__}.{py} "
                f"{'does not accept' if nullable_spec else 'accepts'} None",
                "nullable",
            )

    def check_to_dict_keys(self, subject: str, schema: Mapping[str, Any], cls: type) -> None:
        """`to_dict` must write exactly the JSON names of the spec (tried with a full and a minimal
        sample instance; the latter shows optional fields are omitted, not written as null)."""
        for label, sample in (
            ("full", _spec.full_instance(self.spec, schema)),
            ("minimal", _spec.minimal_instance(self.spec, schema)),
        ):
            try:
                written = cls.from_dict(sample).to_dict()  # type: ignore[attr-defined]
            except Exception as exc:  # the generated code may raise anything on a mismatch
                self.add(
                    subject,
                    f"{cls.__name__}.from_dict/to_dict failed on a {label} sample instance "
                    f"{_short(sample)}: {type(exc).__name__}: {exc}",
                    "fields",
                )
                continue
            if set(written) != set(sample):
                self.add(
                    subject,
                    f"{cls.__name__}.to_dict writes keys {sorted(written)} for a {label} sample with keys "
                    f"{sorted(sample)}",
                    "fields",
                )

    # -- schemas ---------------------------------------------------------------------------------

    def check_schema(self, name: str) -> None:
        subject = f"schema {name}"
        schema = self.components.get(name)
        if not isinstance(schema, Mapping):
            self.add(subject, "not a component schema of the spec", "fields")
            return
        pointer = f"#/components/schemas/{name}"
        if not (_spec.is_object_schema(schema) or _spec.is_enum_schema(schema)):
            # Named scalars are inlined; a class of that name would be unexplained (check_unexplained).
            return
        cls = component_class(self.pkg, self.spec, name)
        if cls is None:
            self.add(
                subject,
                f"no generated class (looked for {', '.join(_class_candidates(self.spec, name))} "
                "in testerarmy_api.models)",
                "fields",
            )
            return
        self.explained.setdefault(cls, pointer)
        if _spec.is_enum_schema(schema):
            self.check_enum_members(subject, "the schema", schema, cls)
            return
        self.check_model(subject, "", pointer, schema, cls)
        if attrs.has(cls):
            self.check_to_dict_keys(subject, schema, cls)

    def check_class_name(self, name: str) -> None:
        schema = self.components.get(name, {})
        if not (_spec.is_object_schema(schema) or _spec.is_enum_schema(schema)):
            return
        wanted = class_name(name)
        if wanted in self.pkg.models:
            return
        cls = component_class(self.pkg, self.spec, name)
        if cls is not None:
            self.add(
                f"schema {name}",
                f"the generated class is named {cls.__name__} (after the schema's `title`), not {wanted}",
                "naming",
            )
        else:
            self.add(f"schema {name}", f"no generated class {wanted}", "naming")

    # -- operations ------------------------------------------------------------------------------

    def check_operation(self, op: _spec.Operation) -> None:
        subject = f"operation {op.label}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", op.operation_id):
            self.add(subject, "operationId is not of the form <resource>.<name>", "operations")
            return
        module = self.pkg.endpoints.get(op.operation_id)
        module_path = f"testerarmy_api.api.{op.resource}.{op.name}"
        if module is None:
            self.add(subject, f"no endpoint module {module_path}", "operations")
            return
        for fn_name in ENDPOINT_FUNCTIONS:
            fn = getattr(module, fn_name, None)
            if not callable(fn):
                self.add(subject, f"{module_path} has no function {fn_name}", "operations")
                continue
            if inspect.iscoroutinefunction(fn) != (fn_name in _ASYNC_FUNCTIONS):
                self.add(
                    subject,
                    f"{module_path}.{fn_name} is {'not ' if fn_name in _ASYNC_FUNCTIONS else ''}"
                    "a coroutine function",
                    "operations",
                )
            self.check_return_type(subject, op, f"{module_path}.{fn_name}", fn, fn_name.endswith("_detailed"))
        # The parameters are checked against the spec once, on sync_detailed; the other functions
        # must have exactly its parameters (so one spec change gives one finding, not five).
        reference = getattr(module, "sync_detailed", None)
        if callable(reference):
            self.check_signature(subject, op, f"{module_path}.sync_detailed", reference, with_client=True)
            for fn_name in ("sync", "asyncio", "asyncio_detailed", "_get_kwargs"):
                other = getattr(module, fn_name, None)
                if callable(other) and _parameter_shape(other) != _parameter_shape(reference):
                    self.add(
                        subject,
                        f"{module_path}.{fn_name} parameters {_parameter_shape(other)} differ from "
                        f"sync_detailed's {_parameter_shape(reference)}",
                        "params",
                    )
        get_kwargs = getattr(module, "_get_kwargs", None)
        if callable(get_kwargs):
            self.check_request(subject, op, module_path, get_kwargs)
        else:
            self.add(subject, f"{module_path} has no _get_kwargs", "operations")
        parse = getattr(module, "_parse_response", None)
        if callable(parse):
            self.check_responses(subject, op, module_path, parse)
        else:
            self.add(subject, f"{module_path} has no _parse_response", "operations")

    def _expected_params(self, op: _spec.Operation) -> dict[str, tuple[str, _spec.Parameter | None]]:
        """Python name -> (role, parameter); role is path | query | header | cookie | body."""
        wanted: dict[str, tuple[str, _spec.Parameter | None]] = {}
        for param in op.parameters:
            wanted[python_name(param.name)] = (param.location, param)
        if op.body is not None:
            wanted["body"] = ("body", None)
        return wanted

    def check_signature(
        self, subject: str, op: _spec.Operation, fn_label: str, fn: Callable[..., Any], *, with_client: bool
    ) -> None:
        signature = inspect.signature(fn)
        try:
            hints = typing.get_type_hints(fn)
        except Exception as exc:  # an unresolvable annotation is itself a finding
            self.add(subject, f"{fn_label}: annotations do not resolve: {exc}", "params")
            hints = {}
        params = dict(signature.parameters)
        if with_client:
            client = params.pop("client", None)
            if client is None or client.kind is not inspect.Parameter.KEYWORD_ONLY:
                self.add(subject, f"{fn_label} has no keyword-only `client` parameter", "params")
            else:
                hint = hints.get("client")
                accepted = set(typing.get_args(hint)) or {hint}
                # A secured operation needs the token, so AuthenticatedClient is enough there; an
                # anonymous one (the webhook triggers) must take both.
                security = op.raw.get("security", self.spec.get("security"))
                wanted = set(self.pkg.client_types) if not security else {self.pkg.client_types[0]}
                if not wanted <= accepted:
                    self.add(
                        subject,
                        f"{fn_label}: `client` does not accept both AuthenticatedClient and Client",
                        "params",
                    )
        wanted = self._expected_params(op)
        positional_names = [python_name(n) for n in _spec.path_template_names(op.path)]
        for py, (role, param) in wanted.items():
            where = f"{fn_label}: {role} parameter {param.name if param else 'body'!s}"
            actual = params.get(py)
            if actual is None:
                self.add(subject, f"{where} has no function parameter {py}", "params")
                continue
            if role == "path":
                if actual.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                    self.add(subject, f"{where} ({py}) is not positional", "params")
                if actual.default is not inspect.Parameter.empty:
                    self.add(subject, f"{where} ({py}) has a default, path parameters are required", "params")
            elif actual.kind is not inspect.Parameter.KEYWORD_ONLY:
                self.add(subject, f"{where} ({py}) is not keyword-only", "params")
            if role == "body":
                assert op.body is not None
                required = op.body_required
                want = self.expected(op.body[1], f"{op.label} requestBody")
                default_wanted: Any = inspect.Parameter.empty if required else self.pkg.unset
            else:
                assert param is not None
                required = param.required
                want = self.expected(param.schema, f"{op.label} parameter {param.name}")
                if required:
                    default_wanted = inspect.Parameter.empty
                else:
                    default_wanted = param.schema.get("default", self.pkg.unset)
            if not required:
                want = want | {_Atom("unset")}
            if role != "path":
                if required and actual.default is not inspect.Parameter.empty:
                    self.add(subject, f"{where} ({py}) is required in the spec but has a default", "params")
                elif not required and not _same_default(actual.default, default_wanted):
                    self.add(
                        subject,
                        f"{where} ({py}) defaults to {_show_default(actual.default)}, the spec "
                        f"says {_show_default(default_wanted)}",
                        "params",
                    )
            self.compare(subject, f"{where} ({py})", want, self.actual(hints.get(py)))
        for py in params:
            if py not in wanted:
                self.add(subject, f"{fn_label} has a parameter {py} that the spec does not explain", "params")
        positional = [n for n, p in params.items() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        if set(positional) == set(positional_names) and positional != positional_names:
            self.add(
                subject,
                f"{fn_label}: path parameters are in the order {positional}, the path template "
                f"{op.path} has {positional_names}",
                "params",
            )

    def check_return_type(
        self, subject: str, op: _spec.Operation, fn_label: str, fn: Callable[..., Any], detailed: bool
    ) -> None:
        try:
            hint = typing.get_type_hints(fn).get("return")
        except Exception as exc:
            self.add(subject, f"{fn_label}: return annotation does not resolve: {exc}", "responses")
            return
        want: frozenset[_Atom] = frozenset()
        for status, schema in op.responses.items():
            want |= (
                self.expected(schema, f"{op.label} response {status}")
                if schema is not None
                else {_Atom("none")}
            )
        if detailed:
            if typing.get_origin(hint) is not self.pkg.response_type:
                self.add(subject, f"{fn_label} does not return Response[...]", "responses")
                return
            (hint,) = typing.get_args(hint)
        else:
            want = want | {_Atom("none")}  # sync/asyncio return None for an undocumented status
        got = self.actual(hint)
        # Only "which classes": the component models themselves are checked by check_schema.
        self.compare_shallow(subject, f"{fn_label} return type", want, got)

    def compare_shallow(
        self, subject: str, where: str, want: frozenset[_Atom], got: frozenset[_Atom]
    ) -> None:
        def names(atoms: frozenset[_Atom]) -> set[str]:
            return {a.label if a.kind in _COMPOSITE else _describe([a]) for a in atoms}

        if names(want) != names(got):
            self.add(
                subject,
                f"{where} is `{_describe(got)}`, the documented responses imply `{_describe(want)}`",
                "responses",
            )

    def check_request(
        self, subject: str, op: _spec.Operation, module_path: str, get_kwargs: Callable[..., Any]
    ) -> None:
        hints = typing.get_type_hints(get_kwargs)
        args: list[Any] = []
        url = op.path
        for index, name in enumerate(_spec.path_template_names(op.path)):
            py = python_name(name)
            value = _sample_argument(self.actual(hints.get(py)), index)
            args.append(value)
            url = url.replace("{" + name + "}", quote(str(value), safe=""))
        kwargs: dict[str, Any] = {}
        expected_query: dict[str, Any] = {}
        for index, param in enumerate(op.params("query")):
            py = python_name(param.name)
            if py not in hints:
                continue  # reported by check_signature
            value = _sample_argument(self.actual(hints[py]), index)
            kwargs[py] = value
            expected_query[param.name] = _on_the_wire(value)
        body = None
        if op.body is not None and "body" in hints:
            cls = next((a.payload for a in self.actual(hints["body"]) if a.kind == "model"), None)
            if cls is not None:
                try:
                    body = cls.from_dict(self._member_sample(cls, op.body[1]))
                except Exception as exc:
                    self.add(
                        subject,
                        f"{cls.__name__}.from_dict failed on a minimal request body: {exc}",
                        "request",
                    )
                kwargs["body"] = body
        try:
            built = get_kwargs(*args, **kwargs)
        except Exception as exc:
            self.add(subject, f"{module_path}._get_kwargs raised {type(exc).__name__}: {exc}", "request")
            return
        if str(built.get("method", "")).lower() != op.method:
            self.add(
                subject,
                f"{module_path} sends {str(built.get('method')).upper()}, the spec says {op.method.upper()}",
                "request",
            )
        if built.get("url") != url:
            self.add(
                subject,
                f"{module_path} requests URL {built.get('url')!r}, the spec's path gives {url!r}",
                "request",
            )
        sent_query = dict(built.get("params") or {})
        if sent_query != expected_query:
            self.add(
                subject,
                f"{module_path} sends query {sent_query}, expected {expected_query} (JSON names "
                "of the spec's query parameters)",
                "request",
            )
        if body is not None and op.body is not None:
            content_type = op.body[0]
            if content_type == "application/json":
                if built.get("json") != body.to_dict():
                    self.add(subject, f"{module_path} does not send the body as JSON", "request")
            elif content_type.startswith("multipart/"):
                if "files" not in built:
                    self.add(subject, f"{module_path} does not send the body as multipart", "request")
            elif "content" not in built and "data" not in built:
                self.add(subject, f"{module_path} sends no {content_type} body", "request")

    def check_responses(
        self, subject: str, op: _spec.Operation, module_path: str, parse: Callable[..., Any]
    ) -> None:
        client = self.pkg.plain_client(base_url=_FAKE_BASE_URL, raise_on_unexpected_status=True)
        request = httpx.Request(op.method.upper(), _FAKE_BASE_URL + op.path)
        for status, schema in op.responses.items():
            if not status.isdigit():
                self.add(
                    subject,
                    f"response key {status!r} (ranges/default) is not supported by these checks",
                    "responses",
                )
                continue
            self.statuses += 1
            if schema is None:
                response = httpx.Response(int(status), request=request)
            else:
                body = _spec.minimal_instance(self.spec, schema)
                response = httpx.Response(
                    int(status),
                    content=json.dumps(body).encode(),
                    request=request,
                    headers={"content-type": "application/json"},
                )
            try:
                parsed = parse(client=client, response=response)
            except self.pkg.unexpected_status:
                self.add(
                    subject,
                    f"documented status {status} is not handled by {module_path}._parse_response",
                    "responses",
                )
                continue
            except Exception as exc:
                self.add(
                    subject,
                    f"{module_path}._parse_response failed on a minimal {status} body: "
                    f"{type(exc).__name__}: {exc}",
                    "responses",
                )
                continue
            want = self.expected(schema, f"{op.label} response {status}") if schema is not None else None
            if want is None:
                if parsed is not None:
                    self.add(subject, f"status {status} has no content but parses to {parsed!r}", "responses")
                continue
            classes = tuple(
                component_class(self.pkg, self.spec, name) or object
                for name in (_component_of(a.key) for a in want if a.kind in ("model", "enum"))
                if name is not None
            )
            if classes and not isinstance(parsed, classes):
                self.add(
                    subject,
                    f"status {status} parses to {type(parsed).__name__}, the spec says "
                    f"{' | '.join(c.__name__ for c in classes)}",
                    "responses",
                )
        if str(_UNDOCUMENTED_STATUS) not in op.responses:
            response = httpx.Response(_UNDOCUMENTED_STATUS, json={}, request=request)
            try:
                parse(client=client, response=response)
            except self.pkg.unexpected_status:
                pass
            else:
                self.add(
                    subject,
                    f"{module_path}._parse_response accepts undocumented status "
                    f"{_UNDOCUMENTED_STATUS} instead of raising UnexpectedStatus",
                    "responses",
                )


_COMPONENT_POINTER = re.compile(r"#/components/schemas/([^/]+)")


def _component_of(pointer: str) -> str | None:
    """`Run` for "#/components/schemas/Run"; None for anything deeper (an inline schema)."""
    match = _COMPONENT_POINTER.fullmatch(pointer)
    return match.group(1).replace("~1", "/").replace("~0", "~") if match else None


def _parameter_shape(fn: Callable[..., Any]) -> list[tuple[str, str, str, str]]:
    """(name, kind, default, annotation) of every parameter except `client`."""
    return [
        (name, param.kind.name, repr(param.default), repr(param.annotation))
        for name, param in inspect.signature(fn).parameters.items()
        if name != "client"
    ]


def _camel(py_name: str) -> str:
    head, *rest = py_name.rstrip("_").split("_")
    return head + "".join(word.capitalize() for word in rest)


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _same_default(actual: Any, wanted: Any) -> bool:
    if actual is wanted:
        return True
    return type(actual) is type(wanted) and actual == wanted


def _show_default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "<no default>"
    return type(value).__name__.upper() if type(value).__name__ == "Unset" else repr(value)


def _on_the_wire(value: Any) -> Any:
    """A query argument as the client must serialize it (the spec's formats are strings on the wire)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _sample_argument(atoms: frozenset[_Atom], index: int) -> Any:
    """A value of the parameter's Python type, distinct per parameter so that mix-ups show."""
    kinds = {a.kind: a for a in atoms}
    if "enum" in kinds:
        return next(iter(kinds["enum"].payload))
    if "uuid" in kinds:
        return uuid.UUID(int=0x1000 + index)
    if "int" in kinds:
        return 7 + index
    if "float" in kinds:
        return 7.5 + index
    if "bool" in kinds:
        return True
    # Characters a URL must escape, so that the quoting of path parameters is checked too.
    return f"p{index} x/y"


# -- whole-package checks -----------------------------------------------------------------------------


def check_schema(spec: Mapping[str, Any], name: str, pkg: GeneratedPackage) -> list[Finding]:
    """Fields, required-ness, nullability, types and enum members of one component schema."""
    checker = _Checker(spec, pkg)
    checker.check_schema(name)
    return checker.findings


def check_class_name(spec: Mapping[str, Any], name: str, pkg: GeneratedPackage) -> list[Finding]:
    """The class of a component schema is named after the schema (what the normalization intends)."""
    checker = _Checker(spec, pkg)
    checker.check_class_name(name)
    return checker.findings


def check_operation(spec: Mapping[str, Any], operation_id: str, pkg: GeneratedPackage) -> list[Finding]:
    matching = [op for op in _spec.operations(spec) if op.operation_id == operation_id]
    if len(matching) != 1:
        return [
            Finding(
                f"operation {operation_id}", f"{len(matching)} operations have this operationId", "operations"
            )
        ]
    checker = _Checker(spec, pkg)
    checker.check_operation(matching[0])
    return checker.findings


def _walk(spec: Mapping[str, Any], pkg: GeneratedPackage) -> _Checker:
    checker = _Checker(spec, pkg)
    for name in _spec.component_schemas(spec):
        checker.check_class_name(name)
        checker.check_schema(name)
    for op in _spec.operations(spec):
        checker.check_operation(op)
    return checker


def check_unexplained(spec: Mapping[str, Any], pkg: GeneratedPackage) -> list[Finding]:
    """The other direction: everything in the generated package is explained by the spec."""
    findings: list[Finding] = []
    explained = _walk(spec, pkg).explained
    op_ids = [op.operation_id for op in _spec.operations(spec)]
    for key in sorted(set(pkg.endpoints) - set(op_ids)):
        findings.append(
            Finding(
                f"module testerarmy_api.api.{key}",
                f"no operation of the spec has operationId {key!r}",
                "unexplained",
            )
        )
    for name, cls in sorted(pkg.models.items()):
        if cls not in explained:
            findings.append(
                Finding(
                    f"model {name}",
                    "no schema (component or inline) of the spec is generated as this class",
                    "unexplained",
                )
            )
        elif module_name(name) not in pkg.model_modules:
            findings.append(
                Finding(f"model {name}", f"expected in module models/{module_name(name)}.py", "unexplained")
            )
    exported_modules = {module_name(name) for name in pkg.models}
    for module in sorted(set(pkg.model_modules) - exported_modules):
        findings.append(
            Finding(
                f"module testerarmy_api.models.{module}",
                "defines no class exported by testerarmy_api.models (not explained by any schema)",
                "unexplained",
            )
        )
    listed = tuple(getattr(pkg.spec_module, "OPERATIONS", ()))
    if sorted(listed) != sorted(op_ids):
        findings.append(
            Finding(
                "testerarmy_api._spec.OPERATIONS",
                f"lists {sorted(set(listed) ^ set(op_ids))} differently from the spec's operationIds",
                "unexplained",
            )
        )
    servers = spec.get("servers") or [{}]
    if getattr(pkg.spec_module, "DEFAULT_BASE_URL", None) != servers[0].get("url"):
        findings.append(
            Finding(
                "testerarmy_api._spec.DEFAULT_BASE_URL",
                f"is "
                f"{getattr(pkg.spec_module, 'DEFAULT_BASE_URL', None)!r}, the spec's first "
                f"server is {servers[0].get('url')!r}",
                "unexplained",
            )
        )
    return findings


def _addable_error_statuses(*, has_path_parameters: bool) -> set[str]:
    from codegen.rules import load_rules

    rules = load_rules()
    statuses = set(rules.error_responses_always)
    if has_path_parameters:
        statuses |= set(rules.error_responses_with_path_parameters)
    return statuses


def _demands_properties(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    """The schema requires properties, or every member of its union does (credential bodies)."""
    if schema.get("required"):
        return True
    members = [_spec.deref(spec, m) for key in ("oneOf", "anyOf") for m in schema.get(key) or []]
    return bool(members) and all(m.get("required") for m in members)


def overlay_operations() -> set[tuple[str, str]]:
    """(method, path) of the operations codegen/rules.yaml's overlays add (the submit operation)."""
    from codegen.overlay import load_overlay
    from codegen.rules import load_rules

    added: set[tuple[str, str]] = set()
    for path in load_rules().quirks.overlays:
        for action in load_overlay(path)["actions"]:
            match = re.fullmatch(r"\$\.paths\['([^']+)'\]", str(action.get("target")))
            if match and isinstance(action.get("update"), dict):
                added |= {(method, match.group(1)) for method in action["update"]}
    return added


def check_vendored(vendored: Mapping[str, Any], normalized: Mapping[str, Any]) -> list[Finding]:
    """Every vendored operation survives normalization as exactly one operation, with its parameters
    (minus the Authorization header, which becomes `security`), body and documented statuses."""
    findings: list[Finding] = []
    before = {(op.method, op.path): op for op in _spec.operations(vendored)}
    after = {(op.method, op.path): op for op in _spec.operations(normalized)}
    for key in sorted(set(before) - set(after)):
        op = before[key]
        findings.append(
            Finding(
                f"vendored operation {op.operation_id} ({key[0].upper()} {key[1]})",
                "is missing from the normalized spec (lost or merged)",
                "vendored",
            )
        )
    # The overlays' operations (the docs page's submit operation) have no counterpart in the
    # published document by design; test_provenance.py checks they are exactly the overlays'.
    for key in sorted(set(after) - set(before) - overlay_operations()):
        op = after[key]
        findings.append(
            Finding(f"normalized operation {op.label}", "has no vendored counterpart", "vendored")
        )
    op_ids = [op.operation_id for op in after.values()]
    for duplicate in sorted({i for i in op_ids if op_ids.count(i) > 1}):
        findings.append(
            Finding(f"operationId {duplicate}", "is used by several normalized operations", "vendored")
        )
    global_security = normalized.get("security")
    vendored_security = vendored.get("security")
    for key in sorted(set(before) & set(after)):
        old, new = before[key], after[key]
        subject = f"operation {new.label} (vendored {old.operation_id})"

        def params(op: _spec.Operation) -> set[tuple[str, str, bool]]:
            return {(p.name, p.location, p.required) for p in op.parameters if not _is_auth_header(p)}

        if params(old) != params(new):
            findings.append(
                Finding(
                    subject,
                    f"parameters changed: lost {sorted(params(old) - params(new))}, "
                    f"gained {sorted(params(new) - params(old))}",
                    "vendored",
                )
            )
        # codegen/rules.yaml `error_responses` may add the error statuses the cut-off fragments lack;
        # a vendored status may never disappear, and nothing else may be added.
        addable = _addable_error_statuses(has_path_parameters=bool(new.params("path")))
        lost = set(old.responses) - set(new.responses)
        gained = set(new.responses) - set(old.responses)
        if lost or not gained <= addable:
            findings.append(
                Finding(
                    subject,
                    f"documented statuses changed: {sorted(old.responses)} -> {sorted(new.responses)}",
                    "vendored",
                )
            )
        old_ct = old.body[0] if old.body else None
        new_ct = new.body[0] if new.body else None
        # codegen/rules.yaml `request_bodies`: a body whose schema has required properties becomes
        # required. That is the only change of required-ness normalization may make.
        required_by_rule = (
            new.body is not None
            and not old.body_required
            and new.body_required
            and _demands_properties(normalized, _spec.deref(normalized, new.body[1]))
        )
        if old_ct != new_ct or (old.body_required != new.body_required and not required_by_rule):
            findings.append(
                Finding(
                    subject,
                    f"request body changed: {old_ct} (required={old.body_required}) -> "
                    f"{new_ct} (required={new.body_required})",
                    "vendored",
                )
            )
        # Upstream states authentication as an Authorization header parameter (the quirk the auth
        # rule fixes) or, once it fixes that, as a security requirement of its own.
        had_auth = any(_is_auth_header(p) for p in old.parameters) or bool(
            old.raw.get("security", vendored_security)
        )
        security = new.raw.get("security", global_security)
        if had_auth and not security:
            findings.append(
                Finding(
                    subject,
                    "required an Authorization header upstream but has no security "
                    "requirement after normalization",
                    "vendored",
                )
            )
        if not had_auth and security:
            findings.append(
                Finding(
                    subject,
                    f"had no Authorization header upstream but requires {security} after normalization",
                    "vendored",
                )
            )
    return findings


def _is_auth_header(param: _spec.Parameter) -> bool:
    return param.location == "header" and param.name.lower() == "authorization"


def check_all(
    spec: Mapping[str, Any],
    vendored: Mapping[str, Any],
    pkg: GeneratedPackage,
    pydantic_models: types.ModuleType | None = None,
) -> Report:
    """Everything at once (the drift tests run this on mutated copies)."""
    checker = _walk(spec, pkg)
    findings = list(checker.findings)
    findings += check_unexplained(spec, pkg)
    findings += check_vendored(vendored, spec)
    schema_names = list(_spec.component_schemas(spec))
    if pydantic_models is not None:
        for name in schema_names:
            findings += check_pydantic_schema(spec, name, pydantic_models)
            findings += compare_attrs_pydantic(spec, name, pkg, pydantic_models)
    return Report(
        findings=findings,
        operations=len(_spec.operations(spec)),
        schemas=len(schema_names),
        fields=checker.fields,
        statuses=checker.statuses,
    )


# -- the pydantic reading ---------------------------------------------------------------------------------


def _pydantic_fields(cls: type) -> dict[str, bool] | None:
    """JSON name -> required, or None if `cls` is not a pydantic model with fields."""
    model_fields = getattr(cls, "model_fields", None)
    if not isinstance(model_fields, Mapping):
        return None
    if _is_free_form_root(cls, model_fields):
        # A schema with no properties, only `additionalProperties`, is read by pydantic as a
        # RootModel over a dict: its JSON names are the map's keys, so it declares none -- as attrs.
        return {}
    return {(info.alias or name): info.is_required() for name, info in model_fields.items()}


def _is_free_form_root(cls: type, model_fields: Mapping[str, Any]) -> bool:
    """`cls` is a pydantic RootModel whose root is a JSON object map (`dict[str, ...]`)."""
    if set(model_fields) != {"root"} or not any(
        base.__name__ == "RootModel" for base in getattr(cls, "__mro__", ())
    ):
        return False
    annotation = model_fields["root"].annotation
    return typing.get_origin(annotation) is dict or annotation is dict


def _pydantic_nested(annotation: Any) -> list[type]:
    """Pydantic model classes inside an annotation such as `Metadata | None`."""
    found: list[type] = []
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and hasattr(current, "model_fields"):
            found.append(current)
        stack.extend(typing.get_args(current))
    return found


def check_pydantic_schema(spec: Mapping[str, Any], name: str, models: types.ModuleType) -> list[Finding]:
    """The pydantic class of a component schema: field aliases and required-ness, recursively."""
    findings: list[Finding] = []
    subject = f"schema {name} (pydantic)"
    schema = _spec.component_schemas(spec).get(name)
    if not isinstance(schema, Mapping):
        return [Finding(subject, "not a component schema", "pydantic")]
    cls = getattr(models, class_name(name), None)
    if cls is None:
        return [Finding(subject, f"no class {class_name(name)} in {models.__name__}", "pydantic")]
    if _spec.is_enum_schema(schema):
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            return [Finding(subject, f"{cls!r} is not an Enum", "pydantic")]
        if sorted(m.value for m in cls) != sorted(v for v in schema["enum"] if v is not None):
            findings.append(
                Finding(
                    subject,
                    f"enum members {[m.value for m in cls]} differ from the spec's {schema['enum']}",
                    "pydantic",
                )
            )
        return findings
    if not _spec.is_object_schema(schema):
        return findings

    def walk(where: str, node: Mapping[str, Any], model: type) -> None:
        fields = _pydantic_fields(model)
        if fields is None:
            findings.append(
                Finding(subject, f"{where or 'the schema'}: {model!r} is not a pydantic model", "pydantic")
            )
            return
        props: Mapping[str, Any] = node.get("properties") or {}
        required = set(node.get("required") or [])
        for json_name in props:
            label = f"property {where}{json_name}"
            if json_name not in fields:
                findings.append(
                    Finding(subject, f"{label} has no field (by alias) in {model.__name__}", "pydantic")
                )
            elif fields[json_name] != (json_name in required):
                findings.append(
                    Finding(
                        subject,
                        f"{label}: required={fields[json_name]} in {model.__name__}, "
                        f"required={json_name in required} in the spec",
                        "pydantic",
                    )
                )
        for extra in sorted(set(fields) - set(props)):
            findings.append(
                Finding(
                    subject, f"{model.__name__} field {extra!r} is not a property of the schema", "pydantic"
                )
            )
        for json_name, sub in props.items():
            if _spec.ref_name(sub) is not None:
                continue  # named schemas get their own check
            if not isinstance(sub, Mapping) or not _spec.is_object_schema(sub) or "properties" not in sub:
                continue  # free-form maps and scalars have no fields
            info = next((f for n, f in model.model_fields.items() if (f.alias or n) == json_name), None)  # type: ignore[attr-defined]
            nested = _pydantic_nested(info.annotation) if info is not None else []
            if len(nested) != 1:
                findings.append(
                    Finding(
                        subject,
                        f"property {where}{json_name}: expected one nested pydantic model, found {nested}",
                        "pydantic",
                    )
                )
                continue
            walk(f"{where}{json_name}.", sub, nested[0])

    walk("", schema, cls)
    return findings


def compare_attrs_pydantic(
    spec: Mapping[str, Any], name: str, pkg: GeneratedPackage, models: types.ModuleType
) -> list[Finding]:
    """The two generators agree with each other on JSON field names and required-ness.

    attrs side: JSON names are the keys `to_dict` writes for a full sample instance, required-ness is
    "the field has no default". pydantic side: field aliases and `is_required()`.
    """
    schema = _spec.component_schemas(spec).get(name)
    if not isinstance(schema, Mapping) or not _spec.is_object_schema(schema):
        return []
    subject = f"schema {name} (attrs vs pydantic)"
    attrs_cls = component_class(pkg, spec, name)
    pyd_cls = getattr(models, class_name(name), None)
    if attrs_cls is None or pyd_cls is None:
        return [Finding(subject, f"attrs class {attrs_cls}, pydantic class {pyd_cls}", "agreement")]
    pyd_fields = _pydantic_fields(pyd_cls) or {}
    try:
        written = set(attrs_cls.from_dict(_spec.full_instance(spec, schema)).to_dict())  # type: ignore[attr-defined]
    except Exception as exc:
        return [
            Finding(
                subject, f"attrs {attrs_cls.__name__} cannot round-trip a full sample: {exc}", "agreement"
            )
        ]
    by_python = {python_name(json_name): json_name for json_name in schema.get("properties") or {}}
    attrs_required = {
        by_python.get(f.name, f.name)
        for f in attrs.fields(attrs_cls)
        if f.init and f.default is attrs.NOTHING
    }
    findings = []
    if written != set(pyd_fields):
        findings.append(
            Finding(
                subject,
                f"JSON names differ: only attrs writes {sorted(written - set(pyd_fields))}, "
                f"only pydantic declares {sorted(set(pyd_fields) - written)}",
                "agreement",
            )
        )
    pyd_required = {n for n, req in pyd_fields.items() if req}
    if attrs_required != pyd_required:
        findings.append(
            Finding(
                subject,
                f"required fields differ: attrs {sorted(attrs_required)}, pydantic {sorted(pyd_required)}",
                "agreement",
            )
        )
    return findings
