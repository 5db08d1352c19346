"""``make demo`` (python -m testerarmy.testing.demo): simulator + client end to end, offline."""

from __future__ import annotations

import io
import re

import pytest
from testerarmy.testing import DEFAULT_API_KEY
from testerarmy.testing.demo import main

pytestmark = pytest.mark.integration


def test_demo_runs_to_a_verdict_and_stops():
    out = io.StringIO()
    assert main(["--time-scale", "0.005"], out=out) == 0
    text = out.getvalue()
    run_id = re.search(r"Submitted run (\S+):", text).group(1)
    assert re.search(r"\] queued\n", text)
    assert f"Run {run_id}: completed" in text
    assert "result:      PASS" in text
    assert text.rstrip().endswith("Simulator stopped.")
    assert DEFAULT_API_KEY not in text


def test_demo_shows_issues_for_a_failing_check():
    out = io.StringIO()
    assert (
        main(["--time-scale", "0.005", "--prompt", "Check the cart [sim:fail] [sim:issues=2]"], out=out) == 0
    )
    text = out.getvalue()
    assert "result:      FAIL" in text
    assert "issues:      2" in text
    assert len(re.findall(r"^    - \[(low|medium|high)\] ", text, flags=re.M)) == 2
