"""Fixtures for simulator integration tests: real HTTP on 127.0.0.1, spec-checked generated client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from testerarmy.testing import Simulator
from testerarmy.testing.pytest_plugin import pytest_configure, testerarmy_sim, testerarmy_sim_pool
from testerarmy_api.client import AuthenticatedClient

from ._conformance import check_response

__all__ = ["pytest_configure", "testerarmy_sim", "testerarmy_sim_pool"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sim(testerarmy_sim: Simulator) -> Simulator:
    return testerarmy_sim


def _checked(response: httpx.Response) -> None:
    response.read()
    check_response(response)


@pytest.fixture
def api(sim: Simulator) -> Iterator[AuthenticatedClient]:
    """The generated client, with every response validated against the normalized spec."""
    client = AuthenticatedClient(
        base_url=sim.url,
        token=sim.api_key,
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [_checked]}, "trust_env": False},
    )
    with client:
        yield client


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    """A plain httpx client with the API key (for raw bodies and deliberately broken responses)."""
    with httpx.Client(
        base_url=sim.url, headers={"Authorization": f"Bearer {sim.api_key}"}, trust_env=False, timeout=10
    ) as client:
        yield client


@pytest.fixture
def admin(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sim.admin_url, headers={"X-Sim-Admin-Token": sim.admin_token}, trust_env=False, timeout=10
    ) as client:
        yield client
