"""The classification table: every rule the change report applies, with its severity.

Rule ids are stable (tests, JSON consumers and docs/regenerate.md refer to them); comparison code
only says *which* rule a difference falls under, this table alone decides how bad it is. The point
of view is code written against the previous SDK: a change is breaking when such code, or the
generated client, stops working; potentially breaking when it keeps working but may mishandle
new data; safe otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.diff.model import Change, Severity

__all__ = ["RULES", "Rule", "classify"]

B, P, S = Severity.BREAKING, Severity.POTENTIALLY_BREAKING, Severity.SAFE


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str


_TABLE: tuple[tuple[str, Severity, str], ...] = (
    # operations and security
    ("operation-removed", B, "an operation (method + path) no longer exists"),
    ("operation-added", S, "a new operation"),
    (
        "operation-id-changed",
        B,
        "the normalized operationId (<resource>.<method>) changed for the same METHOD /path: the public "
        "method client.<resource>.<method> and the generated module are renamed",
    ),
    ("security-changed", B, "the security requirement (or a scheme it uses) changed"),
    ("security-relaxed", S, "every old way to authenticate still works (requirement removed or widened)"),
    # parameters
    ("request-parameter-removed", B, "a parameter was removed: the generated argument disappears"),
    ("request-parameter-added-required", B, "a new required parameter"),
    ("request-parameter-added", S, "a new optional parameter"),
    ("request-parameter-became-required", B, "an optional parameter became required"),
    ("request-parameter-became-optional", S, "a required parameter became optional"),
    # request bodies
    ("request-body-removed", B, "the operation no longer takes a request body"),
    ("request-body-added", S, "a new optional request body"),
    ("request-body-became-required", B, "the request body became required (or a required one appeared)"),
    ("request-body-became-optional", S, "the request body became optional"),
    ("request-media-type-removed", B, "a request media type is no longer accepted"),
    ("request-media-type-added", S, "a new request media type"),
    # request schemas (bodies and parameters)
    ("request-property-removed", B, "a request property was removed: the generated field disappears"),
    ("request-property-added-required", B, "a new required request property"),
    ("request-property-added", S, "a new optional request property"),
    ("request-property-became-required", B, "an optional request property became required"),
    ("request-property-became-optional", S, "a required request property became optional"),
    ("request-type-changed", B, "the type or format of a request value changed"),
    ("request-type-widened", S, "a request value accepts more types (e.g. integer -> number)"),
    ("request-became-non-nullable", B, "a request value no longer accepts null"),
    ("request-became-nullable", S, "a request value now accepts null"),
    ("request-enum-value-removed", B, "a request enum lost a value (or an enum restriction appeared)"),
    ("request-enum-value-added", S, "a request enum gained a value (or its restriction was lifted)"),
    ("request-max-decreased", B, "maxLength / maximum / maxItems decreased or appeared"),
    ("request-min-increased", B, "minLength / minimum / minItems increased or appeared"),
    ("request-pattern-added", B, "a request string must now match a pattern"),
    ("request-pattern-changed", P, "the pattern of a request string changed"),
    ("request-constraint-relaxed", S, "a request limit or pattern was relaxed or removed"),
    (
        "request-default-changed",
        P,
        "the default of a request value changed: omitted values mean another thing",
    ),
    # responses
    ("response-success-status-removed", B, "a success status code is no longer returned"),
    ("response-success-status-added", P, "a new success status code the old client does not parse"),
    ("response-error-status-removed", S, "an error status code is no longer documented"),
    ("response-error-status-added", S, "a new error status code (handled by the generic error mapping)"),
    ("response-media-type-removed", B, "a response media type is no longer returned"),
    ("response-media-type-added", S, "a new response media type"),
    # response schemas
    ("response-property-removed", B, "a response property was removed: the generated attribute disappears"),
    ("response-property-added", S, "a new response property"),
    ("response-property-became-optional", B, "a required response property became optional (may be absent)"),
    ("response-property-became-required", S, "an optional response property became required"),
    ("response-type-changed", B, "the type or format of a response value changed"),
    ("response-type-narrowed", S, "a response value has fewer possible types (e.g. number -> integer)"),
    ("response-became-nullable", B, "a response value may now be null"),
    ("response-became-non-nullable", S, "a response value is no longer null"),
    (
        "response-enum-value-added",
        P,
        "an open response enum gained a value: this SDK's open enums parse it as str, but code "
        "that handles every known value may not expect it",
    ),
    (
        "response-closed-enum-value-added",
        B,
        "a closed response enum gained a value: a client generated from the old spec raises "
        "ValueError when the server sends it",
    ),
    (
        "response-enum-value-removed",
        P,
        "a response enum lost a value (or became an enum): the generated enum member disappears",
    ),
    # generated models
    (
        "model-removed",
        B,
        "a named schema is gone (removed, renamed or inlined): `from testerarmy_api.models import X` breaks",
    ),
    ("model-added", S, "a new named schema (a new class in testerarmy_api.models)"),
)

RULES: dict[str, Rule] = {rule_id: Rule(rule_id, severity, text) for rule_id, severity, text in _TABLE}


def classify(rule: str, operation: str, method: str, path: str, location: str, detail: str) -> Change:
    """Build a Change whose severity comes from the table (an unknown rule id is a programming error)."""
    return Change(
        rule=rule,
        severity=RULES[rule].severity,
        operation=operation,
        method=method,
        path=path,
        location=location,
        detail=detail,
    )
