"""client.operations, per-call options, and sync/async parity of the public surface."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy_api.resources import OPERATIONS

from .conftest import FakeAPI, run_json

Make = Callable[..., ta.TesterArmy]
RUN = str(uuid.uuid4())


def run_reply(status: str) -> httpx.Response:
    return httpx.Response(200, json=run_json(RUN, status))


def _public(obj: object) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in dir(obj) if not name.startswith("_")}


def _shape(function: Callable[..., Any]) -> list[tuple[str, object, object]]:
    # Parameter names, kinds and defaults; annotations differ on purpose (Iterator vs AsyncIterator).
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_sync_and_async_clients_have_the_same_public_surface() -> None:
    sync, asynchronous = ta.TesterArmy(api_key="sk_x"), ta.AsyncTesterArmy(api_key="sk_x")
    assert set(_public(sync)) == set(_public(asynchronous))
    assert set(sync.operations) == set(asynchronous.operations)
    resources = {name for name, _resource in OPERATIONS.values()}
    pairs = [(r, getattr(sync, r), getattr(asynchronous, r)) for r in resources]
    pairs += [(f"{r}.with_raw_response", a.with_raw_response, b.with_raw_response) for r, a, b in pairs]
    for where, one, two in pairs:
        sync_methods, async_methods = _public(one), _public(two)
        assert set(sync_methods) == set(async_methods), where
        for name, method in sync_methods.items():
            if callable(method):
                assert _shape(method) == _shape(async_methods[name]), f"{where}.{name}"


def test_operations_maps_every_spec_key_to_the_method_of_its_name(api: FakeAPI, make_client: Make) -> None:
    client = make_client()
    assert set(client.operations) == set(OPERATIONS)
    for key, (resource, name) in OPERATIONS.items():
        assert client.operations[key].__name__ == name
        assert client.operations[key].__self__ is getattr(client, resource)
    api.add("GET", f"/v1/runs/{RUN}", run_reply("queued"))
    assert str(client.operations["GET /v1/runs/{id}"](RUN).id) == RUN


def test_per_call_timeout_and_extra_headers(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", f"/v1/runs/{RUN}", run_reply("queued"))
    client = make_client()
    client.runs.get(RUN, timeout=3.5, extra_headers={"X-Trace": "t1"})
    request = api.requests[-1]
    assert request.headers["x-trace"] == "t1"
    assert request.extensions["timeout"]["read"] == 3.5
    client.runs.get(RUN)
    assert api.requests[-1].extensions["timeout"]["read"] == client.timeout.read  # type: ignore[union-attr]
    assert "x-trace" not in api.requests[-1].headers


def test_with_raw_response_gives_status_headers_and_the_parsed_model(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", f"/v1/runs/{RUN}", httpx.Response(200, headers={"X-Request-Id": "r1"}, json=run_json(RUN)))
    raw = make_client().runs.with_raw_response.get(RUN)
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r1"
    assert str(raw.parsed.id) == RUN
    assert raw.http_response.request.url.path.endswith(RUN)


def test_checks_come_from_the_spec_before_any_request(api: FakeAPI, make_client: Make) -> None:
    client = make_client()
    op = client.operations["GET /v1/runs"]
    with pytest.raises(ValueError, match="limit must be between 1 and 100"):
        op(limit=0)
    with pytest.raises(ValueError, match="status must be one of"):
        op(status="paused-forever")
    with pytest.raises(TypeError, match="limit must be an int"):
        op(limit="10")
    assert api.requests == []


def test_the_single_page_operation_sends_its_query(api: FakeAPI, make_client: Make) -> None:
    api.add("GET", "/v1/runs", httpx.Response(200, json={"runs": []}))
    make_client().operations["GET /v1/runs"](limit=5, status="failed")
    assert dict(api.requests[-1].url.params) == {"limit": "5", "status": "failed"}


@pytest.mark.anyio
async def test_async_operations_are_awaitable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": RUN, "status": "cancelled"})

    async with ta.AsyncTesterArmy(
        api_key="sk_x", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    ) as client:
        result = await client.operations["POST /v1/runs/{id}/cancel"](RUN)
        assert (str(result.id), result.status) == (RUN, "cancelled")


def test_the_page_iterator_takes_the_specs_other_query_parameters_checked(
    api: FakeAPI, make_client: Make
) -> None:
    client = make_client()
    with pytest.raises(TypeError, match="unexpected argument"):
        client.runs.list(no_such_parameter=1)
    assert api.requests == []
