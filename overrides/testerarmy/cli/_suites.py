"""Markdown test suites, following the official CLI's rules (docs/cli.md, "Markdown suites").

- A directory runs its top-level ``*.md`` files (not recursive), in file-name order, except
  ``README.md`` and ``TESTER.md``; the directory's ``TESTER.md`` is prepended to each scenario.
- A single file gets the nearest ``TESTER.md`` found walking up from its directory.
- ``<target_url>`` in the text is replaced by ``--target-url`` / ``TESTERARMY_TARGET_URL``; a
  scenario that uses the placeholder without a target URL is an error before anything is sent.
- Each scenario is prompt text sent whole; nothing else is parsed (the title for reports is the
  first line, a leading ``#`` dropped).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ._reports import RUN_ID_PROPERTY, TEST_ID_PROPERTY

__all__ = [
    "SHARED_CONTEXT",
    "TARGET_URL_PLACEHOLDER",
    "PreviousResults",
    "Scenario",
    "SuiteError",
    "is_suite_path",
    "load_suite",
    "read_previous_results",
]

SHARED_CONTEXT: Final = "TESTER.md"
TARGET_URL_PLACEHOLDER: Final = "<target_url>"
_NOT_SCENARIOS: Final = frozenset({"readme.md", SHARED_CONTEXT.lower()})


class SuiteError(ValueError):
    """A suite that cannot be run as given (one line, said before any request)."""


@dataclass(frozen=True)
class Scenario:
    #: The path as the user named it (relative paths stay relative): the JUnit classname.
    path: str
    title: str
    prompt: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SuiteError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SuiteError(f"cannot read {path}: {exc.strerror or exc}") from None


def _nearest_shared_context(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / SHARED_CONTEXT
        if candidate.is_file():
            return candidate
    return None


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped if len(stripped) <= 120 else stripped[:119] + "…"
    return fallback


def is_suite_path(argument: str) -> bool:
    """Whether ``run ARGUMENT`` names a suite (a directory, or an existing ``.md`` file)."""
    path = Path(argument)
    return path.is_dir() or (path.suffix.lower() == ".md" and path.is_file())


def load_suite(argument: str, target_url: str | None) -> list[Scenario]:
    """The scenarios of a directory or a single file, with shared context and target URL filled."""
    path = Path(argument)
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.suffix.lower() == ".md" and p.is_file()),
            key=lambda p: p.name,
        )
        files = [p for p in files if p.name.lower() not in _NOT_SCENARIOS]
        if not files:
            raise SuiteError(f"{argument}: no scenarios (*.md other than README.md and TESTER.md)")
        shared: Path | None = path / SHARED_CONTEXT if (path / SHARED_CONTEXT).is_file() else None
    else:
        files = [path]
        shared = _nearest_shared_context(path.resolve().parent)
    context = _read(shared).strip() if shared is not None else ""
    scenarios = []
    for file in files:
        text = _read(file)
        if not text.strip():
            raise SuiteError(f"{file}: empty scenario")
        prompt = f"{context}\n\n{text.strip()}\n" if context else text.strip() + "\n"
        if TARGET_URL_PLACEHOLDER in prompt:
            if target_url is None:
                raise SuiteError(
                    f"{file} uses {TARGET_URL_PLACEHOLDER}: pass --target-url or set TESTERARMY_TARGET_URL"
                )
            prompt = prompt.replace(TARGET_URL_PLACEHOLDER, target_url)
        display = str(file) if path.is_dir() else argument
        scenarios.append(Scenario(display, _title(text, file.stem), prompt))
    return scenarios


@dataclass(frozen=True)
class PreviousResults:
    """What a JUnit file written by this CLI says did not pass."""

    #: classnames (scenario paths, ``test.<id>``) of the testcases that did not pass
    not_passed_classnames: frozenset[str]
    #: saved-test ids of the testcases that did not pass
    not_passed_test_ids: tuple[str, ...]
    total: int


def read_previous_results(path: Path) -> PreviousResults:
    """Parse a ``--junit-xml`` file of an earlier run (this CLI's format)."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - our own report file, not untrusted input
    except (OSError, ET.ParseError) as exc:
        raise SuiteError(f"--rerun-failed {path}: not a readable JUnit XML file ({exc})") from None
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        raise SuiteError(f"--rerun-failed {path}: no <testsuite> in the file")
    properties = {
        prop.get("name", ""): prop.get("value", "") for prop in suite.iterfind("properties/property")
    }
    classnames: set[str] = set()
    test_ids: list[str] = []
    cases: Sequence[ET.Element] = suite.findall("testcase")
    for case in cases:
        if not any(case.find(tag) is not None for tag in ("failure", "error", "skipped")):
            continue
        classnames.add(case.get("classname", ""))
        test_id = properties.get(TEST_ID_PROPERTY + case.get("name", ""))
        if test_id and test_id not in test_ids:
            test_ids.append(test_id)
    if cases and not any(name.startswith(RUN_ID_PROPERTY) for name in properties):
        raise SuiteError(f"--rerun-failed {path}: not a report written by --junit-xml of this command")
    return PreviousResults(frozenset(classnames), tuple(test_ids), len(cases))
