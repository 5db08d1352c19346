"""Skip a `make generate` whose inputs and output are exactly those of the last successful build.

The stamp is a digest of everything that determines generated/ (the spec, every file of codegen/,
the versions of the tools and of Python, the target path), plus the hand-written overrides/ that
generate proves against it, next to a digest of generated/ as that build left it. When both still
match, building again would write the same bytes and prove the same, so `generate` can stop early.
Only `generate` uses it: `make check-generated`, the CI gate, always rebuilds for real and
compares. The stamp lives in codegen/.work/ (never committed), so a fresh clone builds.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from codegen.build import GENERATOR_TOOLS
from codegen.prove import overrides_dir
from codegen.trees import tree_digest

__all__ = ["STAMP_PATH", "BuildStamp"]

CODEGEN_DIR = Path(__file__).parent
STAMP_PATH = CODEGEN_DIR / ".work" / "last-build.json"
# The generators, plus what else decides the bytes: the YAML library and the spec validator.
_TOOLS = (*GENERATOR_TOOLS, "pyyaml", "openapi-spec-validator")


def _inputs_digest(spec_path: Path, target: Path) -> str:
    digest = hashlib.sha256()
    digest.update(spec_path.read_bytes())
    digest.update(tree_digest(CODEGEN_DIR, skip_dirs={".work"}).encode())
    # generate also proves overrides/ against the tree it builds: an edit there must re-prove it.
    overrides = overrides_dir(spec_path.parent)
    digest.update(b"overrides=" + (tree_digest(overrides).encode() if overrides is not None else b"none"))
    for tool in _TOOLS:
        digest.update(f"{tool}={version(tool)};".encode())
    digest.update(f"python={platform.python_version()};target={target.resolve()}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildStamp:
    inputs: str
    target: Path

    @classmethod
    def of(cls, spec_path: Path, target: Path) -> BuildStamp:
        return cls(_inputs_digest(spec_path, target), target)

    def _key(self) -> str:
        return str(self.target.resolve())

    @staticmethod
    def _load() -> dict[str, dict[str, str]]:
        try:
            stamps = json.loads(STAMP_PATH.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stamps if isinstance(stamps, dict) else {}

    def matches_last(self) -> bool:
        last = self._load().get(self._key()) or {}
        return bool(
            last.get("inputs") == self.inputs
            and self.target.is_dir()
            and last.get("output") == tree_digest(self.target)
        )

    def record(self) -> None:
        # One entry per target, so building elsewhere (tests, benchmarks) never evicts generated/'s.
        stamps = self._load()
        stamps[self._key()] = {"inputs": self.inputs, "output": tree_digest(self.target)}
        STAMP_PATH.parent.mkdir(parents=True, exist_ok=True)
        STAMP_PATH.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n", encoding="utf-8")
