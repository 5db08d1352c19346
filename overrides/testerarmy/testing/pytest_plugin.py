"""pytest fixture ``testerarmy_sim``: a running simulator with fresh state for every test.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["testerarmy.testing.pytest_plugin"]`` (or
``-p testerarmy.testing.pytest_plugin``). Options for one test come from a marker::

    @pytest.mark.testerarmy_sim(time_scale=0, seed=3, rate_limit="5/1")
    def test_polling(testerarmy_sim):
        client = TesterArmy(base_url=testerarmy_sim.url, api_key=testerarmy_sim.api_key)

Without a marker the simulator runs at ``time_scale=0.01`` (a default 20 s run takes 0.2 s) and
checks every answer it sends against the spec (``validate_responses=True``).

Starting and stopping a server costs a few hundred milliseconds, so the fixture keeps one server per
distinct set of options for the whole session and calls ``Simulator.reset()`` before handing it to
the next test: every test still sees a fresh simulator (seeded entities, no runs, no faults, an
empty request log, a new clock). A test that stops its simulator gets a new one next time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._simulator import Simulator

__all__ = ["DEFAULT_FIXTURE_OPTIONS", "pytest_configure", "testerarmy_sim", "testerarmy_sim_pool"]

# validate_responses: a test that gets an answer the spec does not allow fails by name (a 500 from
# the simulator), whatever it asserts itself.
DEFAULT_FIXTURE_OPTIONS: dict[str, Any] = {"time_scale": 0.01, "validate_responses": True}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "testerarmy_sim(**options): keyword arguments for the Simulator of the testerarmy_sim fixture",
    )


@pytest.fixture(scope="session")
def testerarmy_sim_pool() -> Iterator[dict[str, Simulator]]:
    """Running simulators by their options (shared by the tests of a session, stopped at its end)."""
    pool: dict[str, Simulator] = {}
    try:
        yield pool
    finally:
        for sim in pool.values():
            sim.stop()


@pytest.fixture
def testerarmy_sim(request: pytest.FixtureRequest, testerarmy_sim_pool: dict[str, Simulator]) -> Simulator:
    """A started ``Simulator`` in its initial state (options: ``@pytest.mark.testerarmy_sim(...)``)."""
    marker = request.node.get_closest_marker("testerarmy_sim")
    options = {**DEFAULT_FIXTURE_OPTIONS, **(marker.kwargs if marker is not None else {})}
    key = repr(sorted(options.items()))
    sim = testerarmy_sim_pool.get(key)
    if sim is not None and sim.running:
        sim.reset()
        return sim
    sim = Simulator(**options).start()
    testerarmy_sim_pool[key] = sim
    return sim
