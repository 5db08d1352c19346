"""Known disagreements, in one place, each with the reason it is expected to fail.

Every entry becomes an `xfail(strict=True)` mark: the test still runs and must fail; once the cause
is fixed (in codegen/rules.yaml, a generator option or the spec) the test passes, strict xfail turns
that into a failure, and the entry must be deleted here. Nothing in this file skips a check.
"""

from __future__ import annotations

import pytest

__all__ = [
    "HYPOTHESIS_JSONSCHEMA_BROKEN",
    "MULTIPART_ONLY",
    "PYDANTIC_NULL_FOR_OPTIONAL",
    "SCHEMATHESIS_EMPTY_UUID",
    "SIM_RULES_BEYOND_THE_SCHEMA",
    "SIM_STATE_REJECTIONS_ARE_400",
    "TITLE_NAMED_CLASSES",
    "xfail",
]

# Schema classes named after something other than their schema (openapi-python-client prefers a
# schema's `title`). Empty since codegen renames a matching `title` together with the schema.
TITLE_NAMED_CLASSES: dict[str, str] = {}

# A multipart/form-data schema (format: binary) has no JSON form: attrs from_dict wraps the value
# in BytesIO (needs bytes) and to_dict returns httpx file tuples. Its multipart encoding is tested
# instead (test_oracle.py::test_multipart_request_parts).
MULTIPART_ONLY = {
    "UploadMobileAppRequest": "multipart-only schema: attrs from_dict needs bytes for `format: binary` and "
    "to_dict returns a file tuple, so there is no JSON round trip",
}

PYDANTIC_NULL_FOR_OPTIONAL = (
    "datamodel-code-generator types every optional property as `X | None`, so pydantic accepts null "
    "for properties the spec does not make nullable (e.g. InitiateMobileAppUploadRequest.removeAfter)"
)

HYPOTHESIS_JSONSCHEMA_BROKEN = (
    "hypothesis-jsonschema 0.23.1 (pinned) calls the private hypothesis `cu.many(...).more()`, which "
    "hypothesis 6.170.15 (pinned) no longer has: every object schema raises AttributeError. The oracle "
    "uses schemathesis' JSON Schema strategies instead"
)

# -- simulator conformance (test_simulator_conformance.py) ---------------------------------------
# Answers of the simulator that schemathesis flags but the spec does not decide. Each reason is
# used twice: its matcher removes the matching schemathesis findings from the per-operation
# verdicts, and a probe test (strict xfail) sends one representative request and fails while the
# simulator still answers this way. Encoding the rule in the spec (codegen/rules.yaml) or changing
# the simulator turns the probe into an XPASS, which fails until the entry is removed.

SIM_STATE_REJECTIONS_ARE_400 = (
    "schema-valid requests that name a missing entity or an impossible state (a group without "
    "enabled tests, an unknown prepTestId/storageKey/mobile.appId) get 400 ValidationError, the only "
    "rejection status the spec documents for them; schemathesis expects 404/409 there. (Cancelling a "
    "finished run is the documented 409 now, not one of these.)"
)

# Not a disagreement of ours but of the checker: the exception to the strict-xfail rule above. Its
# test asserts the simulator's answer (test_an_empty_uuid_is_rejected), which is the spec's.
SCHEMATHESIS_EMPTY_UUID = (
    'schemathesis\' coverage phase sends "" for a nullable `format: uuid` property (prepTestId, '
    "groupId) and calls it schema-valid: it does not assert `format`. The spec says uuid or null, so "
    "the simulator's 400 `Invalid uuid` is right (as upstream's zod answers)"
)

SIM_RULES_BEYOND_THE_SCHEMA = (
    "the simulator enforces rules the schema does not state: a project url is http(s) and an "
    "environment url https (the spec: any string of 1..500); group webhook mobile = exactly one of "
    "bundleId/appId/artifactUrl (+ buildId/artifactFilename rules); mobile filenames "
    ".app.zip/.app.tar.gz/.zip/.tgz/.apk, fileSize 1..4 GiB, removeAfter a whole number >= 1. They "
    "come from the prose docs (NOTES.md); the spec could carry them as pattern/minimum/oneOf"
)


def xfail(
    reason: str, raises: type[BaseException] | tuple[type[BaseException], ...] | None = None
) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason, raises=raises)
