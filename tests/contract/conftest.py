"""Fixtures of the contract suite, and the summary `make contract` prints at the end.

Tests record what they checked in `contract_stats` (counts and sets of names); the terminal summary
turns that into a few lines: how many operations, schemas, fields, statuses, generated cases,
published examples and drift mutations were checked, how much integration-test traffic was
validated (this session's, or the last run's from .pytest_cache) and what schemathesis ran.
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.contract import _spec, _traffic
from tests.contract._structure import GeneratedPackage


@dataclass
class ContractStats:
    counts: Counter[str] = field(default_factory=Counter)
    seen: dict[str, set[Hashable]] = field(default_factory=dict)

    def add(self, key: str, amount: int = 1) -> None:
        self.counts[key] += amount

    def saw(self, key: str, item: Hashable) -> None:
        self.seen.setdefault(key, set()).add(item)

    def number(self, key: str) -> int:
        return self.counts[key] + len(self.seen.get(key, ()))


_STATS = pytest.StashKey[ContractStats]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STATS] = ContractStats()
    _traffic.summary_printed_elsewhere(config)


@pytest.fixture(scope="session")
def contract_stats(pytestconfig: pytest.Config) -> ContractStats:
    return pytestconfig.stash[_STATS]


@pytest.fixture(scope="session")
def normalized_spec() -> dict[str, Any]:
    """The normalized spec (a private copy; tests that mutate it must deep-copy it first)."""
    return _spec.load_normalized()


@pytest.fixture(scope="session")
def vendored_spec() -> dict[str, Any]:
    return _spec.load_vendored()


@pytest.fixture(scope="session")
def generated() -> GeneratedPackage:
    return GeneratedPackage.load()


@pytest.fixture(scope="session")
def pydantic_models() -> types.ModuleType:
    import testerarmy_pydantic.models

    return testerarmy_pydantic.models


def _schemathesis_version() -> str:
    from importlib.metadata import version

    return version("schemathesis")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    stats = config.stash.get(_STATS, None)
    if stats is None or not (stats.counts or stats.seen):
        return
    n = stats.number
    lines = [
        f"structure   {n('operations')} operations ({n('statuses')} documented statuses parsed), "
        f"{n('schemas')} schemas, {n('fields')} fields checked against the generated attrs code",
        f"            {n('vendored operations')} vendored operations survive normalization; "
        f"{n('unexplained checked')} generated modules/classes all explained by the spec",
        f"pydantic    {n('pydantic schemas')} schemas read the same way by datamodel-code-generator "
        f"(names, required-ness)",
        f"oracle      {n('hypothesis cases')} generated instances over {n('oracle schemas')} schemas "
        f"(attrs round trip {n('attrs cases')}, pydantic round trip {n('pydantic cases')})",
        f"examples    {n('examples')} published examples checked ({n('example checks')} checks)",
        f"drift       {n('drift mutations')} mutations of the spec or a model detected by name",
        *(
            f"{'traffic' if i == 0 else '':<12}{line}"
            for i, line in enumerate(_traffic.traffic_report(config))
        ),
        f"            {n('traffic adapter cases')} adapter cases (conforming and violating exchanges, "
        f"skips, counts)",
    ]
    if n("schemathesis operations"):
        lines += [
            f"simulator   schemathesis {_schemathesis_version()}: {n('schemathesis operations')} operations, "
            f"{n('schemathesis cases')} cases, {n('schemathesis checks')} checks "
            f"({n('schemathesis check kinds')} kinds) in {n('schemathesis seconds')} s "
            f"(seed {n('schemathesis seed')}, at most {n('schemathesis max examples')} examples per "
            f"operation and phase)",
            f"            {n('schemathesis unexpected findings')} unexpected failures, "
            f"{n('schemathesis known findings')} explained by known spec ambiguities (see XFAIL)",
        ]
    terminalreporter.section("contract summary")
    for line in lines:
        terminalreporter.write_line(line)
