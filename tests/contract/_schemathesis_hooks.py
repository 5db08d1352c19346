"""schemathesis hooks for the simulator conformance run (loaded via SCHEMATHESIS_HOOKS).

Random UUIDs never name an existing test, group, run or webhook, so without help schemathesis
would only ever see "unknown id" answers and never the success responses whose schemas matter most.
This hook swaps generated path ids for ids the simulator was seeded with, for a deterministic part
of the cases (every first and second of three cases of an operation, so the same seed gives the same
requests): two thirds of the cases address existing entities, the rest keep their random ids.

Only values that are valid for their parameter are swapped: a deliberately invalid id (negative
testing, e.g. `testId=null,null`) stays invalid, so the simulator must still reject it.

The seeded ids arrive in the environment variable `TESTERARMY_CONTRACT_IDS` (JSON): a list of
ids per path parameter name, `webhook`: a list of `[webhookId, secret]` pairs (an enabled and a
disabled group webhook, so that webhooks.trigger answers 200 and 403 as well as 401), and
`own`: per label of an operation that deletes or disables, the ids it takes instead (the seeded
project must outlive the run: deleting it cascades to everything the other operations address).
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


def _negative(case: schemathesis.Case[Any], where: str) -> bool:
    """Whether schemathesis made the `where` component ("path", "body") invalid on purpose."""
    meta = case.meta
    if meta is None:
        return False
    return any(
        getattr(location, "name", str(location)).lower() == where and info.mode.value == "negative"
        for location, info in meta.components.items()
    )


def _linked(case: schemathesis.Case[Any]) -> bool:
    """Whether the case follows a stateful link: its ids came from the responses before it.

    Those already name entities that exist together: swapping one of them for a seeded id would
    pair, say, the seeded project with an environment of another project (a false 404).
    """
    meta = case.meta
    return meta is not None and meta.phase.name == "stateful"


def _map_body_ids(case: schemathesis.Case[Any]) -> None:
    """A valid id in a JSON body (groups.add_test's testId) names a seeded entity, as in paths."""
    body = case.body
    if not isinstance(body, dict) or _negative(case, "body"):
        return
    for name, value in body.items():
        if name in ("testId", "groupId", "prepTestId") and _valid_uuid(value):
            chosen = pick(f"{case.operation.label} body {name}", _IDS.get(name, []))
            if chosen is not None:
                body[name] = chosen


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
    params = case.path_parameters
    label = case.operation.label
    if (
        params
        and "webhookId" in params
        and not _negative(case, "path")
        and _valid("secret", params["secret"])
    ):
        # No response carries a webhook secret, so no link supplies one: seeded in every phase.
        chosen = pick(label, _IDS.get("webhook", []))
        if chosen is not None:
            params["webhookId"], params["secret"] = chosen
        return case
    if _linked(case):
        return case
    _map_body_ids(case)
    if not params or _negative(case, "path") or not all(_valid(k, v) for k, v in params.items()):
        return case
    # An operation that deletes or disables takes entities of its own (see _seed_over_http).
    own: dict[str, list[Any]] = _IDS.get("own", {}).get(label, {})
    for name in list(params):
        choices = own.get(name, _IDS.get(name, []))
        if _valid_uuid(params[name]):
            # A uuid-format parameter (projectId of the mobile operations) takes no shortId.
            choices = [c for c in choices if _valid_uuid(c)]
        chosen = pick(f"{label} {name}", choices)
        if chosen is not None:
            params[name] = chosen
    return case
