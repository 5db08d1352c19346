"""``client.operations``: every operation of the spec by its upstream key "METHOD /path"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["bound_operations"]


def bound_operations(client: object) -> Mapping[str, Callable[..., Any]]:
    """ "METHOD /path" -> the generated (spec-faithful) method, bound to ``client.<resource>``.

    Bound through the generated class, so an operation the facade decorates (``runs.list`` pages,
    ``runs.cancel`` confirms) is still reachable here exactly as the spec states it.
    """
    from testerarmy_api.resources import OPERATIONS

    bound: dict[str, Callable[..., Any]] = {}
    for key, (resource_name, method) in OPERATIONS.items():
        resource = getattr(client, resource_name)
        generated_class = next(
            cls for cls in type(resource).__mro__ if cls.__module__.startswith("testerarmy_api.")
        )
        bound[key] = getattr(generated_class, method).__get__(resource)
    return MappingProxyType(bound)
