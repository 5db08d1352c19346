"""pytest fixture ``testerarmy_sim``: a fresh simulator per test, stopped afterwards.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["testerarmy.testing.pytest_plugin"]`` (or
``-p testerarmy.testing.pytest_plugin``). Options for one test come from a marker::

    @pytest.mark.testerarmy_sim(time_scale=0, seed=3, rate_limit="5/1")
    def test_polling(testerarmy_sim):
        client = TesterArmy(base_url=testerarmy_sim.url, api_key=testerarmy_sim.api_key)

Without a marker the simulator runs at ``time_scale=0.01`` (a default 20 s run takes 0.2 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._simulator import Simulator

__all__ = ["DEFAULT_FIXTURE_OPTIONS", "pytest_configure", "testerarmy_sim"]

DEFAULT_FIXTURE_OPTIONS: dict[str, Any] = {"time_scale": 0.01}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "testerarmy_sim(**options): keyword arguments for the Simulator of the testerarmy_sim fixture",
    )


@pytest.fixture
def testerarmy_sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A started ``Simulator`` (options: ``@pytest.mark.testerarmy_sim(...)``)."""
    marker = request.node.get_closest_marker("testerarmy_sim")
    options = {**DEFAULT_FIXTURE_OPTIONS, **(marker.kwargs if marker is not None else {})}
    with Simulator(**options) as sim:
        yield sim
