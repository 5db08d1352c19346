"""``parse_webhook``: the body TesterArmy POSTs to your ``webhookUrl`` → a :class:`Run`.

Upstream documents the body as "the same shape as ``GET /runs/{id}``", but its own example omits
``input`` (which the GET schema requires), so a missing ``input`` is accepted as ``{}``. Everything
else is checked strictly — a field of the wrong JSON type is a ``ValueError`` naming the field,
not a silently wrong attribute (the generated ``from_dict`` lets many wrong types through).
Unknown fields and unknown status strings are kept, as for API responses.

Deliveries are not signed (no signature scheme is documented): treat the payload as a hint and
call ``client.runs.get(run.id)`` when you need the authoritative state.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = ["RUN_FIELD_CHECKS", "parse_webhook"]

Check = Callable[[str, object], None]


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _expect(kinds: tuple[type, ...], label: str) -> Check:
    def check(name: str, value: object) -> None:
        if isinstance(value, bool) and bool not in kinds:  # bool is an int subclass; JSON keeps them apart
            raise ValueError(f"webhook payload: {name} must be {label}, got bool")
        if not isinstance(value, kinds):
            raise ValueError(f"webhook payload: {name} must be {label}, got {_type_name(value)}")

    return check


_string = _expect((str,), "a string")
_number = _expect((int, float), "a number")
_object = _expect((dict,), "an object")
_array = _expect((list,), "an array")


def _uuid(name: str, value: object) -> None:
    _string(name, value)
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"webhook payload: {name} must be a UUID, got {value!r}") from None


def _timestamp(name: str, value: object) -> None:
    _string(name, value)
    try:
        datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"webhook payload: {name} must be an ISO 8601 date-time, got {value!r}") from None


def _output(name: str, value: object) -> None:
    _object(name, value)
    assert isinstance(value, dict)
    for key in ("featureName", "result", "description"):
        if key in value:
            _string(f"{name}.{key}", value[key])
    if "issues" in value:
        _array(f"{name}.issues", value["issues"])
    if "screenshots" in value:
        _array(f"{name}.screenshots", value["screenshots"])
        for index, item in enumerate(value["screenshots"]):
            _string(f"{name}.screenshots[{index}]", item)


def _objects(name: str, value: object) -> None:
    _array(name, value)
    assert isinstance(value, list)
    for index, item in enumerate(value):
        _object(f"{name}[{index}]", item)


def _nullable(check: Check) -> Check:
    def nullable(name: str, value: object) -> None:
        if value is not None:
            check(name, value)

    return nullable


# JSON field → (check, required). A unit test asserts this covers every field of the Run model,
# so a spec change that adds a field cannot slip past unchecked.
RUN_FIELD_CHECKS: Final[Mapping[str, tuple[Check, bool]]] = {
    "id": (_uuid, True),
    "type": (_string, True),
    "status": (_string, True),
    "input": (_object, False),  # required by the GET schema, absent from the documented webhook example
    "createdAt": (_timestamp, True),
    "platform": (_nullable(_string), False),
    "source": (_nullable(_string), False),
    "projectId": (_nullable(_uuid), False),
    "output": (_nullable(_output), False),
    "testPlan": (_nullable(_object), False),
    "error": (_nullable(_object), False),
    "durationMs": (_nullable(_number), False),
    "webhookUrl": (_nullable(_string), False),
    "webhookStatus": (_nullable(_string), False),
    "testId": (_nullable(_uuid), False),
    "stepResults": (_nullable(_objects), False),
    "userName": (_nullable(_string), False),
    "externalRef": (_nullable(_object), False),
    "executionMode": (_nullable(_string), False),
    "startedAt": (_nullable(_timestamp), False),
    "completedAt": (_nullable(_timestamp), False),
}


def _load(payload: bytes | bytearray | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(payload, bytes | bytearray):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"webhook payload is not UTF-8: {exc}") from None
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise ValueError(f"webhook payload is not valid JSON: {exc}") from None
    if not isinstance(payload, Mapping):
        raise ValueError(f"webhook payload must be a JSON object, got {_type_name(payload)}")
    return dict(payload)


def parse_webhook(payload: bytes | bytearray | str | Mapping[str, Any]) -> Run:
    """Parse a run-completion webhook body (raw bytes, text, or already-decoded JSON object).

    Raises ``ValueError`` (naming the field) for malformed JSON, a missing required field or a
    field of the wrong type; ``TypeError`` if ``payload`` is none of the accepted types.
    """
    if not isinstance(payload, bytes | bytearray | str | Mapping):
        raise TypeError(f"payload must be bytes, str or a mapping, got {type(payload).__name__}")
    data = _load(payload)
    for name, (check, required) in RUN_FIELD_CHECKS.items():
        if name in data:
            check(name, data[name])
        elif required:
            raise ValueError(f"webhook payload: missing required field {name!r}")
    data.setdefault("input", {})

    from testerarmy_api.models.run import Run

    return Run.from_dict(data)
