"""openai-python parities: JSON of any model, request ids, the TESTERARMY_LOG switch."""

from __future__ import annotations

import gc
import inspect
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest
import testerarmy as ta
import testerarmy_api.models as generated_models
from testerarmy import _logging as ta_logging
from testerarmy_api.models import Run

from .conftest import FakeAPI, run_json

Make = Callable[..., ta.TesterArmy]

FINISHED = run_json(
    "8a3f0c4e-1d2b-4c5a-9e8f-0a1b2c3d4e5f",
    "completed",
    output={
        "featureName": "Pricing",
        "result": "PASS",
        "description": "Opened the page, clicked Pro.",
        "issues": [],
        "screenshots": ["https://cdn.example/1.png"],
    },
    durationMs=61500,
    newField={"kept": True},
)


# --- to_dict / to_json -------------------------------------------------------------------------


def test_every_generated_model_has_the_to_dict_the_helpers_use() -> None:
    classes = [c for _, c in inspect.getmembers(generated_models, inspect.isclass) if hasattr(c, "from_dict")]
    assert classes
    for cls in classes:
        assert callable(getattr(cls, "to_dict", None)), cls.__name__


def test_to_json_is_the_wire_form_and_round_trips() -> None:
    run = Run.from_dict(FINISHED)
    text = ta.to_json(run)
    assert json.loads(text) == ta.to_dict(run) == run.to_dict()
    assert json.loads(text)["newField"] == {"kept": True}  # unknown fields survive
    assert Run.from_dict(json.loads(text)) == run
    assert "\n" not in ta.to_json(run, indent=None)


def test_to_dict_returns_a_fresh_dict() -> None:
    run = Run.from_dict(FINISHED)
    ta.to_dict(run)["status"] = "mangled"
    assert ta.to_dict(run)["status"] == "completed"


# --- request ids -------------------------------------------------------------------------------


def test_request_id_of_a_successful_call(api: FakeAPI, make_client: Make) -> None:
    run_id = FINISHED["id"]
    api.add(
        "GET", f"/v1/runs/{run_id}", httpx.Response(200, json=FINISHED, headers={"X-Request-Id": "req_1"})
    )
    run = make_client().runs.get(run_id)
    assert ta.request_id(run) == "req_1"
    assert ta.request_id(run.output) is None  # nested objects: ask the one the call returned


def test_request_id_is_none_when_upstream_sends_none(api: FakeAPI, make_client: Make) -> None:
    run_id = FINISHED["id"]
    api.add("GET", f"/v1/runs/{run_id}", httpx.Response(200, json=FINISHED))
    assert ta.request_id(make_client().runs.get(run_id)) is None


def test_request_id_on_errors(api: FakeAPI, make_client: Make) -> None:
    run_id = FINISHED["id"]
    api.add(
        "GET",
        f"/v1/runs/{run_id}",
        httpx.Response(404, json={"error": "NotFound", "message": "no run"}, headers={"request-id": "req_2"}),
    )
    with pytest.raises(ta.NotFoundError) as caught:
        make_client(max_retries=0).runs.get(run_id)
    assert caught.value.request_id == "req_2"


def test_connection_errors_have_no_request_id() -> None:
    assert ta.APIConnectionError("down").request_id is None


def test_a_collected_object_leaves_no_entry_behind() -> None:
    from testerarmy import _request_id

    run = Run.from_dict(FINISHED)
    _request_id.remember_request_id(run, {"x-request-id": "req_3"})
    key = id(run)
    assert _request_id._ids[key] == "req_3"
    del run
    gc.collect()
    assert key not in _request_id._ids


# --- TESTERARMY_LOG ----------------------------------------------------------------------------


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in ("testerarmy", "httpx")
    }
    yield
    for name, (level, handlers) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


@pytest.mark.usefixtures("restore_loggers")
def test_log_switch_sets_the_level_once_without_stacking_handlers() -> None:
    before = len(logging.getLogger("testerarmy").handlers)
    assert ta_logging.configure_from_env({"TESTERARMY_LOG": "DEBUG"}) == logging.DEBUG
    assert ta_logging.configure_from_env({"TESTERARMY_LOG": "info"}) == logging.INFO
    assert logging.getLogger("testerarmy").level == logging.INFO
    assert logging.getLogger("httpx").level == logging.INFO
    assert len(logging.getLogger("testerarmy").handlers) == before + 1


@pytest.mark.usefixtures("restore_loggers")
def test_log_switch_unset_or_bad_changes_nothing() -> None:
    level = logging.getLogger("testerarmy").level
    assert ta_logging.configure_from_env({}) is None
    with pytest.warns(ta.TesterArmyWarning, match=r"TESTERARMY_LOG='loud' ignored: use one of debug\|info"):
        assert ta_logging.configure_from_env({"TESTERARMY_LOG": "loud"}) is None
    assert logging.getLogger("testerarmy").level == level


def test_log_switch_from_the_environment_logs_requests_to_stderr_without_the_key() -> None:
    code = (
        "import httpx, testerarmy\n"
        "def reply(request): return httpx.Response(200, json={!r})\n"
        "c = testerarmy.TesterArmy(api_key='sk_secret_1234', http_client=httpx.Client("
        "transport=httpx.MockTransport(reply)))\n"
        "c.runs.get({!r})\n"
    ).format(FINISHED, FINISHED["id"])
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"TESTERARMY_LOG": "debug", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "testerarmy DEBUG" in result.stderr
    assert f"/v1/runs/{FINISHED['id']}" in result.stderr
    assert "sk_secret_1234" not in result.stderr
