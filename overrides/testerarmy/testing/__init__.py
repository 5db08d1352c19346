"""Local TesterArmy API simulator (``pip install testerarmy[sim]``).

A stateful, spec-conformant stand-in for the TesterArmy API, served over real HTTP on 127.0.0.1, for
offline demos and for testing code that uses the SDK (as stripe-mock is for Stripe)::

    from testerarmy.testing import Simulator

    with Simulator(time_scale=0.01) as sim:
        client = TesterArmy(base_url=sim.url, api_key=sim.api_key)
        run = client.runs.create(prompt="Check the login form [sim:fail]")

See docs/simulator.md for markers, faults, the admin API and the pytest fixture.
"""

try:  # the simulator's dependencies come with the optional "sim" extra
    import pydantic as _pydantic  # noqa: F401
    import starlette as _starlette  # noqa: F401
    import uvicorn as _uvicorn  # noqa: F401
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        f"testerarmy.testing needs the 'sim' extra ({_exc.name} is missing): pip install 'testerarmy[sim]'"
    ) from _exc

from ._faults import FaultSpec
from ._lifecycle import Phase
from ._outcomes import Outcome, OutcomeRule
from ._ratelimit import RateLimit
from ._requestlog import RequestLog, RequestRecord
from ._simulator import DEFAULT_API_KEY, SeedGroup, SeedProject, SeedTest, Simulator
from ._state import Limits, RunSnapshot
from ._webhooks import DeliveryAttempt

__all__ = [
    "DEFAULT_API_KEY",
    "DeliveryAttempt",
    "FaultSpec",
    "Limits",
    "Outcome",
    "OutcomeRule",
    "Phase",
    "RateLimit",
    "RequestLog",
    "RequestRecord",
    "RunSnapshot",
    "SeedGroup",
    "SeedProject",
    "SeedTest",
    "Simulator",
]
