"""``make demo`` (python -m testerarmy.testing.demo): simulator + the real CLI end to end, offline."""

from __future__ import annotations

import io
import re

import pytest
from testerarmy.testing import DEFAULT_API_KEY
from testerarmy.testing._render import ISSUE_NAMES
from testerarmy.testing.demo import main

pytestmark = pytest.mark.integration


def test_demo_runs_the_cli_to_a_verdict_and_stops():
    out = io.StringIO()
    assert main(["--time-scale", "0.005"], out=out) == 0
    text = out.getvalue()
    run_id = re.search(r"Run (\S+) submitted", text).group(1)
    # Which phases the CLI's polls catch depends on the machine's speed (at this scale a run is
    # queued for ~10 ms): assert what holds on any machine - progress lines of this run ending in
    # the verdict - not that a particular short phase was seen.
    progress = re.findall(rf"run {run_id}: (.*)$", text, flags=re.M)
    assert progress, text
    assert progress[-1].endswith("completed (PASS)"), text
    assert re.search(r"^PASS  Sign up$", text, flags=re.M)  # the feature name the simulator derives
    assert text.rstrip().endswith("Simulator stopped. testerarmy-py exited with 0.")
    assert DEFAULT_API_KEY not in text


def test_demo_exit_code_is_the_clis_for_a_failing_check():
    out = io.StringIO()
    code = main(["--time-scale", "0.005", "--prompt", "Check the cart [sim:fail] [sim:issues=2]"], out=out)
    text = out.getvalue()
    assert code == 1, text
    assert re.search(r"^FAIL(ED)?\s+Check the cart", text, flags=re.M), text
    # The CLI shows each issue the run reported, by its name (two distinct ones were asked for).
    assert sum(name in text for name in ISSUE_NAMES) == 2, text
