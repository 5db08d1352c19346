"""codegen/emit on synthetic normalized fragments: every construct the published spec uses.

(The published spec is OpenAPI 3.0 and has no operationIds: nullable, oneOf/anyOf/allOf bodies,
inline objects, multipart uploads, enums.) The rendered package is imported from a scratch
directory with stand-in models, and its requests are built by the client's own request builder.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from testerarmy._resources._request import build_operation
from testerarmy_api.types import UNSET

from codegen.emit import render_files
from codegen.naming import default_name, disambiguate
from codegen.specdoc import iter_operations

OBJ = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def _query(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def _path_param(name: str, **schema: Any) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string", **schema}}]


def _op(method: str, path: str, **fields: Any) -> dict[str, Any]:
    resource, name = default_name(method, path)  # no operationId upstream: the default names it
    return {"operationId": f"{resource}.{name}", **fields}


def _json_body(schema: Any, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _ok(schema: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "paths": {
        "/v1/things": {
            "get": _op(
                "get",
                "/v1/things",
                summary="List things",
                parameters=[
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                    {
                        "name": "sortOrder",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["asc", "desc"]},
                    },
                    {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}},
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                    },
                ],
                responses=_ok({"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}),
            ),
            "post": _op(
                "post",
                "/v1/things",
                summary="Create a thing",
                description='Says """quoted""" and \\ backslashes.',
                requestBody=_json_body(
                    {
                        "type": "object",
                        "required": ["name", "owner"],
                        "properties": {
                            "name": {"type": "string", "maxLength": 5},
                            "note": {"type": "string", "nullable": True},
                            "owner": {"type": "object", "properties": {"email": {"type": "string"}}},
                            "tags": {"type": "array", "items": {"type": "string"}},
                            "when": {"type": "string", "format": "date-time"},
                            "id": {"type": "string", "readOnly": True},
                        },
                    }
                ),
                responses=_ok({"$ref": "#/components/schemas/Thing"}),
            ),
        },
        "/v1/things/{thingId}": {
            # put and patch would both default to "update": a rule names one of them.
            "put": dict(
                operationId="things.replace",
                parameters=[
                    {
                        "name": "thingId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                requestBody=_json_body({"oneOf": [{"$ref": "#/components/schemas/Thing"}, OBJ]}),
                responses={"204": {"description": "done"}},
            ),
            "patch": _op(
                "patch",
                "/v1/things/{thingId}",
                parameters=[
                    {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                requestBody=_json_body({"anyOf": [OBJ, {"type": "string"}]}, required=False),
                responses=_ok({"allOf": [{"$ref": "#/components/schemas/Thing"}]}),
            ),
        },
        "/v1/things/{thingId}/merge": {
            "post": _op(
                "post",
                "/v1/things/{thingId}/merge",
                parameters=[
                    {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                requestBody=_json_body({"allOf": [{"$ref": "#/components/schemas/Thing"}, OBJ]}),
                responses=_ok({"type": "object"}),
            )
        },
        "/v1/things/{thingId}/files": {
            "post": _op(
                "post",
                "/v1/things/{thingId}/files",
                parameters=[
                    {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                requestBody={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "removeAfter": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                responses=_ok({"$ref": "#/components/schemas/Thing"}),
            )
        },
    },
    "components": {
        "schemas": {
            "Thing": {"type": "object", "properties": {"name": {"type": "string", "nullable": True}}},
            "Kind": {"type": "string", "enum": ["a", "b"]},
        }
    },
}

_MODELS = """
from typing import Any
from enum import Enum


class Thing:
    def __init__(self, data: Any) -> None:
        self.data = data

    @classmethod
    def from_dict(cls, data: Any) -> "Thing":
        return cls(data)


class Kind(str, Enum):
    A = "a"
    B = "b"
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("emitted")
    pkg = root / "emitted_pkg"
    (pkg / "resources").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(_MODELS)
    # The real sentinel: the client's request builder recognises exactly this UNSET.
    (pkg / "types.py").write_text("from testerarmy_api.types import UNSET, File, Unset\n")
    for name, source in render_files(SPEC).items():
        (pkg / "resources" / name).write_text(source)
    sys.path.insert(0, str(root))
    try:
        yield "emitted_pkg.resources"
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m.startswith("emitted_pkg")]:
            del sys.modules[module]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def call(self, op: Any, args: Mapping[str, object], *, timeout: Any, extra_headers: Any) -> Any:
        built = build_operation(op, args, timeout=timeout, extra_headers=extra_headers)
        self.calls.append(built)
        return built


def _things(package: str, flavour: str = "Things") -> Any:
    return getattr(importlib.import_module(f"{package}.things"), flavour)(Recorder())


def test_rendering_is_deterministic() -> None:
    assert render_files(SPEC) == render_files(SPEC)


def test_every_operation_is_registered_under_its_key(package: str) -> None:
    registry = importlib.import_module(package).OPERATIONS
    expected = {f"{m.upper()} {p}" for p, item in SPEC["paths"].items() for m in item}
    assert set(registry) == expected
    assert registry["POST /v1/things/{thingId}/merge"] == ("things", "merge")


def test_sync_and_async_come_from_one_description(package: str) -> None:
    sync, asynchronous = _things(package), _things(package, "AsyncThings")
    for name in ("list", "create", "replace", "update", "merge", "create_files"):
        one, two = getattr(sync, name), getattr(asynchronous, name)
        assert inspect.signature(one) == inspect.signature(two)
        assert inspect.iscoroutinefunction(two)
        assert not inspect.iscoroutinefunction(one)
        assert one.__doc__ == two.__doc__


def test_parameters_are_snake_case_typed_and_required_as_the_spec_says(package: str) -> None:
    create = inspect.signature(_things(package).create).parameters
    assert {"name", "note", "owner", "tags", "when", "timeout", "extra_headers"} <= set(create)
    assert "id" not in create  # readOnly: never sent
    assert create["name"].default is inspect.Parameter.empty
    assert create["owner"].annotation == "Mapping[str, Any]"  # inline object
    assert create["note"].annotation == "str | None | Unset"  # nullable: None is a value, UNSET omits
    assert create["tags"].annotation == "Sequence[str] | None"
    assert "datetime" in create["when"].annotation
    listing = inspect.signature(_things(package).list).parameters
    assert listing["sort_order"].annotation == "Literal['asc', 'desc'] | None"
    assert "models.Kind" in listing["kind"].annotation
    update = inspect.signature(_things(package).replace).parameters
    assert update["body"].annotation == "models.Thing | Mapping[str, Any]"  # oneOf, merged
    assert "UUID" in update["thing_id"].annotation
    patch = inspect.signature(_things(package).update).parameters
    assert patch["body"].default is None  # optional anyOf body
    assert "str" in patch["body"].annotation.split(" | ")


def test_docstring_has_summary_description_and_key(package: str) -> None:
    doc = _things(package).create.__doc__
    assert doc.startswith("Create a thing")
    assert '"""quoted"""' in doc
    assert "\\ backslashes" in doc
    assert "``POST /v1/things``" in doc


def test_requests_follow_the_spec(package: str) -> None:
    things = _things(package)
    built = things.create(name="n", owner={"email": "e"}, note=None, tags=["x"])
    assert built.request["json"] == {"name": "n", "owner": {"email": "e"}, "note": None, "tags": ["x"]}
    built = things.list(limit=3, sort_order="asc", kind="a")
    assert built.request["params"] == {"limit": 3, "sortOrder": "asc", "kind": "a"}
    built = things.replace("c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a2", {"name": "x"})
    assert built.request["url"] == "/v1/things/c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a2"
    assert built.parse(None) is None  # 204: no body
    built = things.merge("a/b", {"name": "x"})
    assert built.request["url"] == "/v1/things/a%2Fb/merge"  # one quoted segment
    built = things.create_files("t", file=("a.apk", io.BytesIO(b"PK")), remove_after=5)
    assert built.request["files"]["file"][0] == "a.apk"
    assert built.request["data"] == {"removeAfter": "5"}
    assert things.update("t").request["json"] == {}


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t: t.list(limit=0), ValueError, "limit must be between 1 and 50"),
        (lambda t: t.list(sort_order="up"), ValueError, "sort_order must be one of"),
        (lambda t: t.list(kind="c"), ValueError, "kind must be one of"),
        (lambda t: t.list(q="a"), ValueError, "q must have at least 2"),
        (lambda t: t.list(q="ABC"), ValueError, "q must match the pattern"),
        (lambda t: t.create(name="toolong", owner={}), ValueError, "name must have at most 5"),
        (lambda t: t.create(name="n", owner=[]), TypeError, "owner must be a mapping"),
        (lambda t: t.create(name="n", owner={}, when="yesterday"), ValueError, "ISO 8601"),
        (lambda t: t.create(name="n", owner={}, tags="x"), TypeError, "tags must be a list"),
        (lambda t: t.replace("nope", {}), ValueError, "thing_id must be a UUID"),
        (lambda t: t.merge(" ", {}), ValueError, "thing_id must not be empty"),
        (lambda t: t.create_files("t", file="path"), TypeError, "file must be bytes"),
    ],
)
def test_argument_checks_come_from_the_schema(package: str, call: Any, error: type, message: str) -> None:
    things = _things(package)
    with pytest.raises(error, match=message):
        call(things)
    assert things._core.calls == []


def test_timeout_unset_means_the_client_default(package: str) -> None:
    built = _things(package).list(timeout=UNSET)
    assert "timeout" not in built.request
    assert _things(package).list(timeout=None).request["timeout"] is None


# The vendored openapi.yaml is the published document's bytes (JSON; its sha256 is in the lock).
PUBLISHED = Path(__file__).resolve().parents[3] / "openapi.yaml"


def test_the_published_spec_gets_unique_default_names_and_renders() -> None:
    spec = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    taken: dict[str, str] = {}
    for path, method, operation in iter_operations(spec):
        assert "operationId" not in operation  # what this test is about
        resource, name = default_name(method, path)
        qualified = disambiguate(f"{resource}.{name}", method, taken)
        assert qualified not in taken, f"{method} {path} and {taken[qualified]}"
        taken[qualified] = f"{method} {path}"
        operation["operationId"] = qualified
    files = render_files(spec)
    for name, source in files.items():
        compile(source, name, "exec")
    registry = files["__init__.py"]
    assert all(repr(f"{m.upper()} {p}") in registry for p, m, _ in iter_operations(spec))
