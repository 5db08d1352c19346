"""Every integration test's HTTP traffic below /api/v1 is checked against the spec (contract part 3).

The fixture and hooks live in tests/contract/_traffic.py; see docs/contract.md ("Traffic").
"""

from tests.contract._traffic import (
    pytest_sessionfinish,
    pytest_terminal_summary,
    spec_checked_traffic,
)

__all__ = ["pytest_sessionfinish", "pytest_terminal_summary", "spec_checked_traffic"]
