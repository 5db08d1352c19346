"""`make update-spec SPEC=...`: take a new spec from a file or a URL only if the pipeline can use it.

Every test works on copies in tmp_path (spec, lock, generated/openapi.normalized.yaml); the
repository's own files are only read. URLs are served by a local http.server on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.__main__ import main
from codegen.errors import SpecError
from codegen.lock import read_lock, verify_lock
from codegen.update_spec import SpecRefusedError, update_spec
from tests.unit.codegen._pick import operation_to_remove

REPO = Path(__file__).resolve().parents[3]
VENDORED = (REPO / "openapi.yaml").read_text(encoding="utf-8")
TODAY = date(2027, 1, 15)


def _vendored_with(edit: Callable[[dict[str, Any]], None]) -> bytes:
    # libyaml for building test inputs (fast); the code under test parses with its strict loader.
    spec = yaml.load(VENDORED, Loader=yaml.CSafeLoader)
    edit(spec)
    return yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False).encode()


def _add_run_property(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["RunResponse"]["properties"]["retries"] = {"type": "integer"}


REMOVED = operation_to_remove()
#: The spec's title as it is written in the file (a spot to corrupt a byte of).
_TITLE = json.dumps(yaml.safe_load(VENDORED)["info"]["title"]).encode()


def _drop_operation(spec: dict[str, Any]) -> None:
    REMOVED.remove(spec)


def _param_in_body(spec: dict[str, Any]) -> None:
    spec["paths"]["/v1/runs"]["get"]["parameters"][0]["in"] = "body"


@dataclass
class Checkout:
    """A throwaway copy of what update-spec touches (and what it reads for the report)."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "openapi.yaml"

    @property
    def lock(self) -> Path:
        return self.root / "codegen" / "openapi.lock.json"

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    def snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (self.spec, self.lock)}

    def update(self, source: str) -> Any:
        return update_spec(
            source, spec_path=self.spec, lock_path=self.lock, generated_dir=self.generated, today=TODAY
        )

    def cli(self, source: str) -> int:
        args = ["--spec", str(self.spec), "--lock", str(self.lock), "--target", str(self.generated)]
        return main(["update-spec", source, *args])


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    root = tmp_path / "repo"
    (root / "codegen").mkdir(parents=True)
    (root / "generated").mkdir()
    shutil.copy2(REPO / "openapi.yaml", root / "openapi.yaml")
    shutil.copy2(REPO / "codegen" / "openapi.lock.json", root / "codegen" / "openapi.lock.json")
    shutil.copytree(REPO / "codegen" / "sources", root / "codegen" / "sources")
    shutil.copy2(
        REPO / "generated" / "openapi.normalized.yaml", root / "generated" / "openapi.normalized.yaml"
    )
    return Checkout(root)


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    path = tmp_path / "downloads" / "testerarmy-openapi.yaml"
    path.parent.mkdir()
    path.write_bytes(_vendored_with(_add_run_property))
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def served(candidate: Path) -> Iterator[str]:
    """Base URL of a local HTTP server serving the candidate's directory."""
    handler = functools.partial(_QuietHandler, directory=str(candidate.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- accepted specs ------------------------------------------------------------------------------------


def test_update_from_a_file_replaces_spec_and_lock(checkout: Checkout, candidate: Path) -> None:
    previous = read_lock(checkout.lock)
    keys_before = list(json.loads(checkout.lock.read_text(encoding="utf-8")))

    result = checkout.update(str(candidate))

    assert result.changed
    assert checkout.spec.read_bytes() == candidate.read_bytes()
    lock = read_lock(checkout.lock)
    assert lock.sha256 == result.sha256 == verify_lock(checkout.spec, lock)
    assert lock.source == str(candidate)
    assert lock.retrieved == "2027-01-15"
    assert lock.path == previous.path
    assert result.previous_sha256 == previous.sha256
    # Same fields in the same order; `fetched_from` only names a copy's origin other than `source`,
    # and this candidate was taken from its source itself.
    assert lock.fetched_from is None
    assert list(json.loads(checkout.lock.read_text(encoding="utf-8"))) == [
        key for key in keys_before if key != "fetched_from"
    ]
    assert result.report is not None
    assert {(c.rule, c.operation) for c in result.report.changes} == {
        ("response-property-added", "runs.get"),
        ("response-property-added", "runs.list"),
    }
    leftovers = [p.name for p in checkout.root.rglob(".*.tmp")]
    assert leftovers == []


def _as_openapi_30(spec: dict[str, Any]) -> None:
    spec["openapi"] = "3.0.3"
    spec["components"]["schemas"]["RunResponse"]["properties"]["retries"] = {
        "type": "integer",
        "nullable": True,
    }


def test_an_openapi_30_spec_is_taken_with_its_provenance(checkout: Checkout, tmp_path: Path) -> None:
    candidate = tmp_path / "openapi.json"
    candidate.write_bytes(_vendored_with(_as_openapi_30))
    previous = read_lock(checkout.lock)

    result = update_spec(
        str(candidate),
        spec_path=checkout.spec,
        lock_path=checkout.lock,
        generated_dir=checkout.generated,
        today=TODAY,
        source_url="https://upstream.example/openapi.json",
        captured=date(2026, 7, 21),
    )

    assert result.changed
    assert checkout.spec.read_bytes() == candidate.read_bytes()
    lock = read_lock(checkout.lock)
    assert (lock.source, lock.retrieved, lock.fetched_from) == (
        "https://upstream.example/openapi.json",
        "2026-07-21",
        str(candidate),
    )
    # The other pinned sources are kept, and still verify.
    assert lock.sources == previous.sources != ()
    assert verify_lock(checkout.spec, lock) == result.sha256
    assert result.report is not None
    assert ("response-property-added", "runs.get") in {(c.rule, c.operation) for c in result.report.changes}


def test_update_from_a_local_http_server(checkout: Checkout, candidate: Path, served: str) -> None:
    url = f"{served}/{candidate.name}"

    result = checkout.update(url)

    assert result.changed
    assert checkout.spec.read_bytes() == candidate.read_bytes()
    assert read_lock(checkout.lock).source == url


def test_taking_the_same_spec_again_changes_nothing(checkout: Checkout) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (checkout.spec, checkout.lock)}

    result = checkout.update(str(REPO / "openapi.yaml"))

    assert not result.changed
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (checkout.spec, checkout.lock)} == before


def test_cli_reports_the_changes_and_the_next_step(
    checkout: Checkout, candidate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert checkout.cli(str(candidate)) == 0
    out = capsys.readouterr().out
    assert "retries: new optional property  [response-property-added]" in out
    assert "openapi.yaml replaced by" in out
    assert "Next: make generate." in out


# -- refused specs -------------------------------------------------------------------------------------

REFUSED: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "unparseable-yaml": (b"openapi: 3.1.0\npaths:\n  /v1/runs: [unclosed\n", ("invalid YAML", "line 4")),
    "not-utf8": (VENDORED.encode().replace(_TITLE, _TITLE[:-1] + b'\xff"', 1), ("not UTF-8",)),
    "not-openapi": (b"swagger: '2.0'\npaths: {}\n", ("/openapi", "Swagger 2.0")),
    "no-paths": (b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", ("/paths", "no `paths`")),
    "failing-rules": (
        _vendored_with(_drop_operation),
        ("codegen/rules.yaml", f"{REMOVED.rule_key!r} does not exist"),
    ),
    "invalid-after-rules": (_vendored_with(_param_in_body), ("after normalization", "not valid OpenAPI")),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_spec_is_refused_and_the_old_files_stay(checkout: Checkout, tmp_path: Path, case: str) -> None:
    content, fragments = REFUSED[case]
    bad = tmp_path / f"{case}.yaml"
    bad.write_bytes(content)
    before = checkout.snapshot()

    with pytest.raises(SpecError) as caught:
        checkout.update(str(bad))

    message = str(caught.value)
    assert str(bad) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message}"
    assert checkout.snapshot() == before


def test_refusal_for_stale_rules_still_shows_what_would_change(
    checkout: Checkout, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "candidate.yaml"
    bad.write_bytes(_vendored_with(_drop_operation))
    before = checkout.snapshot()

    with pytest.raises(SpecRefusedError) as caught:
        checkout.update(str(bad))
    assert caught.value.report is not None
    rows = [(c.rule, c.operation) for c in caught.value.report.changes]
    assert ("operation-removed", REMOVED.name) in rows
    # Anything else is a model only that operation used (its inline body, hoisted by a rule).
    assert {rule for rule, _ in rows} <= {"operation-removed", "model-removed"}

    assert checkout.cli(str(bad)) == 1
    captured = capsys.readouterr()
    assert "[operation-removed]" in captured.out
    assert "openapi.yaml and openapi.lock.json were left unchanged." in captured.err
    assert checkout.snapshot() == before


def test_http_error_is_refused(checkout: Checkout, served: str) -> None:
    before = checkout.snapshot()
    with pytest.raises(SpecError, match="HTTP 404"):
        checkout.update(f"{served}/missing.yaml")
    assert checkout.snapshot() == before


def test_unreachable_server_is_refused(checkout: Checkout) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(SpecError, match="cannot fetch"):
            update_spec(
                f"http://127.0.0.1:{port}/spec.yaml",
                spec_path=checkout.spec,
                lock_path=checkout.lock,
                timeout=2.0,
            )


@pytest.mark.parametrize("source", ["ftp://example.com/spec.yaml", "does/not/exist.yaml"])
def test_unsupported_or_missing_source_is_refused(checkout: Checkout, source: str) -> None:
    with pytest.raises(SpecError) as caught:
        checkout.update(source)
    assert source in str(caught.value)


# -- both files or neither -----------------------------------------------------------------------------


def test_a_failure_while_replacing_the_lock_puts_the_spec_back(
    checkout: Checkout, candidate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = checkout.snapshot()
    real_replace = os.replace
    calls: list[str] = []

    def flaky_replace(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if str(dst) == str(checkout.lock):
            raise OSError("disk full (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="disk full"):
        checkout.update(str(candidate))

    assert calls[:2] == [str(checkout.spec), str(checkout.lock)]
    assert checkout.snapshot() == before
    assert [p.name for p in checkout.root.rglob(".*.tmp")] == []


# -- the scheduled workflow ------------------------------------------------------------------------------


def test_regenerate_workflow_runs_exactly_the_tested_make_targets() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "regenerate.yml").read_text(encoding="utf-8"))
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as True
    assert "schedule" in triggers
    assert "workflow_dispatch" in triggers
    (job,) = workflow["jobs"].values()
    make_lines = [
        line.strip()
        for step in job["steps"]
        for line in str(step.get("run", "")).splitlines()
        if line.strip().startswith("make ")
    ]
    targets = [
        line.split()[1] if not line.split()[1].startswith("-") else line.split()[2] for line in make_lines
    ]
    assert targets == ["update-spec", "spec-diff", "generate", "test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert f"\n{target}:" in makefile, target
    pull_request = [s for s in job["steps"] if "create-pull-request" in str(s.get("uses", ""))]
    assert len(pull_request) == 1
    assert "body-path" in pull_request[0]["with"]
