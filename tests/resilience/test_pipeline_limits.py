"""Bad specs in bounded time and memory: ``python -m codegen generate`` in a subprocess with limits.

tests/integration/codegen/test_bad_specs.py already checks the error *messages* of 19 bad specs
in-process. Here the nastiest of those (reused, not copied) and a few more run in a child process
whose address space is capped (RLIMIT_AS) and whose wall time is bounded: each must end on its own
with exit code 1 and a one-paragraph ``error: ...`` (no traceback), leave the target tree untouched,
and do so well inside the limits. Peak memory (ru_maxrss) and wall time are measured per case.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.integration.codegen.test_bad_specs import CASES, VENDORED

REPO = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 1024 * 1024 * 1024  # 1 GiB for the whole child (interpreter + libraries + data)
WALL_LIMIT = 20.0  # seconds; a refused spec takes about one second here
MARKER = "PWNED-by-yaml-tag"

# The child: cap the address space, report peak RSS at exit, then run `python -m codegen`.
_CHILD = """
import atexit, os, resource, runpy, sys
limit = int(os.environ["LIMIT_AS"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
def report():
    with open(os.environ["RSS_FILE"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(report)
sys.argv = ["codegen", *sys.argv[1:]]
runpy.run_module("codegen", run_name="__main__", alter_sys=True)
"""

# Reused from the in-process suite: the ones that stress time or memory, plus plain parse errors.
REUSED = [
    "alias-bomb",
    "many-aliases",
    "deeply-nested",
    "huge-file",
    "ref-cycle",
    "non-utf8",
    "duplicate-key",
    "malformed-yaml",
]


def _merge_bomb() -> str:
    lines = ["a: &m0 {x: 1, y: 2}"]
    for i in range(1, 40):  # each level merges the previous one twice: 2**40 keys if expanded
        lines.append(f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]\n  k{i}: v")
    return "\n".join(lines) + "\n"


def _vendored_with_inline_nesting(depth: int) -> str:
    spec = yaml.safe_load(VENDORED)
    node: dict[str, object] = {"type": "object"}
    spec["components"]["schemas"]["RunResponse"]["properties"]["deep"] = node
    for _ in range(depth):
        child: dict[str, object] = {"type": "object"}
        node["properties"] = {"x": child}
        node = child
    return yaml.safe_dump(spec, sort_keys=False)


def _vendored_with_ref_chain(length: int, *, cycle: bool) -> str:
    spec = yaml.safe_load(VENDORED)
    schemas = spec["components"]["schemas"]
    for i in range(length):
        last = i == length - 1
        target = "Chain0" if (last and cycle) else f"Chain{i + 1}"
        schemas[f"Chain{i}"] = (
            {"type": "object"} if (last and not cycle) else {"$ref": f"#/components/schemas/{target}"}
        )
    schemas["RunResponse"]["properties"]["chain"] = {"$ref": "#/components/schemas/Chain0"}
    return yaml.safe_dump(spec, sort_keys=False)


NEW: dict[str, tuple[str | bytes, str]] = {
    # A YAML tag that would run code with an unsafe loader: refused, and nothing ran.
    "python-object-tag": (
        f"openapi: 3.1.0\nx: !!python/object/apply:os.system ['touch {MARKER}']\n",
        "could not determine a constructor",
    ),
    "utf-16-with-bom": (VENDORED.encode("utf-16"), "not UTF-8"),
    "nul-byte": ('openapi: 3.1.0\ninfo: {title: "a\x00b"}\n', "unacceptable character"),
    "binary-garbage": (bytes(range(256)) * 64, "not UTF-8"),
    "deep-block-indentation": (
        "".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "v\n",
        "nested too deeply",
    ),
    "merge-key-bomb": (_merge_bomb(), "alias bomb"),
}

# Specs large enough to be worth building only when the test runs (collection stays cheap). Each
# was a gap once (a traceback, a 17 kB message, a 2-minute build that crashed) and is now refused by
# codegen's limits (yamlio's value errors, structure.MAX_DEPTH and MAX_REF_CHAIN).
BUILT: dict[str, tuple[Callable[[], str], str]] = {
    "integer-with-100k-digits": (lambda: "openapi: 3.1.0\nx: " + "9" * 100_000 + "\n", "invalid YAML value"),
    "inline-nesting-150-deep": (lambda: _vendored_with_inline_nesting(150), "nested more than 64 levels"),
    # (refused by the chain bound before the cycle closes; short cycles: test_bad_specs.py)
    "ref-cycle-500-long": (lambda: _vendored_with_ref_chain(500, cycle=True), "chain of more than 16 $refs"),
    "ref-chain-3000-long": (
        lambda: _vendored_with_ref_chain(3000, cycle=False),
        "chain of more than 16 $refs",
    ),
}


@dataclass
class Outcome:
    code: int | None  # None: killed at the wall limit
    wall_limit: float
    stderr: str
    wall: float
    peak_rss_mb: float | None
    target_untouched: bool


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _generate(content: str | bytes, tmp_path: Path, wall_limit: float = WALL_LIMIT) -> Outcome:
    spec = tmp_path / "openapi.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    lock = tmp_path / "lock.json"
    digest = hashlib.sha256(spec.read_bytes()).hexdigest()
    lock.write_text(
        json.dumps({"path": "openapi.yaml", "sha256": digest, "source": "test", "retrieved": "-"})
    )
    target = tmp_path / "generated"
    (target / "testerarmy_api").mkdir(parents=True)
    (target / "testerarmy_api" / "__init__.py").write_text("# previous generation\n")
    before = _snapshot(target)
    rss_file = tmp_path / "rss"
    env = {**os.environ, "LIMIT_AS": str(ADDRESS_SPACE), "RSS_FILE": str(rss_file)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            "generate",
            "--spec",
            str(spec),
            "--lock",
            str(lock),
            "--target",
            str(target),
        ],
        cwd=tmp_path,  # (a relative path in the spec or a tag's side effect lands here)
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, stderr = child.communicate(timeout=wall_limit)
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        code = None
    wall = time.perf_counter() - started
    peak = int(rss_file.read_text()) / 1024 if rss_file.exists() else None  # ru_maxrss is in KiB
    return Outcome(code, wall_limit, stderr, wall, peak, _snapshot(target) == before)


def _assert_refused_cleanly(outcome: Outcome, fragment: str) -> None:
    assert outcome.code is not None, f"still running after {outcome.wall_limit} s (killed)"
    assert outcome.code == 1, outcome.stderr[-2000:]
    assert "Traceback" not in outcome.stderr, outcome.stderr[-2000:]
    assert outcome.stderr.startswith("error: "), outcome.stderr[:500]
    assert fragment in outcome.stderr, outcome.stderr[:500]
    assert len(outcome.stderr) < 4000, f"{len(outcome.stderr)} characters of error"
    assert outcome.target_untouched
    assert outcome.peak_rss_mb is not None
    assert outcome.peak_rss_mb < ADDRESS_SPACE / 2**20


@pytest.mark.parametrize("case", REUSED)
def test_reused_bad_specs_are_refused_within_limits(case: str, tmp_path: Path) -> None:
    content, fragments = CASES[case]
    outcome = _generate(content, tmp_path)
    _assert_refused_cleanly(outcome, fragments[0])
    print(f"\n{case}: {outcome.wall:.2f} s, peak {outcome.peak_rss_mb:.0f} MB")


@pytest.mark.parametrize("case", sorted(NEW))
def test_more_bad_specs_are_refused_within_limits(case: str, tmp_path: Path) -> None:
    content, fragment = NEW[case]
    outcome = _generate(content, tmp_path)
    _assert_refused_cleanly(outcome, fragment)
    assert not (tmp_path / MARKER).exists(), "a YAML tag ran code"
    print(f"\n{case}: {outcome.wall:.2f} s, peak {outcome.peak_rss_mb:.0f} MB")


@pytest.mark.parametrize("case", sorted(BUILT))
def test_built_bad_specs_are_refused_within_limits(case: str, tmp_path: Path) -> None:
    build, fragment = BUILT[case]
    outcome = _generate(build(), tmp_path)
    _assert_refused_cleanly(outcome, fragment)
    print(f"\n{case}: {outcome.wall:.2f} s, peak {outcome.peak_rss_mb:.0f} MB")


def test_the_child_really_is_capped(tmp_path: Path) -> None:
    # The harness itself: a child asking for more than the cap dies with MemoryError, so a bad
    # spec that needed more memory would fail these tests rather than swap the machine.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD.replace(
                'runpy.run_module("codegen", run_name="__main__", alter_sys=True)',
                "b = bytearray(2 * 1024**3)",
            ),
        ],
        env={**os.environ, "LIMIT_AS": str(ADDRESS_SPACE), "RSS_FILE": str(tmp_path / "rss")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode != 0
    assert "MemoryError" in probe.stderr
