"""The hand-written facade offers every operation of the normalized spec, with every argument."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import testerarmy as ta

from tests.contract import _spec
from tests.contract._facade import check_facade


def test_the_facade_offers_every_operation_and_argument_of_the_spec() -> None:
    findings = check_facade(_spec.load_normalized(), (ta.TesterArmy, ta.AsyncTesterArmy), api_key="sk_test")
    assert findings == []


def _broken_spec() -> dict[str, Any]:
    spec = _spec.load_normalized()
    _path, item = next(iter(spec["paths"].items()))
    method = next(m for m in item if isinstance(item[m], dict))
    item[method].setdefault("parameters", []).append(
        {"name": "notInTheFacade", "in": "query", "required": True, "schema": {"type": "integer"}}
    )
    spec["paths"]["/v1/not-generated"] = {"get": {"operationId": "nothing.here", "responses": {}}}
    return spec


def test_the_check_catches_a_missing_argument_and_a_missing_operation() -> None:
    findings = check_facade(_broken_spec(), (ta.TesterArmy,), api_key="sk_test")
    assert any("'notInTheFacade' is not accepted" in f for f in findings)
    assert any("GET /v1/not-generated is not in client.operations" in f for f in findings)


@pytest.mark.parametrize("client_class", [ta.TesterArmy, ta.AsyncTesterArmy])
def test_operations_is_read_only_and_bound(client_class: type[Any]) -> None:
    client = client_class(api_key="sk_test")
    with pytest.raises(TypeError):
        client.operations["GET /x"] = None
    for key, method in client.operations.items():
        assert inspect.ismethod(method), key
        assert inspect.iscoroutinefunction(method) == (client_class is ta.AsyncTesterArmy), key


def test_a_hand_written_method_that_drops_a_spec_argument_is_reported() -> None:
    spec = _spec.load_normalized()
    client = ta.TesterArmy(api_key="sk_test")
    names = {
        f"{method.upper()} {path}": op["operationId"].split(".", 1)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    # Facade methods written by hand over the generated ones, with a closed signature (no **kwargs).
    layered = [
        (key, resource, name)
        for key, (resource, name) in names.items()
        if getattr(getattr(client, resource), name).__func__ is not client.operations[key].__func__
        and not any(
            p.kind is p.VAR_KEYWORD
            for p in inspect.signature(getattr(getattr(client, resource), name)).parameters.values()
        )
    ]
    assert layered, "no hand-written facade method to check"
    key, resource, name = layered[0]
    method, path = key.split(" ", 1)
    spec["paths"][path][method.lower()].setdefault("parameters", []).append(
        {"name": "brandNew", "in": "query", "required": True, "schema": {"type": "integer"}}
    )
    findings = check_facade(spec, (ta.TesterArmy,), api_key="sk_test")
    assert any(
        f.startswith(f"TesterArmy: client.{resource}.{name}:") and "not accepted by the facade" in f
        for f in findings
    ), findings
