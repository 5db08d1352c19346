"""Figures 1 and 6: regeneration time against bare openapi-python-client, and growth with spec size.

Baseline: `openapi-python-client generate` on the same vendored spec with its default ruff
post-hooks (what a team without this pipeline would run). Ours: `python -m codegen generate`
(what `make generate` runs, minus make's own start-up) in these situations:
  - no-op, stamp hit: nothing changed since the last build of generated/ (codegen/stamp.py), the
    everyday case; the generators do not run;
  - no-op, cold: the same tree with the stamp and the validation memo cleared (a fresh clone, or
    CI): everything is built and compared, nothing is written;
  - full: an empty target, so the tree is also imported and type-checked (mypy cache warm);
  - check: `python -m codegen check` (the CI drift gate, which always rebuilds).
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._harness import Row, Stats, time_call
from codegen.build import VALIDATED_MEMO, build_tree
from codegen.rules import Rules
from codegen.stamp import STAMP_PATH
from codegen.yamlio import dump_yaml, load_yaml_file

__all__ = ["run"]

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "openapi.yaml"
NORMALIZED_SPEC = REPO / "generated" / "openapi.normalized.yaml"
BIN = Path(sys.executable).parent


def _bare_generate(workdir: Path) -> None:
    out = workdir / "bare"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(SPEC), "--meta", "none",
         "--output-path", str(out)],
        cwd=workdir, env=env, check=True, capture_output=True,
    )  # fmt: skip


def _ours(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "codegen", *args], cwd=REPO, check=True, capture_output=True)


def _ours_cold() -> None:
    VALIDATED_MEMO.unlink(missing_ok=True)
    STAMP_PATH.unlink(missing_ok=True)
    _ours("generate")


def _ours_full(workdir: Path) -> None:
    target = workdir / "full"
    shutil.rmtree(target, ignore_errors=True)
    _ours("generate", "--target", str(target))


def _scaled_spec(factor: int, workdir: Path) -> tuple[Path, int]:
    """The normalized spec with every path repeated `factor` times under distinct prefixes.

    The normalized spec, not the vendored one: codegen/rules.yaml names the vendored operations
    and extracts their inline schemas by path, so path copies would need copies of the rules.
    Already normalized, the copies build with no rules at all (`Rules()`), ×1 included, so the
    figure is how the build grows, not how many rules there are.
    """
    spec = load_yaml_file(NORMALIZED_SPEC)
    paths = spec["paths"]
    scaled = dict(paths)
    for copy_index in range(1, factor):
        for path, item in paths.items():
            clone = copy.deepcopy(item)
            for operation in clone.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation["operationId"] = f"{operation['operationId']}-x{copy_index}"
            scaled[f"/x{copy_index}{path}"] = clone
    spec["paths"] = scaled
    out = workdir / f"spec-x{factor}.yaml"
    out.write_text(dump_yaml(spec), encoding="utf-8")
    operations = sum(1 for item in scaled.values() for op in item.values() if isinstance(op, dict))
    return out, operations


def _growth(workdir: Path, repeat: int) -> list[Row]:
    rows = []
    per_operation: dict[int, float] = {}
    for factor in (1, 10, 50):
        spec, operations = _scaled_spec(factor, workdir)
        runs = 1 if factor == 50 else repeat

        def build(spec: Path = spec, factor: int = factor) -> None:
            out = workdir / f"growth-{factor}"
            shutil.rmtree(out, ignore_errors=True)
            build_tree(spec, "0" * 64, out, rules=Rules())  # no rules: nothing to fix

        stats = time_call(build, repeat=runs, warmup=0)
        per_operation[factor] = stats.median / operations
        rows.append(
            Row(
                figure=f"6. build ×{factor} ({operations} ops)",
                ours=f"{stats.median:.2f} s ({stats.median / operations * 1000:.1f} ms/op)",
                baseline="",
                ratio=per_operation[factor] / per_operation[1],
                target="≈ linear (ms/op ratio ≈ 1)",
                met=per_operation[factor] / per_operation[1] <= 1.5,
                details={"operations": operations, "runs": runs, "median_s": stats.median},
            )
        )
    return rows


def run(repeat: int = 5) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-codegen-") as tmp:
        workdir = Path(tmp)
        # Interleave the measurements so that a noisy neighbour hurts both sides alike.
        samples: dict[str, list[float]] = {"bare": [], "noop": [], "cold": [], "full": [], "check": []}
        actions: dict[str, Callable[[], object]] = {
            "bare": lambda: _bare_generate(workdir),
            "noop": lambda: _ours("generate"),
            "cold": _ours_cold,
            "full": lambda: _ours_full(workdir),
            "check": lambda: _ours("check"),
        }
        for action in actions.values():
            action()  # warm-up: imports, mypy cache, file cache
        for _ in range(repeat):
            for name, action in actions.items():
                start = time.perf_counter()
                action()
                samples[name].append(time.perf_counter() - start)
        stats = {name: Stats.of(values) for name, values in samples.items()}
        bare = stats["bare"]
        rows = [
            Row(
                figure=f"1. make generate, {label}",
                ours=f"{stats[key].median:.2f} s ({stats[key].spread()})",
                baseline=f"{bare.median:.2f} s ({bare.spread()})",
                ratio=stats[key].median / bare.median,
                target="≤ 1.5×",
                met=stats[key].median / bare.median <= 1.5,
                details={"ours": stats[key].__dict__, "baseline": bare.__dict__},
            )
            for key, label in (
                ("noop", "no-op, stamp hit"),
                ("cold", "no-op, cold"),
                ("full", "full rebuild + validation"),
            )
        ]
        rows.append(
            Row(
                figure="1. make check-generated",
                ours=f"{stats['check'].median:.2f} s ({stats['check'].spread()})",
                baseline=f"{bare.median:.2f} s",
                ratio=stats["check"].median / bare.median,
                target="(reported)",
                met=None,
                details={"ours": stats["check"].__dict__},
            )
        )
        rows.extend(_growth(workdir, repeat=max(1, repeat // 2)))
        return rows
