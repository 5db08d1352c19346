"""The independent oracle: valid instances of every schema, and when two readings count as equal.

Instances are generated from a self-contained JSON Schema of each component (all `$ref`s inlined;
OAS 3.1 schemas are JSON Schema 2020-12, so `type: [x, "null"]` needs no translation). The
generated attrs models must round-trip them and the generated pydantic models must accept them and
dump them back, equal modulo the normalizations listed in NORMALIZATIONS -- the one place where
"equal" is relaxed. Anything else that differs is a finding.

Generation engine: schemathesis' JSON Schema strategies (schemathesis is pinned exactly, 4.32.5).
hypothesis-jsonschema 0.23.1 cannot generate any object with the pinned hypothesis 6.170.15 (it
calls the removed private `many.more()`); test_oracle.py keeps that as a strict xfail so the day it
works again is noticed.
"""

from __future__ import annotations

import copy
import datetime
import functools
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jsonschema_rs
from hypothesis import strategies as st
from schemathesis.generation.jsonschema.builder import build

from tests.contract import _spec

__all__ = [
    "GENERATION_CONSTRAINTS",
    "NORMALIZATIONS",
    "canonical",
    "first_difference",
    "generation_schema",
    "instances",
    "rfc3339_datetimes",
    "uris",
]

# How generated values may legitimately differ after a round trip, and why. docs/contract.md
# repeats this table; keep them in step.
NORMALIZATIONS: dict[str, str] = {
    "date-time": "compared as (instant, UTC offset): attrs writes `+00:00` where the input said `Z`, "
    "pydantic writes `Z`, both write fractions as 6 digits",
    "uuid": "compared as UUID values: both generators write the canonical lower-case form",
    "uri": "compared with scheme and host lower-cased, dot segments removed (RFC 3986 5.2.4) and an empty "
    "path read as `/` (pydantic's AnyUrl normalizes both)",
    "number": "compared as floats: pydantic's float turns 3 into 3.0 (RFC 8259 section 6: JSON numbers "
    "are IEEE doubles for interoperability)",
}

# What the generated instances are restricted to, and why. Each restriction keeps generation inside
# what the *format* means; none hides a difference between the two readings.
GENERATION_CONSTRAINTS: dict[str, str] = {
    "uuid": "canonical lower-case UUIDs",
    "date-time": "RFC 3339 with upper-case `T`/`Z`, years 0001-9999, at most 6 fraction digits, "
    "offsets within +-23:59 (the range and precision of Python's datetime)",
    "uri": "http(s) URLs with lower-case ASCII host names and an optional path",
    "undeclared properties": "objects that do not set `additionalProperties` get only their declared "
    "properties; keeping undeclared ones is a separate test (test_oracle.py)",
}


@st.composite
def rfc3339_datetimes(draw: st.DrawFn) -> str:
    """RFC 3339 `date-time` strings Python's datetime can represent, in varied spellings."""
    moment = draw(
        st.datetimes(
            min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30, 23, 59, 59)
        )
    )
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") if moment.year >= 1000 else _pad_year(moment)
    if moment.microsecond:
        fraction = f"{moment.microsecond:06d}"
        if draw(st.booleans()):
            fraction = fraction.rstrip("0")
        text += "." + fraction
    minutes = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    if minutes == 0 and draw(st.booleans()):
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _pad_year(moment: datetime.datetime) -> str:
    # strftime's %Y does not zero-pad years below 1000 on every platform.
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: `/a/./b/../c` is `/a/c`. pydantic's AnyUrl normalizes URLs so; the same URL."""
    segments = path.split("/")
    kept: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and len(kept) > 1:
                kept.pop()
            if last:
                kept.append("")  # `/a/b/..` and `/a/.` end in a slash
        else:
            kept.append(segment)
    return "/".join(kept)


def uris() -> st.SearchStrategy[str]:
    label = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)
    host = st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=3),
        st.sampled_from(["com", "org", "dev", "example"]),
    )
    path = st.lists(st.from_regex(r"[a-z0-9._~-]{1,8}", fullmatch=True), max_size=3).map(
        lambda parts: "/" + "/".join(parts) if parts else ""
    )
    return st.builds(
        lambda scheme, h, p: f"{scheme}://{h}{p}", st.sampled_from(["https", "http"]), host, path
    )


_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date-time": rfc3339_datetimes(),
    "uri": uris(),
}


def generation_schema(spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Self-contained JSON Schema of component `name`, with objects closed (see GENERATION_CONSTRAINTS)."""
    schema: dict[str, Any] = copy.deepcopy(_spec.self_contained(spec, _spec.component_schemas(spec)[name]))
    for _pointer, node in _spec.iter_schema_nodes(schema):
        if _spec.is_object_schema(node) and "additionalProperties" not in node:
            node["additionalProperties"] = False  # type: ignore[index]
    return schema


@functools.cache
def instances(name: str) -> st.SearchStrategy[Any]:
    """Valid instances of component schema `name` of the normalized spec (strategy cached per name)."""
    schema = generation_schema(_spec.load_normalized(), name)
    strategy: st.SearchStrategy[Any] = build(schema, draft=jsonschema_rs.Draft202012, formats=_FORMATS)
    return strategy


# -- equality modulo NORMALIZATIONS -----------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, Mapping) else type(value).__name__


def _accepts(schema: Any, value: Any) -> bool:
    if not isinstance(schema, Mapping):
        return True
    declared = _spec.schema_types(schema)
    if not declared:
        return True
    kind = _json_type(value)
    return kind in declared or (kind == "integer" and "number" in declared)


def canonical(schema: Any, value: Any) -> Any:
    """`value` with the NORMALIZATIONS applied, as directed by the (self-contained) `schema`."""
    if not isinstance(schema, Mapping):
        schema = {}
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        fitting = [b for b in branches if _accepts(b, value)] or list(branches)
        # Several object branches fit by type (Web/MobilePullRequestRunRequest): the branch the
        # value validates against is the one whose formats apply (`mobile.artifactUrl` is a uri).
        fitting = [b for b in fitting if _valid(b, value)] or fitting
        formatted = [b for b in fitting if isinstance(b, Mapping) and "format" in b]
        return canonical((formatted or fitting)[0], value)
    if isinstance(value, Mapping):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        return {
            key: canonical(properties.get(key, extra if isinstance(extra, Mapping) else {}), item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [canonical(schema.get("items", {}), item) for item in value]
    if isinstance(value, str):
        return _canonical_string(schema.get("format"), value)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and "number" in _spec.schema_types(schema)
    ):
        return float(value)
    return value


def _valid(schema: Any, value: Any) -> bool:
    try:
        return bool(jsonschema_rs.validator_for(schema).is_valid(value))
    except (ValueError, jsonschema_rs.ValidationError):
        return False  # not a schema jsonschema-rs can compile: no preference for this branch


def _canonical_string(fmt: Any, value: str) -> Any:
    try:
        if fmt == "date-time":
            moment = datetime.datetime.fromisoformat(value)
            return ("date-time", moment, moment.utcoffset())
        if fmt == "uuid":
            return ("uuid", uuid.UUID(value))
        if fmt == "uri":
            parts = urlsplit(value)
            return (
                "uri",
                urlunsplit(
                    (
                        parts.scheme.lower(),
                        parts.netloc.lower(),
                        _remove_dot_segments(parts.path) or "/",
                        parts.query,
                        parts.fragment,
                    )
                ),
            )
    except ValueError:
        return value  # not of its format: compared verbatim, so the difference shows
    return value


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """JSON path and both values of the first place where two canonical values differ."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                return f"{path}.{key}: missing after the round trip (was {expected[key]!r})"
            if key not in expected:
                return f"{path}.{key}: appeared after the round trip ({actual[key]!r})"
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items became {len(actual)}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if _equal(expected, actual):
        return None
    return f"{path}: sent {expected!r}, got back {actual!r}"


def _equal(left: Any, right: Any) -> bool:
    # Types must match too (1 vs 1.0 vs True): only NORMALIZATIONS may relax equality, and
    # canonical() has already turned schema numbers into floats on both sides.
    return type(left) is type(right) and bool(left == right)
