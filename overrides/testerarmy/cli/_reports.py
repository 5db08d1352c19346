"""Reports for CI systems from the runs a command waited for: JUnit XML and GitHub Actions.

JUnit: one ``<testsuite>``, one ``<testcase>`` per run (named from the test title, the scenario's
title or the prompt's first line; ``time`` from the run), ``<failure>`` for a ``FAILED`` verdict
(the verdict's description as message, the issues as text), ``<error>`` for a run that failed,
was cancelled or did not finish in time, ``<skipped>`` for a run the planner skipped. The document
is valid against the Jenkins JUnit schema (the one CI servers accept, tests/fixtures/junit): that
schema has no ``<properties>`` on a testcase, so the run id of each testcase is a suite property
named after the testcase (``run-id:<testcase name>``, and ``test-id:<name>`` for saved tests),
which is also what ``--rerun-failed`` reads back.

GitHub Actions (``GITHUB_ACTIONS=true``): a markdown table of the results appended to the file
named by ``$GITHUB_STEP_SUMMARY``, and one ``::error`` workflow command per run that did not pass.
The commands go to stderr (the runner reads both streams), so ``--json`` keeps stdout a document.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from .._summary import Outcome, summarize
from ._exit import label

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = [
    "RUN_ID_PROPERTY",
    "TEST_ID_PROPERTY",
    "Case",
    "github_annotations",
    "github_summary",
    "junit_document",
    "on_github_actions",
    "write_junit",
]

RUN_ID_PROPERTY: Final = "run-id:"
TEST_ID_PROPERTY: Final = "test-id:"
# Control characters XML 1.0 cannot carry at all (server text is arbitrary).
_XML_FORBIDDEN: Final = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


@dataclass(frozen=True)
class Case:
    """One testcase: the last state seen of a run and what to call it."""

    run_id: str
    name: str
    #: ``tests/01-login.md`` for a scenario, ``test.<id>`` for a saved test, ``prompt`` otherwise.
    classname: str
    run: Run | None = None
    test_id: str | None = None
    #: The command's --timeout was reached before this run finished.
    timed_out: bool = False
    #: Why there is no run at all (a scenario whose submit failed): reported as an error.
    problem: str | None = None

    @property
    def label(self) -> str:
        if self.problem is not None:
            return "NOT SUBMITTED"
        if self.timed_out:
            return "TIMED OUT"
        return label(self.run) if self.run is not None else "UNKNOWN"

    @property
    def passed(self) -> bool:
        return not self.timed_out and self.run is not None and summarize(self.run).passed


def _clean(text: str) -> str:
    return text.translate(_XML_FORBIDDEN)


def _unique_names(cases: Sequence[Case]) -> list[str]:
    """Testcase names, made unique (`name (2)`): the suite properties are keyed by them."""
    seen: dict[str, int] = {}
    names = []
    for case in cases:
        name = _clean(case.name.strip() or f"run {case.run_id}")
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name} ({count})")
    return names


def _testcase(case: Case, name: str) -> ET.Element:
    element = ET.Element("testcase", name=name, classname=_clean(case.classname))
    facts = summarize(case.run) if case.run is not None else None
    if facts is not None and facts.duration_seconds is not None:
        element.set("time", f"{facts.duration_seconds:.3f}")
    outcome = facts.outcome if facts is not None else Outcome.UNKNOWN
    if case.problem is not None:
        ET.SubElement(element, "error", type=case.label, message=_clean(case.problem))
    elif case.timed_out or facts is None or outcome in (Outcome.PENDING, Outcome.UNKNOWN):
        status = facts.status if facts is not None else "not seen"
        child = ET.SubElement(element, "error", type=case.label)
        child.set(
            "message",
            _clean(
                f"run {case.run_id} did not finish in time (last status: {status})"
                if case.timed_out
                else f"run {case.run_id} has status {status}"
            ),
        )
    elif outcome is Outcome.FAILED:
        child = ET.SubElement(element, "failure", type="FAILED")
        child.set("message", _clean(facts.description or "the agent's verdict is FAILED"))
        child.text = _clean("\n".join(f"- {issue}" for issue in facts.issues) or "no issues reported")
    elif outcome is Outcome.SKIPPED:
        skipped = ET.SubElement(element, "skipped")
        skipped.text = _clean(f"skipped by the planner: {facts.description or 'no reason given'}")
    elif outcome in (Outcome.ERRORED, Outcome.CANCELLED):
        child = ET.SubElement(element, "error", type=case.label)
        reason = facts.error if outcome is Outcome.ERRORED else None
        child.set("message", _clean(reason or f"the run was {facts.status}"))
    out = ET.SubElement(element, "system-out")
    out.text = _clean(f"Run: {case.run_id or '-'}\nResult: {case.label}")
    return element


def junit_document(cases: Sequence[Case], *, suite_name: str, timestamp: str | None = None) -> bytes:
    """The JUnit XML document (UTF-8 bytes with declaration) for ``cases``."""
    names = _unique_names(cases)
    failures = errors = skipped = 0
    total_time = 0.0
    for case in cases:
        facts = summarize(case.run) if case.run is not None else None
        total_time += (facts.duration_seconds or 0.0) if facts is not None else 0.0
        outcome = facts.outcome if facts is not None else Outcome.UNKNOWN
        if case.timed_out or outcome in (
            Outcome.ERRORED,
            Outcome.CANCELLED,
            Outcome.PENDING,
            Outcome.UNKNOWN,
        ):
            errors += 1
        elif outcome is Outcome.FAILED:
            failures += 1
        elif outcome is Outcome.SKIPPED:
            skipped += 1
    suite = ET.Element(
        "testsuite",
        name=_clean(suite_name),
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
        time=f"{total_time:.3f}",
    )
    if timestamp:
        suite.set("timestamp", timestamp)
    if cases:
        properties = ET.SubElement(suite, "properties")
        for case, name in zip(cases, names, strict=True):
            if case.run_id:
                ET.SubElement(properties, "property", name=RUN_ID_PROPERTY + name, value=case.run_id)
            if case.test_id:
                ET.SubElement(properties, "property", name=TEST_ID_PROPERTY + name, value=case.test_id)
    for case, name in zip(cases, names, strict=True):
        suite.append(_testcase(case, name))
    ET.indent(suite)
    data: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def write_junit(path: Path, cases: Sequence[Case], *, suite_name: str, timestamp: str | None = None) -> None:
    """Write the document next to ``path`` first, then rename: a reader never sees half a file."""
    data = junit_document(cases, suite_name=suite_name, timestamp=timestamp)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


# --- GitHub Actions -----------------------------------------------------------------------------


def on_github_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS", "").lower() == "true"


def _cell(text: str) -> str:
    """Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|") or "-"


def _duration(case: Case) -> str:
    seconds = summarize(case.run).duration_seconds if case.run is not None else None
    return "-" if seconds is None else f"{seconds:.1f} s"


def _detail(case: Case) -> str:
    if case.problem is not None:
        return case.problem
    if case.timed_out or case.run is None:
        return "did not finish in time" if case.timed_out else ""
    facts = summarize(case.run)
    if facts.outcome is Outcome.ERRORED:
        return facts.error or ""
    if facts.outcome is Outcome.FAILED and facts.issues:
        return f"{len(facts.issues)} issue(s): {facts.issues[0]}"
    return facts.description or ""


def github_summary(cases: Sequence[Case], *, title: str) -> str:
    """The markdown appended to ``$GITHUB_STEP_SUMMARY``."""
    passed = sum(case.passed for case in cases)
    lines = [
        f"### {_cell(title)}: {passed} of {len(cases)} passed",
        "",
        "| Result | Test | Duration | Details | Run |",
        "| --- | --- | --- | --- | --- |",
    ]
    icon = {True: "✅", False: "❌"}
    for case, name in zip(cases, _unique_names(cases), strict=True):
        lines.append(
            f"| {icon[case.passed]} {case.label} | {_cell(name)} | {_duration(case)} | "
            f"{_cell(_detail(case))} | {f'`{case.run_id}`' if case.run_id else '-'} |"
        )
    return "\n".join(lines) + "\n\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(cases: Sequence[Case], stream: TextIO) -> None:
    """One ``::error`` workflow command per run that did not pass."""
    for case, name in zip(cases, _unique_names(cases), strict=True):
        if case.passed:
            continue
        detail = _detail(case)
        where = f" (run {case.run_id})" if case.run_id else ""
        message = f"{case.label}: {name}{where}" + (f": {detail}" if detail else "")
        title = _escape_property(f"TesterArmy {case.label}")
        print(f"::error title={title}::{_escape_data(message)}", file=stream, flush=True)
