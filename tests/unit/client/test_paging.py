"""Cursor-paged lists: which ones page comes from the spec; every one iterates across pages.

A list pages when the spec gives it a ``cursor`` query parameter and a ``nextCursor`` in its answer.
Every such operation is exercised here generically (items are minimal valid instances of the spec's
item schema), in both flavours, so a paged list the spec adds tomorrow is covered with no new line.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import testerarmy as ta
import testerarmy_api.resources._operations as generated_operations
from testerarmy_api.resources._operation import OperationSpec

from tests.contract._spec import deref, load_normalized, minimal_instance, operations

from .conftest import FakeAPI, run_json

Make = Callable[..., ta.TesterArmy]
SPEC = load_normalized()


def _response_schema(op: Any) -> dict[str, Any]:
    for status, schema in op.responses.items():
        if status.startswith("2") and schema is not None:
            return dict(deref(SPEC, schema))
    return {}


def _paged_in_spec() -> dict[str, Any]:
    """key -> operation, for each list with a `cursor` query parameter and `nextCursor` in its answer."""
    paged = {}
    for op in operations(SPEC):
        takes_cursor = any(p.name == "cursor" and p.location == "query" for p in op.parameters)
        if takes_cursor and "nextCursor" in (_response_schema(op).get("properties") or {}):
            paged[f"{op.method.upper()} {op.path}"] = op
    return paged


PAGED = _paged_in_spec()
SPECS: dict[str, OperationSpec[Any]] = {
    spec.key: spec for spec in vars(generated_operations).values() if isinstance(spec, OperationSpec)
}


def _items_field(key: str) -> tuple[str, dict[str, Any]]:
    properties = _response_schema(PAGED[key])["properties"]
    ((name, schema),) = [
        (n, deref(SPEC, s)) for n, s in properties.items() if deref(SPEC, s).get("type") == "array"
    ]
    return name, schema["items"]


def _required_args(key: str) -> dict[str, object]:
    """A valid value for each required argument of the operation (all are strings in this spec)."""
    spec = SPECS[key]
    return {
        p.name: str(uuid.uuid4()) if p.checks.get("format") == "uuid" else "prj_1"
        for p in spec.params
        if p.required
    }


def _path(key: str, args: dict[str, object]) -> str:
    spec = SPECS[key]
    wire = {p.wire: args[p.name] for p in spec.params if p.location == "path"}
    return spec.path.format_map(wire)


def test_the_spec_has_paged_lists_and_exactly_those_page() -> None:
    assert PAGED, "the published spec pages GET /v1/runs and GET /v1/tests"
    assert {key for key, spec in SPECS.items() if spec.paging is not None} == set(PAGED)
    for key in PAGED:
        assert SPECS[key].paging.items == _items_field(key)[0]  # type: ignore[union-attr]


@pytest.mark.parametrize("key", sorted(PAGED))
def test_every_paged_list_has_an_iterator_and_a_one_page_method(key: str) -> None:
    from testerarmy_api.resources import OPERATIONS

    resource, page_method = OPERATIONS[key]
    iterator = SPECS[key].name.split(".", 1)[1]
    assert page_method == f"{iterator}_page"
    for client in (ta.TesterArmy(api_key="sk_x"), ta.AsyncTesterArmy(api_key="sk_x")):
        assert callable(getattr(getattr(client, resource), iterator))
        assert callable(getattr(getattr(client, resource), page_method))


def _pages(key: str, api: FakeAPI, args: dict[str, object], pages: int) -> list[Any]:
    """Serves `pages` pages of one item each; returns the item JSONs in order."""
    items_field, item_schema = _items_field(key)
    items = [minimal_instance(SPEC, item_schema) for _ in range(pages)]
    for index, item in enumerate(items):
        if "id" in item:
            item["id"] = str(uuid.uuid4())
        items[index] = item

    def page(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        index = 0 if cursor is None else int(cursor.removeprefix("c"))
        body = minimal_instance(SPEC, _response_schema(PAGED[key]))
        body[items_field] = [items[index]]
        body["nextCursor"] = f"c{index + 1}" if index + 1 < pages else None
        return httpx.Response(200, json=body)

    api.add(SPECS[key].method, _path(key, args), page)
    return items


@pytest.mark.parametrize("key", sorted(PAGED))
def test_every_paged_list_follows_the_cursor_to_the_last_page(
    key: str, api: FakeAPI, make_client: Make
) -> None:
    args = _required_args(key)
    items = _pages(key, api, args, pages=3)
    resource, _page = SPECS[key].name.split(".", 1)
    got = list(getattr(getattr(make_client(), resource), _page)(**args))
    assert [item.to_dict() for item in got] == items
    assert [r.url.params.get("cursor") for r in api.requests] == [None, "c1", "c2"]


@pytest.mark.anyio
@pytest.mark.parametrize("key", sorted(PAGED))
async def test_every_paged_list_follows_the_cursor_async(
    key: str, api: FakeAPI, make_async_client: Callable[..., ta.AsyncTesterArmy]
) -> None:
    args = _required_args(key)
    items = _pages(key, api, args, pages=2)
    resource, name = SPECS[key].name.split(".", 1)
    async with make_async_client() as client:
        got = [item async for item in getattr(getattr(client, resource), name)(**args)]
    assert [item.to_dict() for item in got] == items
    assert [r.url.params.get("cursor") for r in api.requests] == [None, "c1"]


@pytest.mark.parametrize("key", sorted(PAGED))
def test_the_one_page_method_sends_one_request_with_the_cursor(
    key: str, api: FakeAPI, make_client: Make
) -> None:
    args = _required_args(key)
    _pages(key, api, args, pages=3)
    resource, name = SPECS[key].name.split(".", 1)
    page = getattr(getattr(make_client(), resource), f"{name}_page")(**args, cursor="c1")
    assert page.next_cursor == "c2"
    assert len(api.requests) == 1


@pytest.mark.parametrize("key", sorted(PAGED))
def test_the_iterator_can_resume_from_a_cursor(key: str, api: FakeAPI, make_client: Make) -> None:
    args = _required_args(key)
    items = _pages(key, api, args, pages=3)
    resource, name = SPECS[key].name.split(".", 1)
    got = list(getattr(getattr(make_client(), resource), name)(**args, cursor="c1"))
    assert [item.to_dict() for item in got] == items[1:]
    assert [r.url.params.get("cursor") for r in api.requests] == ["c1", "c2"]


RUN, RUN2 = str(uuid.uuid4()), str(uuid.uuid4())


def test_a_repeated_cursor_stops_with_a_warning(api: FakeAPI, make_client: Make) -> None:
    api.add(
        "GET",
        "/v1/runs",
        httpx.Response(200, json={"runs": [run_json(RUN, "completed")], "nextCursor": "same"}),
    )
    with pytest.warns(ta.TesterArmyWarning, match="'same' a second time"):
        runs = list(make_client().runs.list())
    assert len(runs) == 2  # the first page, then the page that repeated the cursor
    assert len(api.requests) == 2


def test_an_empty_next_cursor_is_the_last_page(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": [run_json(RUN)], "nextCursor": ""}))
    assert len(list(make_client().runs.list())) == 1


def test_a_page_without_its_items_is_a_validation_error(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", "/v1/runs", httpx.Response(200, json={"nextCursor": None}))
    with pytest.raises(ta.APIResponseValidationError, match=r"runs\.list.*missing field 'runs'"):
        list(make_client().runs.list())
    api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": {"a": 1}}))
    with pytest.raises(ta.APIResponseValidationError, match="must be an array"):
        list(make_client().runs.list())


def test_filters_are_sent_on_every_page(api: FakeAPI, make_client: Make) -> None:
    project = str(uuid.uuid4())

    def page(request: httpx.Request) -> httpx.Response:
        first = "cursor" not in request.url.params
        run = run_json(RUN if first else RUN2, "failed")
        return httpx.Response(200, json={"runs": [run], "nextCursor": "c1" if first else None})

    api.add("GET", "/v1/runs", page)
    runs = list(make_client().runs.list(status="failed", limit=1, project_id=project))
    assert [str(r.id) for r in runs] == [RUN, RUN2]
    params = [dict(r.url.params) for r in api.requests]
    assert params == [
        {"limit": "1", "projectId": project, "status": "failed"},
        {"limit": "1", "projectId": project, "status": "failed", "cursor": "c1"},
    ]


def test_a_per_call_timeout_reaches_every_page(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": [], "nextCursor": None}))
    list(make_client().runs.list(timeout=2.5))
    assert api.requests[0].extensions["timeout"]["read"] == 2.5
    assert "timeout" not in api.requests[0].url.params  # a client option, not a query parameter


def test_the_run_status_filter_lists_the_specs_statuses() -> None:
    import ast
    import inspect
    import re

    from testerarmy._resources.runs import AsyncRuns, Runs

    (status,) = [p for p in SPECS["GET /v1/runs"].params if p.wire == "status"]
    for resource in (Runs, AsyncRuns):
        annotation = str(inspect.signature(resource.list).parameters["status"].annotation)
        match = re.search(r"Literal\[(.*?)\]", annotation)
        assert match, annotation
        assert list(ast.literal_eval(f"({match.group(1)},)")) == list(status.checks["enum"])
