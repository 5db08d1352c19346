"""Over real sockets, with every logger at DEBUG (httpx, httpcore, h11, ours): the key never shows."""

from __future__ import annotations

import logging
import uuid

import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from .conftest import FAST_WAIT, KEY, Sleeps

pytestmark = pytest.mark.integration


def test_debug_logs_and_errors_never_contain_the_key(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    group_url = sim.group_webhook_url(sim.groups[0].id)
    webhook_id, secret = group_url.rsplit("/", 2)[-2:]
    errors: list[BaseException] = []
    with (
        caplog.at_level(logging.DEBUG),
        ta.TesterArmy(api_key=KEY, base_url=sim.url, sleep=Sleeps()) as client,
    ):
        run = client.runs.create_and_wait(prompt="Check the footer links", **FAST_WAIT)
        client.webhooks.trigger(webhook_id, secret)
        sim.faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 401])
        for call in (lambda: client.runs.get(run.id), lambda: client.runs.get(uuid.uuid4())):
            with pytest.raises(ta.APIError) as info:
                call()
            errors.append(info.value)
        sim.faults.add(method="POST", path="/v1/runs", body="drop")
        with pytest.raises(ta.APIConnectionError) as dropped:
            client.runs.create(prompt="p")
        errors.append(dropped.value)
    records = caplog.records
    loggers = {record.name.split(".")[0] for record in records}
    assert {"testerarmy", "httpx", "httpcore"} <= loggers  # the libraries really logged at DEBUG
    text = "\n".join(record.getMessage() for record in records)
    assert KEY not in text
    assert secret not in text
    for error in errors:
        assert KEY not in str(error)
        assert KEY not in repr(error)
    assert "'authorization': '<redacted>'" in text
