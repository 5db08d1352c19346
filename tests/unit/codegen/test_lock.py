"""codegen/lock.py: the spec and every other pinned upstream source are verified by their sha256."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from codegen.errors import SpecError
from codegen.lock import LOCK_PATH, PinnedSource, SpecLock, lock_bytes, read_lock, verify_lock

REPO = Path(__file__).resolve().parents[3]


def test_the_committed_lock_verifies_the_spec_and_every_pinned_source() -> None:
    lock = read_lock()
    assert verify_lock(REPO / "openapi.yaml", lock) == lock.sha256
    for pinned in lock.sources:
        assert (REPO / pinned.path).is_file()
        assert pinned.source.startswith("https://")


def test_lock_round_trips_with_optional_fields(tmp_path: Path) -> None:
    lock = SpecLock(
        "openapi.yaml",
        "a" * 64,
        "https://x.example/openapi.json",
        "2026-07-21",
        fetched_from="copy/openapi.json",
        sources=(
            PinnedSource("codegen/sources/p.md", "b" * 64, "https://x.example/p.md", "2026-11-30", "POST /x"),
        ),
    )
    path = tmp_path / "lock.json"
    path.write_bytes(lock_bytes(lock))
    assert read_lock(path) == lock
    plain = dataclasses.replace(lock, fetched_from=None, sources=())
    path.write_bytes(lock_bytes(plain))
    assert read_lock(path) == plain
    assert set(path.read_text(encoding="utf-8").split('"')) >= {"path", "sha256", "source", "retrieved"}
    assert "sources" not in path.read_text(encoding="utf-8")


def test_an_edited_pinned_source_is_refused_naming_it(tmp_path: Path) -> None:
    lock = read_lock(LOCK_PATH)
    assert lock.sources, "nothing pinned besides the spec: this test would prove nothing"
    shutil.copy2(REPO / "openapi.yaml", tmp_path / "openapi.yaml")
    for pinned in lock.sources:
        (tmp_path / pinned.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / pinned.path, tmp_path / pinned.path)
    assert verify_lock(tmp_path / "openapi.yaml", lock) == lock.sha256

    edited = tmp_path / lock.sources[0].path
    edited.write_bytes(edited.read_bytes() + b"\n")
    with pytest.raises(SpecError, match=r"does not match codegen/openapi\.lock\.json") as caught:
        verify_lock(tmp_path / "openapi.yaml", lock)
    assert str(edited) in str(caught.value)

    edited.unlink()
    with pytest.raises(SpecError, match="pinned source is unreadable"):
        verify_lock(tmp_path / "openapi.yaml", lock)
