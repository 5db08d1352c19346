"""The oracle's own machinery: its normalizations relax exactly what they document, no more, and
its format strategies generate valid values. (A too-lenient `canonical` would hide real losses.)"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contract import _oracle, _spec

pytestmark = pytest.mark.contract

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _same(schema: Any, left: Any, right: Any) -> bool:
    return _oracle.first_difference(_oracle.canonical(schema, left), _oracle.canonical(schema, right)) is None


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("2026-02-12T00:00:00.000Z", "2026-02-12T00:00:00+00:00", True),
        ("2026-02-12T00:00:00Z", "2026-02-12T01:00:00+01:00", False),  # same instant, other offset
        ("2026-02-12T00:00:00Z", "2026-02-12T00:00:01Z", False),
    ],
)
def test_date_times_compare_as_instant_and_offset(left: str, right: str, same: bool) -> None:
    assert _same(DATE_TIME, left, right) is same
    assert _same(NULLABLE_DATE_TIME, left, right) is same


def test_uuids_compare_as_values_and_uris_modulo_case_and_empty_path() -> None:
    uid = {"type": "string", "format": "uuid"}
    assert _same(uid, "C8E0F1B1-2F4C-4C2A-B6A6-8F76A6B9F1A2", "c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a2")
    assert not _same(uid, "c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a2", "c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a3")
    uri = {"type": "string", "format": "uri"}
    assert _same(uri, "https://Example.com", "https://example.com/")
    assert not _same(uri, "https://example.com/a", "https://example.com/b")
    # Dot segments are the same URL (RFC 3986 5.2.4), and what pydantic's AnyUrl writes back.
    assert _same(uri, "https://x.com/-4000/0/.", "https://x.com/-4000/0/")
    assert _same(uri, "https://x.com/a/./b/../c", "https://x.com/a/c")
    assert str(pydantic.AnyUrl("https://x.com/-4000/0/.")) == "https://x.com/-4000/0/"
    assert not _same(uri, "https://x.com/a/..", "https://x.com/a")
    assert not _same({"type": "string"}, "https://example.com", "https://example.com/")


def test_numbers_are_relaxed_only_where_the_schema_says_number() -> None:
    assert _same({"type": ["number", "null"]}, 3, 3.0)
    assert not _same({}, 3, 3.0)
    assert not _same({"type": "integer"}, 1, True)


def test_first_difference_names_the_json_path() -> None:
    schema = _spec.self_contained(_spec.load_normalized(), {"$ref": "#/components/schemas/Run"})
    sent = {"output": {"result": "PASS", "screenshots": ["a", "b"]}}
    assert (
        _oracle.first_difference(
            _oracle.canonical(schema, sent),
            _oracle.canonical(schema, {"output": {"screenshots": ["a", "b"]}}),
        )
        == "$.output.result: missing after the round trip (was 'PASS')"
    )
    assert _oracle.first_difference(sent, {"output": {"result": "PASS", "screenshots": ["a", "c"]}}) == (
        "$.output.screenshots[1]: sent 'b', got back 'c'"
    )


def test_generation_schema_closes_objects_but_keeps_declared_maps() -> None:
    schema = _oracle.generation_schema(_spec.load_normalized(), "Run")
    assert schema["additionalProperties"] is False
    assert schema["properties"]["input"]["additionalProperties"] == {}  # a free-form map stays free


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(text=_oracle.rfc3339_datetimes())
def test_generated_date_times_are_rfc3339_that_both_readers_accept(text: str) -> None:
    assert text[10] == "T"
    assert text.endswith("Z") or text[-6] in "+-"
    parsed = datetime.datetime.fromisoformat(text)
    assert parsed.tzinfo is not None
    pydantic.TypeAdapter(pydantic.AwareDatetime).validate_python(text)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(text=_oracle.uris())
def test_generated_uris_are_absolute_http_urls(text: str) -> None:
    parts = urlsplit(text)
    assert parts.scheme in {"http", "https"}
    assert parts.hostname
    assert parts.hostname == parts.hostname.lower()
    pydantic.TypeAdapter(pydantic.AnyUrl).validate_python(text)


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_generated_uuids_are_canonical(data: st.DataObject) -> None:
    instance = data.draw(_oracle.instances("CreateRunResponse"))
    assert instance["id"] == instance["id"].lower()
    assert len(instance["id"]) == 36
