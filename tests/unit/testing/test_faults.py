"""Fault specs validate their input; the fault set matches, sequences and consumes them safely."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError
from testerarmy.testing._faults import FaultSet, FaultSpec


def test_statuses_default_times_to_their_length():
    spec = FaultSpec(statuses=(503, 503))
    assert spec.times == 2
    assert FaultSpec.model_validate({"statuses": [503], "times": None}).times is None


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({}, "at least one of"),
        ({"status": 700}, "200..599"),
        ({"statuses": [99]}, "200..599"),
        ({"status": 503, "statuses": [503]}, "either status or statuses"),
        ({"status": 200}, "below 400"),
        ({"body": "truncated", "status": 500}, "truncated"),
        ({"mutate": ["extra_fields"], "status": 500}, "mutate"),
        ({"body": "sparkles"}, "body"),
        ({"mutate": ["shuffle"]}, "mutate"),
        ({"latency": -1}, "latency"),
        ({"status": 500, "times": 0}, "times"),
        ({"status": 500, "method": "GET /x"}, "method"),
        ({"status": 500, "path": "runs"}, "path"),
        ({"status": 500, "colour": "red"}, "colour"),
    ],
)
def test_invalid_specs_say_what_is_wrong(options, needle):
    with pytest.raises(ValidationError, match=needle):
        FaultSpec.model_validate(options)


def test_path_accepts_api_prefix_templates_and_operation_ids():
    assert FaultSpec(path="/api/v1/runs", status=500).path == "/v1/runs"
    assert FaultSpec(path="runs.get", status=500).path == "runs.get"


def test_fail_twice_then_succeed():
    faults = FaultSet()
    faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 502])
    hits = [faults.match("GET", "/v1/runs/abc", "runs.get") for _ in range(3)]
    assert [h.status if h else None for h in hits] == [503, 502, None]
    assert len(faults) == 0  # exhausted


def test_matching_by_method_template_and_operation():
    faults = FaultSet()
    faults.add(method="POST", path="/v1/runs", status=500)
    assert faults.match("GET", "/v1/runs", "runs.list") is None
    assert faults.match("POST", "/v1/runs/x/cancel", "runs.cancel") is None
    assert faults.match("post", "/v1/runs", "runs.create") is not None
    faults.add(path="runs.cancel", status=500)
    assert faults.match("POST", "/v1/runs/x/cancel", "runs.cancel") is not None
    faults.add(path="/v1/runs/{id}/cancel", status=504, times=None)
    for _ in range(3):
        hit = faults.match("POST", "/v1/runs/abc/cancel", "runs.cancel")
        assert hit is not None
        assert hit.status == 504
    assert faults.match("POST", "/v1/runs/abc/def/cancel", "x") is None


def test_skip_lets_requests_through_first():
    faults = FaultSet([FaultSpec(path="*", status=500, skip=2)])
    assert [faults.match("GET", "/v1/runs", None) is not None for _ in range(4)] == [
        False,
        False,
        True,
        False,
    ]


def test_first_matching_fault_wins_and_remove_clear():
    faults = FaultSet()
    first = faults.add(path="*", status=500)
    faults.add(path="*", status=502)
    assert faults.match("GET", "/x", None).fault_id == first
    assert faults.match("GET", "/x", None).status == 502
    third = faults.add(path="*", latency=1, times=None)
    assert [f["id"] for f in faults.describe()][-1] == third
    assert faults.remove(third)
    assert not faults.remove(third)
    faults.add(path="*", status=500)
    faults.clear()
    assert faults.match("GET", "/x", None) is None


def test_add_takes_a_spec_or_options_not_both():
    with pytest.raises(TypeError):
        FaultSet().add(FaultSpec(status=500), status=502)


def test_concurrent_matching_never_over_applies():
    faults = FaultSet([FaultSpec(path="*", status=500, times=100)])
    hits: list[object] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            hit = faults.match("GET", "/v1/runs", None)
            if hit is not None:
                with lock:
                    hits.append(hit)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(hits) == 100
