"""codegen/emit: which lists page (a `cursor` query parameter answered by `nextCursor` and one
array), and what a paged list renders to (the iterator, its one-page twin, the paging data)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.emit import render_files
from codegen.emit.model import read_operations

ITEM = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


def _list(operation_id: str, page: dict[str, Any], *, cursor: bool = True) -> dict[str, Any]:
    parameters = [{"name": "limit", "in": "query", "schema": {"type": "integer"}}]
    if cursor:
        parameters.append({"name": "cursor", "in": "query", "schema": {"type": "string"}})
    return {
        "operationId": operation_id,
        "parameters": parameters,
        "responses": {"200": {"content": {"application/json": {"schema": page}}}},
    }


def _spec(**paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "paths": {path: {"get": op} for path, op in paths.items()},
        "components": {
            "schemas": {
                "Item": ITEM,
                "ItemPage": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                        "nextCursor": {"type": ["string", "null"]},
                    },
                    "required": ["items"],
                },
                "TwoArrays": {
                    "type": "object",
                    "properties": {
                        "a": {"type": "array", "items": {"type": "string"}},
                        "b": {"type": "array", "items": {"type": "string"}},
                        "nextCursor": {"type": "string"},
                    },
                },
            }
        },
    }


PAGE = {"$ref": "#/components/schemas/ItemPage"}


def test_a_cursor_and_a_next_cursor_make_a_paged_list() -> None:
    spec = _spec(
        **{
            "/v1/items": _list("items.list", PAGE),
            "/v1/others": _list("others.list", PAGE, cursor=False),
            "/v1/pairs": _list("pairs.list", {"$ref": "#/components/schemas/TwoArrays"}),
        }
    )
    paging = {view.key: view.paging for view in read_operations(spec)}
    items = paging["GET /v1/items"]
    assert items is not None
    assert (items.cursor_arg, items.next_cursor, items.items, items.item_model) == (
        "cursor",
        "nextCursor",
        "items",
        "Item",
    )
    assert paging["GET /v1/others"] is None  # no cursor to send back
    assert paging["GET /v1/pairs"] is None  # which array holds the items would be a guess


def test_a_paged_list_renders_an_iterator_and_its_one_page_twin() -> None:
    files = render_files(_spec(**{"/v1/items": _list("items.list", PAGE)}))
    resource = files["items.py"]
    assert "    def list_page(\n" in resource
    assert "    async def list_page(\n" in resource
    assert resource.count("    def list(\n") == 2  # sync and async: both plain defs returning iterators
    assert "-> Iterator[models.Item]:" in resource
    assert "-> AsyncIterator[models.Item]:" in resource
    iterator = resource[resource.index("    def list(\n") :]
    assert "cursor: str | None = None" in iterator.split(")", 1)[0]  # where the walk starts
    # A lambda, so that loading the operation table imports no model (test_lazy_models.py).
    assert "parse_item=lambda item: models.Item.from_dict(item)" in files["_operations.py"]
    assert "'GET /v1/items': ('items', 'list_page')" in files["__init__.py"]
    for name, source in files.items():
        compile(source, name, "exec")


def test_a_one_page_name_that_is_taken_is_refused() -> None:
    spec = _spec(**{"/v1/items": _list("items.list", PAGE), "/v1/items/page": _list("items.list_page", ITEM)})
    spec["paths"]["/v1/items/page"]["get"]["parameters"] = []
    with pytest.raises(ValueError, match="list_page used twice"):
        render_files(spec)
