"""codegen/unset_repr.py: the generated Unset prints as UNSET; a changed generator class fails the build."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from testerarmy_api.models import Run
from testerarmy_api.types import UNSET

from codegen.errors import SpecError
from codegen.unset_repr import add_unset_repr


def test_generated_unset_prints_as_unset() -> None:
    assert repr(UNSET) == "UNSET"
    run = Run.from_dict(
        {
            "id": str(uuid.uuid4()),
            "type": "chat",
            "status": "queued",
            "input": {},
            "createdAt": "2026-02-12T00:00:00Z",
        }
    )
    assert "platform=UNSET" in repr(run)
    assert " object at 0x" not in repr(run)


def test_a_changed_generator_class_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "types.py").write_text("class Unset:\n    pass\n", encoding="utf-8")
    with pytest.raises(SpecError, match="Unset class changed shape"):
        add_unset_repr(tmp_path)
