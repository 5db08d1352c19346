"""Figure 4b: 1,000 concurrent ``runs.create`` calls against the simulator's rate limiter.

The simulator limits each API key to ``LIMIT`` requests per ``PER`` seconds (a token bucket: a burst
of ``LIMIT``, then ``LIMIT / PER`` per second) and refuses the rest with 429 ``RateLimited`` +
``Retry-After``. A default ``AsyncTesterArmy`` in a fresh child process (``bench._worker creates``)
starts all 1,000 calls at once, each with its own prompt.

* duplicates: runs the simulator holds per prompt beyond the first (target 0: a refusal created
  nothing, so repeating it cannot duplicate);
* unhandled errors: calls that raised (target 0: every refusal said when, within the budget);
* wall time against the limiter's theoretical minimum, ``(COUNT - LIMIT) / (LIMIT / PER)``: the
  burst goes at once, every further request needs a fresh token. The ratio is what the client's
  shared gate costs over a perfect scheduler that knew the limit (it is never told it);
* 429s the server sent (each a refused request: what backing off together keeps small).
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from bench._harness import Row
from bench._support import run_worker

__all__ = ["run"]

COUNT = 1_000
LIMIT = 100
PER = 1.0


def _theoretical_minimum() -> float:
    return max(0.0, (COUNT - LIMIT) / (LIMIT / PER))


def _one(repetition: int) -> dict[str, Any]:
    from testerarmy.testing import RateLimit, Simulator

    prefix = f"Rate-limit bench {repetition}"
    with Simulator(seed=repetition, rate_limit=RateLimit(LIMIT, PER)) as sim:
        answer = run_worker("creates", {"url": sim.url, "key": sim.api_key, "count": COUNT, "prefix": prefix})
        prompts = Counter(run.prompt for run in sim.runs if run.prompt.startswith(prefix))
        refused = sim.requests.count("POST", operation="runs.create", status=429)
        sent = sim.requests.count("POST", operation="runs.create")
    return {
        "wall_s": answer["end"] - answer["start"],
        "created": len(answer["created"]),
        "server_runs": sum(prompts.values()),
        "duplicates": sum(n - 1 for n in prompts.values()),
        "errors": answer["errors"],
        "unhandled": sum(answer["errors"].values()),
        "refused": refused,
        "sent": sent,
    }


def run(repeat: int = 5) -> list[Row]:
    samples = [_one(index) for index in range(max(3, repeat // 2))]
    minimum = _theoretical_minimum()
    walls = [s["wall_s"] for s in samples]
    wall = statistics.median(walls)
    duplicates = sum(s["duplicates"] for s in samples)
    unhandled = sum(s["unhandled"] for s in samples)
    refused = statistics.median(s["refused"] for s in samples)
    return [
        Row(
            figure=f"4b. {COUNT:,} concurrent creates, limit {LIMIT}/{PER:g} s",
            ours=f"{wall:.2f} s ({min(walls):.2f}–{max(walls):.2f}); {duplicates} duplicates, "
            f"{unhandled} unhandled errors, {refused:.0f} 429s",
            baseline=f"{minimum:.2f} s limiter minimum",
            ratio=wall / minimum if minimum else None,
            target="0 duplicates, 0 errors (time reported)",
            met=duplicates == 0 and unhandled == 0 and all(s["server_runs"] == COUNT for s in samples),
            details={"limit": LIMIT, "per_s": PER, "count": COUNT, "repetitions": samples},
        )
    ]
