"""schemathesis hooks for the simulator conformance run (loaded via SCHEMATHESIS_HOOKS).

Random UUIDs never name an existing test, group, run or webhook, so without help schemathesis
would only ever see "unknown id" answers and never the success responses whose schemas matter most.
This hook swaps generated path ids for ids the simulator was seeded with, for a deterministic part
of the cases (every first and second of three cases of an operation, so the same seed gives the same
requests): two thirds of the cases address existing entities, the rest keep their random ids.

Only values that are valid for their parameter are swapped: a deliberately invalid id (negative
testing, e.g. `testId=null,null`) stays invalid, so the simulator must still reject it.

The seeded ids arrive in the environment variable `TESTERARMY_CONTRACT_IDS` (JSON): a list of
ids per path parameter name, and `webhook`: a list of `[webhookId, secret]` pairs (an enabled and a
disabled group webhook, so that webhooks.trigger answers 200 and 403 as well as 401).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from typing import Any

import schemathesis

__all__ = ["IDS_ENV", "map_case", "pick"]

IDS_ENV = "TESTERARMY_CONTRACT_IDS"
_IDS: dict[str, Any] = json.loads(os.environ.get(IDS_ENV, "{}"))
# Cases seen per operation: the n-th case of an operation addresses a seeded entity unless n % 3 == 0.
# Generation is deterministic for a seed (one worker), so this choice is too.
_SEEN: Counter[str] = Counter()


def _valid_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _valid(name: str, value: object) -> bool:
    # projectId is a plain string in the spec (an id or a shortId); the other path ids are UUIDs.
    if name in ("projectId", "secret"):
        return isinstance(value, str) and value != "" and "/" not in value
    return _valid_uuid(value)


def pick(operation: str, choices: list[Any]) -> Any | None:
    """A seeded value for two of every three cases of `operation`, None for the third."""
    _SEEN[operation] += 1
    n = _SEEN[operation]
    if not choices or n % 3 == 0:
        return None
    return choices[n % len(choices)]


def _negative_path(case: schemathesis.Case[Any]) -> bool:
    meta = case.meta
    if meta is None:
        return False
    return any(
        getattr(location, "name", str(location)).lower() == "path" and info.mode.value == "negative"
        for location, info in meta.components.items()
    )


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
    params = case.path_parameters
    if not params or _negative_path(case) or not all(_valid(k, v) for k, v in params.items()):
        return case
    label = case.operation.label
    if "webhookId" in params:
        chosen = pick(label, _IDS.get("webhook", []))
        if chosen is not None:
            params["webhookId"], params["secret"] = chosen
        return case
    for name in list(params):
        choices = _IDS.get(name, [])
        if _valid_uuid(params[name]):
            # A uuid-format parameter (projectId of the mobile operations) takes no shortId.
            choices = [c for c in choices if _valid_uuid(c)]
        chosen = pick(f"{label} {name}", choices)
        if chosen is not None:
            params[name] = chosen
    return case
