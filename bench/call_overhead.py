"""Figure 2: what one ``client.runs.get(id)`` costs compared with doing it by hand.

Baseline: ``httpx.Client.get`` + ``json.loads`` on the same simulator, with a kept-alive connection
exactly like the client's pool (the async figure: ``httpx.AsyncClient``). Ours returns a typed
``Run`` (status check, error mapping, retries, model parsing); the baseline returns a dict.

Both sides run in one fresh child process (the simulator stays in this one) and take turns call
by call, the first mover swapping every round, so a noisy neighbour hits both alike. Each call is
timed on its own; the figure is the median over all calls (≥ 2,000 per side), the spread is the
range of the per-round medians.
"""

from __future__ import annotations

import statistics

from bench._harness import Row
from bench._support import run_worker

__all__ = ["run"]

CALLS_PER_ROUND = 250
TARGET = 1.15


def _row(flavour: str, samples: dict[str, list[list[float]]]) -> Row:
    ours_rounds, base_rounds = samples["ours"], samples["baseline"]
    ours = statistics.median(t for r in ours_rounds for t in r)
    base = statistics.median(t for r in base_rounds for t in r)
    ours_medians = [statistics.median(r) for r in ours_rounds]
    base_medians = [statistics.median(r) for r in base_rounds]
    round_ratios = [o / b for o, b in zip(ours_medians, base_medians, strict=True)]
    ratio = ours / base
    calls = sum(len(r) for r in ours_rounds)
    return Row(
        figure=f"2. runs.get, {flavour} ({calls} calls)",
        ours=f"{ours:.0f} µs ({min(ours_medians):.0f}–{max(ours_medians):.0f})",
        baseline=f"{base:.0f} µs ({min(base_medians):.0f}–{max(base_medians):.0f})",
        ratio=ratio,
        target=f"≤ {TARGET}×",
        met=ratio <= TARGET,
        details={
            "unit": "µs per call, median of all calls; spread = range of per-round medians",
            "calls_per_side": calls,
            "rounds": len(ours_rounds),
            "ours_us": ours,
            "baseline_us": base,
            "extra_us": ours - base,
            "round_ratios": {"low": min(round_ratios), "high": max(round_ratios)},
            "ours_round_medians_us": ours_medians,
            "baseline_round_medians_us": base_medians,
        },
    )


def run(repeat: int = 5) -> list[Row]:
    from testerarmy import TesterArmy
    from testerarmy.testing import Simulator

    rounds = max(8, 2 * repeat)
    with Simulator(time_scale=0.01, seed=0) as sim:
        # A completed run: the full body (output, steps) is what a poll returns at the end.
        with TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
            run_id = str(client.runs.create(prompt="Check the login form").id)
        sim.complete_run(run_id)
        rows = []
        for flavour in ("sync", "async"):
            payload = {
                "url": sim.url,
                "key": sim.api_key,
                "run_id": run_id,
                "flavour": flavour,
                "rounds": rounds,
                "calls": CALLS_PER_ROUND,
                "warmup": 200,
            }
            rows.append(_row(flavour, run_worker("overhead", payload)))
        return rows
