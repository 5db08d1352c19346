"""Shared benchmark plumbing: repeated timing with median and spread, result rows, JSON output.

Every figure is a ratio against a baseline measured in the same run (these machines are shared
and noisy); single runs are never reported, only medians with their min–max spread.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["RESULTS_DIR", "Row", "Stats", "print_table", "time_call", "write_results"]

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Stats:
    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, samples: list[float]) -> Stats:
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def spread(self, unit: str = "s", scale: float = 1.0) -> str:
        return f"{self.low * scale:.3g}–{self.high * scale:.3g} {unit}"


@dataclass
class Row:
    figure: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None
    details: dict[str, object] = field(default_factory=dict)


def time_call(fn: Callable[[], object], repeat: int, warmup: int = 1) -> Stats:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Stats.of(samples)


def write_results(name: str, rows: list[Row]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def print_table(rows: list[Row]) -> None:
    headers = ("figure", "ours", "baseline", "ratio", "target", "met")
    cells = [
        (
            r.figure,
            r.ours,
            r.baseline,
            "" if r.ratio is None else f"{r.ratio:.2f}×",
            r.target,
            {True: "yes", False: "NO", None: "-"}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
