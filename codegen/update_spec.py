"""`make update-spec SPEC=<url-or-path>`: take in a new upstream spec, only if the pipeline can use it.

The candidate is fetched (httpx for http(s) URLs, else read as a file), then checked exactly as
`make generate` will check it: strict YAML, structure, every normalization rule still matching,
and OpenAPI validation of the normalized result. Only then are openapi.yaml and its lock replaced,
together (temporary files + renames); a refused candidate leaves both byte-identical.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from codegen.atomicfile import replace_files
from codegen.diff.load import SpecSide, build_report, normalize_document, read_normalized
from codegen.diff.model import Report
from codegen.errors import SpecError
from codegen.lock import LOCK_PATH, SpecLock, lock_bytes, read_lock
from codegen.normalize import StaleRulesError
from codegen.rules import RULES_PATH
from codegen.structure import validate_openapi
from codegen.yamlio import MAX_BYTES, load_yaml_bytes

__all__ = ["FETCH_TIMEOUT", "SpecRefusedError", "UpdateResult", "fetch_spec", "update_spec"]

FETCH_TIMEOUT = 30.0
_NORMALIZED_NAME = "openapi.normalized.yaml"


class SpecRefusedError(SpecError):
    """The candidate spec is not taken; the report (if one could be built) says what it would change."""

    def __init__(self, cause: SpecError, report: Report | None = None) -> None:
        self.cause = cause
        self.report = report
        super().__init__(cause.source, cause.location, cause.problem)


@dataclass(frozen=True)
class UpdateResult:
    changed: bool
    source: str
    sha256: str
    previous_sha256: str | None
    #: Change report against the spec generated/ came from (None without a generated/ tree).
    report: Report | None


def _is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def fetch_spec(source: str, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """The candidate's bytes, from an http(s) URL or a local file, at most yamlio.MAX_BYTES."""
    if not _is_url(source):
        if "://" in source:
            raise SpecError(source, "", "unsupported URL scheme (use http://, https:// or a file path)")
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise SpecError(source, "", f"file is over the {MAX_BYTES}-byte limit for a spec")
            return path.read_bytes()
        except OSError as exc:
            raise SpecError(source, "", f"cannot read file: {exc.strerror}") from None
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream(
                "GET", source, headers={"Accept": "application/yaml, application/json, */*"}
            ) as response,
        ):
            if response.status_code != 200:
                raise SpecError(source, "", f"HTTP {response.status_code} {response.reason_phrase}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BYTES:
                    raise SpecError(source, "", f"response is over the {MAX_BYTES}-byte limit for a spec")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise SpecError(source, "", f"cannot fetch: {type(exc).__name__}: {exc}") from None


def _previous_side(generated_dir: Path) -> SpecSide | None:
    previous = generated_dir / _NORMALIZED_NAME
    if not previous.is_file():
        return None
    return read_normalized(previous, label=f"{generated_dir.name}/{_NORMALIZED_NAME}")


def update_spec(
    source: str,
    *,
    spec_path: Path,
    lock_path: Path = LOCK_PATH,
    generated_dir: Path | None = None,
    rules_path: Path = RULES_PATH,
    today: date | None = None,
    timeout: float = FETCH_TIMEOUT,
    source_url: str | None = None,
    captured: date | None = None,
) -> UpdateResult:
    """Validate `source` and make it the vendored spec; raise SpecError (nothing written) if unusable.

    `source_url` and `captured` record where upstream publishes the document and when this copy was
    captured, when `source` is a local copy of a capture (default: `source` itself, today).
    """
    previous_lock = read_lock(lock_path)
    data = fetch_spec(source, timeout=timeout)
    sha256 = hashlib.sha256(data).hexdigest()
    current = spec_path.read_bytes() if spec_path.exists() else None
    if current == data and previous_lock.sha256 == sha256:
        # Exactly the spec already taken (and validated then); `make generate` checks it again anyway.
        return UpdateResult(False, source, sha256, previous_lock.sha256, None)
    candidate = normalize_document(load_yaml_bytes(data, source), source, rules_path, sha256)
    old = _previous_side(generated_dir) if generated_dir is not None else None
    report = build_report(old, candidate) if old is not None else None
    if candidate.stale_rules:
        raise SpecRefusedError(StaleRulesError(source, list(candidate.stale_rules)), report)
    try:
        validate_openapi(candidate.spec, f"{source} (after normalization)")
    except SpecError as exc:
        raise SpecRefusedError(exc, report) from None

    fetched = source if _is_url(source) else str(Path(source))
    lock = SpecLock(
        path=previous_lock.path,
        sha256=sha256,
        source=source_url or fetched,
        retrieved=(captured or today or date.today()).isoformat(),
        fetched_from=fetched if source_url and source_url != fetched else None,
        # The other pinned sources are not this command's business: they stay as they are.
        sources=previous_lock.sources,
    )
    replace_files([(spec_path, data), (lock_path, lock_bytes(lock))])
    return UpdateResult(True, source, sha256, previous_lock.sha256, report)
