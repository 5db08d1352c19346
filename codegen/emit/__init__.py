"""Our own emitter of the resource layer (``testerarmy_api.resources``), from the normalized spec.

``make generate`` calls :func:`emit_resources` after the generators ran; the output is plain Python
built from strings here (no generator templates), formatted and stamped like the rest of generated/.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

from codegen.emit.model import read_operations
from codegen.emit.render import render_operations, render_registry, render_resource
from codegen.emit.runtime import RUNTIME_SOURCE

__all__ = ["RESOURCES_PACKAGE", "emit_resources", "render_files"]

#: The sub-package of the generated client package that holds the resource layer.
RESOURCES_PACKAGE = "resources"


def render_files(spec: dict[str, Any]) -> dict[str, str]:
    """File name (inside the resources package) -> source, for the normalized `spec`."""
    views = read_operations(spec)
    files = {
        "__init__.py": render_registry(views),
        "_operation.py": RUNTIME_SOURCE,
        "_operations.py": render_operations(views),
    }
    for resource, group in groupby(views, key=lambda view: view.resource):
        files[f"{resource}.py"] = render_resource(resource, list(group))
    return files


def emit_resources(spec: dict[str, Any], client_package: Path) -> Path:
    """Write the resource layer into `client_package`/resources; returns that directory."""
    target = client_package / RESOURCES_PACKAGE
    target.mkdir()
    for name, source in sorted(render_files(spec).items()):
        (target / name).write_text(source, encoding="utf-8")
    return target
