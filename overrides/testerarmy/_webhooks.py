"""``parse_webhook``: the body TesterArmy POSTs to your ``webhookUrl`` → a :class:`Run`.

Upstream documents the body as "the same shape as ``GET /runs/{id}``", but its own example omits
``input`` (which the GET schema requires), so a missing ``input`` is accepted as ``{}``. Everything
else is checked strictly — a field of the wrong JSON type is a ``ValueError`` naming the field,
not a silently wrong attribute (the generated ``from_dict`` lets many wrong types through).
Unknown fields and unknown status strings are kept, as for API responses.

A webhook endpoint faces the internet, so *any* input gives a ``ValueError`` (or a subclass), never
another exception: bodies above :data:`MAX_WEBHOOK_BYTES` (5 MiB) are refused before decoding, and
JSON nested deeper than :data:`MAX_WEBHOOK_DEPTH` (64 levels) is refused instead of exhausting the
stack; whatever else the generated parser trips on is reported as a ``ValueError`` too.

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

__all__ = ["MAX_WEBHOOK_BYTES", "MAX_WEBHOOK_DEPTH", "RUN_FIELD_CHECKS", "parse_webhook"]

Check = Callable[[str, object], None]

#: The largest body accepted (bytes of UTF-8). A real delivery is a few KiB; a run with many
#: issues, steps and screenshot URLs stays far below this.
MAX_WEBHOOK_BYTES: Final = 5 * 1024 * 1024
#: The deepest nesting of JSON objects/arrays accepted (a real run is about 6 levels deep).
MAX_WEBHOOK_DEPTH: Final = 64


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
_integer = _expect((int,), "an integer")
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


def _strings(name: str, value: object) -> None:
    _array(name, value)
    assert isinstance(value, list)
    for index, item in enumerate(value):
        _string(f"{name}[{index}]", item)


def _output(name: str, value: object) -> None:
    """``TestOutput`` (the agent's verdict) or ``PlannerSkippedOutput`` (``kind`` + ``reason``)."""
    _object(name, value)
    assert isinstance(value, dict)
    for key in ("featureName", "result", "description", "kind", "reason"):
        if key in value:
            _string(f"{name}.{key}", value[key])
    if "issues" in value:
        _objects(f"{name}.issues", value["issues"])
    if "screenshots" in value:
        _strings(f"{name}.screenshots", value["screenshots"])
    if "steps" in value:
        _objects(f"{name}.steps", value["steps"])


def _error(name: str, value: object) -> None:
    """``{code, message}``: both strings when present."""
    _object(name, value)
    assert isinstance(value, dict)
    for key in ("code", "message"):
        if key in value:
            _string(f"{name}.{key}", value[key])


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
    "deviceModel": (_nullable(_string), False),
    "source": (_nullable(_string), False),
    "projectId": (_nullable(_uuid), False),
    "output": (_nullable(_output), False),
    "testPlan": (_nullable(_object), False),
    "error": (_nullable(_error), False),  # the docs' example sends null
    "durationMs": (_nullable(_number), False),
    "webhookUrl": (_nullable(_string), False),
    "webhookStatus": (_nullable(_string), False),
    "testId": (_nullable(_uuid), False),
    "stepResults": (_nullable(_objects), False),
    "userName": (_nullable(_string), False),
    "externalRef": (_nullable(_object), False),
    "executionMode": (_nullable(_string), False),
    "autoRetryCount": (_nullable(_integer), False),
    "startedAt": (_nullable(_timestamp), False),
    "completedAt": (_nullable(_timestamp), False),
}


def _depth_exceeds(value: object, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion, cycles end at the limit)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _decode(payload: bytes | bytearray | str, max_bytes: int) -> object:
    size = len(payload)
    if isinstance(payload, str) and size <= max_bytes:  # a str's UTF-8 form is at least as long
        size = len(payload.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ValueError(f"webhook payload is {size} bytes, more than the {max_bytes} accepted")
    if isinstance(payload, bytes | bytearray):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"webhook payload is not UTF-8: {exc}") from None
    try:
        return json.loads(payload)
    except RecursionError:
        raise ValueError(f"webhook payload nests deeper than {MAX_WEBHOOK_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, and e.g. an integer literal past int's digit limit
        raise ValueError(f"webhook payload is not valid JSON: {exc}") from None


def _load(payload: bytes | bytearray | str | Mapping[str, Any], max_bytes: int) -> dict[str, Any]:
    data = _decode(payload, max_bytes) if isinstance(payload, bytes | bytearray | str) else payload
    if not isinstance(data, Mapping):
        raise ValueError(f"webhook payload must be a JSON object, got {_type_name(data)}")
    if _depth_exceeds(data, MAX_WEBHOOK_DEPTH):
        raise ValueError(f"webhook payload nests deeper than {MAX_WEBHOOK_DEPTH} levels")
    return dict(data)


def parse_webhook(
    payload: bytes | bytearray | str | Mapping[str, Any], *, max_bytes: int = MAX_WEBHOOK_BYTES
) -> Run:
    """Parse a run-completion webhook body (raw bytes, text, or already-decoded JSON object).

    Raises ``ValueError`` (naming the field) for malformed JSON, a body over ``max_bytes`` (default
    :data:`MAX_WEBHOOK_BYTES`), nesting deeper than :data:`MAX_WEBHOOK_DEPTH`, a missing required
    field or a field of the wrong type; ``TypeError`` only if ``payload`` is none of the accepted
    Python types (a programming error, not a hostile body).
    """
    if not isinstance(payload, bytes | bytearray | str | Mapping):
        raise TypeError(f"payload must be bytes, str or a mapping, got {type(payload).__name__}")
    data = _load(payload, max_bytes)
    for name, (check, required) in RUN_FIELD_CHECKS.items():
        if name in data:
            check(name, data[name])
        elif required:
            raise ValueError(f"webhook payload: missing required field {name!r}")
    data.setdefault("input", {})

    from testerarmy_api.models.run import Run

    try:
        return Run.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        # The field checks above cover the run's own fields; nested models (steps, plans) can still
        # refuse a value: that is a bad payload too, not a crash of the receiver.
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise ValueError(f"webhook payload does not match the run schema ({problem})") from None
