"""Prompt markers and the rule table decide what a simulated run does."""

from __future__ import annotations

import pytest
from testerarmy.testing._outcomes import (
    MarkerError,
    Outcome,
    OutcomePlan,
    OutcomeRule,
    parse_markers,
    resolve_outcome,
    strip_markers,
)

DEFAULT = OutcomePlan(outcome=Outcome.PASS)


@pytest.mark.parametrize(
    ("prompt", "outcome"),
    [
        ("plain prompt", None),
        ("check [sim:pass]", Outcome.PASS),
        ("check [sim:fail]", Outcome.FAIL),
        ("check [sim:error]", Outcome.ERROR),
        ("check [SIM:Hang]", Outcome.HANG),
    ],
)
def test_outcome_markers(prompt, outcome):
    assert parse_markers(prompt).outcome == outcome


def test_value_markers_are_parsed():
    plan = parse_markers(
        "x [sim:duration=2.5] [sim:queue=0] [sim:slow] [sim:issues=4] [sim:error=BROWSER_START]"
    )
    assert plan == OutcomePlan(
        outcome=Outcome.ERROR, duration=2.5, queue=0.0, slow=True, error_code="BROWSER_START", issues=4
    )


@pytest.mark.parametrize(
    ("prompt", "needle"),
    [
        ("[sim:explode]", "unknown simulator marker"),
        ("[sim:duration]", "needs a value"),
        ("[sim:duration=soon]", "not a number"),
        ("[sim:duration=-1]", ">= 0"),
        ("[sim:duration=nan]", ">= 0"),
        ("[sim:duration=inf]", ">= 0"),
        ("[sim:issues=many]", "whole number"),
        ("[sim:issues=51]", "whole number"),
        ("[sim:error=bad code!]", "error code"),
        ("[sim:fail=1]", "unknown simulator marker"),
    ],
)
def test_bad_markers_are_rejected_with_a_reason(prompt, needle):
    with pytest.raises(MarkerError, match=needle):
        parse_markers(prompt)


def test_strip_markers_leaves_the_human_text():
    assert strip_markers("  Check the cart [sim:fail]  now [sim:duration=1] ") == "Check the cart now"


def test_markers_win_over_rules_and_rules_over_default():
    rules = [OutcomeRule("checkout", "fail", duration=7), OutcomeRule(".*", "error")]
    assert resolve_outcome("the checkout page", rules, DEFAULT) == OutcomePlan(
        outcome=Outcome.FAIL, duration=7
    )
    # The marker overrides the rule's outcome but keeps the rule's duration.
    assert resolve_outcome("checkout [sim:pass]", rules, DEFAULT) == OutcomePlan(
        outcome=Outcome.PASS, duration=7
    )
    # First matching rule only.
    assert resolve_outcome("search", rules, DEFAULT).outcome is Outcome.ERROR
    assert resolve_outcome("search", [], DEFAULT).outcome is Outcome.PASS


def test_rule_matching_is_case_insensitive_and_validated():
    assert OutcomeRule("CHECKOUT").matches("the checkout page")
    with pytest.raises(ValueError, match="not a valid regex"):
        OutcomeRule("(unclosed")
    with pytest.raises(ValueError, match="hang"):
        OutcomeRule("x", "explode")
    with pytest.raises(ValueError, match="duration"):
        OutcomeRule("x", duration=-1)
