"""Real HTTP traffic checked against the normalized spec with openapi-core (issue 5, part 3).

openapi-core has no httpx integration. This module is the small adapter:

* `SpecRequest` / `SpecResponse` implement openapi-core's `Request` / `Response` protocols for an
  `httpx.Request` and a received status + headers + body;
* `TrafficValidator` runs `OpenAPI.iter_request_errors` / `iter_response_errors` and turns every
  error into a `Violation` that names the operation (operationId), the direction, the status and
  the JSON path of the offending value;
* `TrafficRecorder` wraps `httpx.HTTPTransport.handle_request` and
  `httpx.AsyncHTTPTransport.handle_async_request` (the last hop before the socket, so every retry
  attempt is seen as sent) and records every exchange below `/api/v1`; `validate()` checks them
  later, so that recording does not change the traffic's timing;
* `spec_checked_traffic` (an autouse fixture that `tests/integration/conftest.py` imports)
  installs a recorder for each integration test and fails the test at teardown on violations.

The simulator serves the API under `http://127.0.0.1:<port>/api`; the spec's server is
`https://tester.army/api`. Both keep the API below the same path prefix (`/api`), so an exchange is
mapped by path: the spec's scheme and host, the request's own path.

What is deliberately not validated, and why (each is counted, never silently dropped):

* responses the simulator's fault injection produced on purpose (HTML 502, truncated JSON, a
  scripted status, a dropped connection...): the simulator marks them with the `X-Sim-Fault`
  header. Mutation faults (`unknown_enum`, `extra_fields`, `drop_optional`) are meant to stay
  within the spec and ARE validated;
* the request of an exchange the server rejected with 400 (invalid input) or 401 (missing or bad
  credentials): tests send such requests on purpose, and they cannot be marked without editing
  them. The simulator checks every request with models generated from this same spec, so its 400
  is an independent verdict that the request is invalid. A client bug that sends invalid data
  still fails its test, because the client then raises `BadRequestError`/`AuthenticationError`
  where the test expected success. The *response* is still validated (a documented status with
  the `Error` schema);
* response bodies the caller never read to the end (a stream closed early): nothing to validate.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequestBodyError,
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
    MissingData,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.contract import _spec

__all__ = [
    "FAULT_HEADER",
    "REJECTED_REQUEST_STATUSES",
    "SPEC_CONFORMANT_FAULTS",
    "Exchange",
    "SpecRequest",
    "SpecResponse",
    "TrafficRecorder",
    "TrafficValidator",
    "Violation",
    "json_path",
]

# Set by the simulator on every response its fault injection shaped; the value is the kind.
FAULT_HEADER = "x-sim-fault"
# Fault kinds whose responses are designed to conform (new enum values, extra fields, absent
# optional fields): validated like any other response.
SPEC_CONFORMANT_FAULTS = frozenset({"mutate"})

# The server's verdict "this request itself is wrong": invalid input, missing/bad credentials.
# The request check of such an exchange is skipped (see the module docstring); its response is not.
REJECTED_REQUEST_STATUSES = frozenset({400, 401})

Direction = Literal["request", "response"]


@dataclass(frozen=True)
class Violation:
    """One disagreement between an exchange and the spec."""

    operation: str  # operationId, or "METHOD /path" when the spec has no such operation
    direction: Direction
    status: int | None  # the response status (None: no response, e.g. connection dropped)
    where: str  # "$.runs[0].id" (body), "query.limit", "header.Authorization", "status", ...
    message: str

    def __str__(self) -> str:
        status = "no response" if self.status is None else f"status {self.status}"
        return f"{self.operation} {self.direction} ({status}) at {self.where}: {self.message}"


def json_path(parts: Iterable[str | int]) -> str:
    """`$.runs[0].id` for ["runs", 0, "id"]; keys that are not identifiers are bracketed."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


# -- openapi-core protocol objects ------------------------------------------------------------------


class SpecRequest:
    """openapi-core's `Request` protocol for an `httpx.Request` whose body has been read."""

    def __init__(self, request: httpx.Request, host_url: str) -> None:
        self.method = request.method.lower()
        self.host_url = host_url
        self.path = request.url.path
        content = request.content
        self.body: bytes | None = content or None
        # openapi-core matches the media type case-insensitively; the parameters (a multipart
        # boundary) must keep their case, so the header is passed as sent.
        self.content_type = request.headers.get("content-type", "")
        query = parse_qsl(request.url.query.decode("ascii", "replace"), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(request.headers.multi_items()),
        )


class SpecResponse:
    """openapi-core's `Response` protocol for a received status, headers and (decoded) body."""

    def __init__(self, status_code: int, headers: httpx.Headers, data: bytes) -> None:
        self.status_code = status_code
        self.content_type = headers.get("content-type", "")
        self.headers = Headers(headers.multi_items())
        self.data = data


# -- the validator ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    operation: _spec.Operation
    pattern: re.Pattern[str]


class TrafficValidator:
    """Checks exchanges against a spec (default: generated/openapi.normalized.yaml)."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        document = dict(spec) if spec is not None else _spec.load_normalized()
        self._document = document
        self._openapi = OpenAPI.from_dict(document)
        server = urlsplit(str((document.get("servers") or [{"url": "/"}])[0]["url"]))
        self.host_url = f"{server.scheme}://{server.netloc}"
        # The API lives below the server's path ("/api"); only its /v1 operations are in scope.
        self.base_path = server.path.rstrip("/")
        self.scope_prefix = f"{self.base_path}/v1"
        routes = [
            _Route(op, _template_pattern(self.base_path + op.path)) for op in _spec.operations(document)
        ]
        # A literal segment wins over a template ("/mobile/upload" before "/mobile/{appId}").
        self._routes = sorted(routes, key=lambda r: len(_spec.path_template_names(r.operation.path)))

    def in_scope(self, request: httpx.Request) -> bool:
        path = request.url.path
        return path == self.scope_prefix or path.startswith(self.scope_prefix + "/")

    def _operation(self, request: httpx.Request) -> _spec.Operation | None:
        method, path = request.method.lower(), request.url.path
        for route in self._routes:
            if route.operation.method == method and route.pattern.fullmatch(path):
                return route.operation
        return None

    def operation_of(self, request: httpx.Request) -> str:
        """The operationId for the request's method and path, else "METHOD path"."""
        operation = self._operation(request)
        return operation.operation_id if operation else f"{request.method.upper()} {request.url.path}"

    def check_request(self, request: httpx.Request, status: int | None = None) -> list[Violation]:
        """Violations of `request` (its body must have been read); `status` only labels them."""
        operation = self._operation(request)
        label = self.operation_of(request)
        errors = list(self._openapi.iter_request_errors(SpecRequest(request, self.host_url)))
        form_schema = None
        if operation is not None and operation.body is not None and _is_multipart(request):
            # openapi-core 0.23.1 cannot check multipart bodies under OAS 3.1: it validates a
            # `format: binary` part as bytes against `type: string` and never casts text parts to
            # the property's type (a valid removeAfter=3600 fails as '3600'). The body is checked
            # by `_multipart_errors` instead; everything else stays openapi-core's.
            form_schema = _spec.self_contained(self._document, operation.body[1])
            errors = [e for e in errors if not isinstance(e, RequestBodyValidationError)]
        found = [v for error in errors for v in _violations(error, label, "request", status)]
        if form_schema is not None:
            found += _schema_error_violations(
                _multipart_errors(request, form_schema), label, "request", status, None
            )
        return found

    def check_response(
        self, request: httpx.Request, status: int, headers: httpx.Headers, data: bytes
    ) -> list[Violation]:
        """Violations of a response (status, content type, headers, decoded body) to `request`."""
        operation = self.operation_of(request)
        errors = self._openapi.iter_response_errors(
            SpecRequest(request, self.host_url), SpecResponse(status, headers, data)
        )
        return [v for error in errors for v in _violations(error, operation, "response", status)]


def _is_multipart(request: httpx.Request) -> bool:
    content_type: str = request.headers.get("content-type", "")
    return content_type.lower().startswith("multipart/form-data")


def _multipart_errors(request: httpx.Request, schema: Mapping[str, Any]) -> list[SchemaError]:
    """JSON Schema errors of a multipart/form-data body, read the way OAS 3.1 describes forms.

    A part whose property is `format: binary` (a file) stands for a string; a part whose property is
    an integer, number or boolean must hold that value's JSON text (`3600`, `true`); other parts are
    strings. The resulting object is validated against the body schema.
    """
    content_type = request.headers.get("content-type", "")
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(header + request.content)
    if not message.is_multipart():
        return [SchemaError("the body is not a well-formed multipart/form-data message")]
    properties: Mapping[str, Any] = schema.get("properties") or {}
    instance: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        instance[name] = _form_value(raw, properties.get(name) or {})
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))


def _form_value(raw: bytes, schema: Mapping[str, Any]) -> Any:
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        return f"<{len(raw)} bytes>"
    text = raw.decode("utf-8", "replace")
    types = set(_spec.schema_types(schema))
    if types & {"integer", "number", "boolean"}:
        try:
            value = json.loads(text)
        except ValueError:
            return text
        # Only a JSON scalar is a faithful reading of the text (`[1]` or `{}` are not); else keep
        # the text, so that the type error names what was sent.
        if isinstance(value, bool | int | float):
            return value
    return text


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^{}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _violations(
    error: Exception, operation: str, direction: Direction, status: int | None
) -> list[Violation]:
    def one(where: str, message: str) -> Violation:
        return Violation(operation, direction, status, where, message)

    if isinstance(error, OperationNotFound):
        return [one("path", f"the spec has no {error.method.upper()} operation for this path")]
    if isinstance(error, PathError):
        return [one("path", "the spec has no path matching this request")]
    if isinstance(error, ResponseNotFound):
        documented = ", ".join(str(s) for s in error.availableresponses)
        return [one("status", f"status {error.http_status} is not documented (documented: {documented})")]
    if isinstance(error, SecurityValidationError):
        return [one("security", f"no credentials satisfying the operation's security ({error.__cause__})")]
    if isinstance(error, ParameterValidationError):
        where = f"{error.location}.{error.name}"
        return _schema_violations(error, one, where) or [one(where, _cause_text(error))]
    if isinstance(error, HeaderValidationError):
        where = f"header.{error.name}"
        return _schema_violations(error, one, where) or [one(where, _cause_text(error))]
    if isinstance(error, MissingRequestBodyError | MissingData):
        return [one("$", f"{direction} body is missing")]
    if isinstance(error, RequestBodyValidationError | DataValidationError):
        if isinstance(error.__cause__, MediaTypeNotFound):
            cause = error.__cause__
            return [
                one(
                    "content-type",
                    f"{cause.mimetype or '(none)'} is not documented "
                    f"(documented: {', '.join(cause.availableMimetypes)})",
                )
            ]
        return _schema_violations(error, one, None) or [one("$", _cause_text(error))]
    return [one("?", f"{type(error).__name__}: {error}")]


def _cause_text(error: Exception) -> str:
    cause = error.__cause__
    return f"{type(cause).__name__}: {cause}" if cause is not None else str(error)


def _schema_violations(error: Exception, one: Any, where: str | None) -> list[Violation]:
    """One violation per JSON Schema error under openapi-core's `error`, located by JSON path."""
    schema_errors = getattr(error.__cause__, "schema_errors", None) or []
    found: list[Violation] = []
    for schema_error in schema_errors:
        if isinstance(schema_error, SchemaError):
            found += [one(path, message) for path, message in _locate(schema_error, where)]
        else:
            found.append(one(where or "$", str(schema_error)))
    return found


def _schema_error_violations(
    errors: Iterable[SchemaError],
    operation: str,
    direction: Direction,
    status: int | None,
    where: str | None,
) -> list[Violation]:
    return [
        Violation(operation, direction, status, path, message)
        for error in errors
        for path, message in _locate(error, where)
    ]


def _locate(schema_error: SchemaError, where: str | None) -> list[tuple[str, str]]:
    """(JSON path, message) pairs for one JSON Schema error; `where` prefixes non-body locations."""
    parts: list[str | int] = list(schema_error.absolute_path)
    located: list[tuple[list[str | int], str]] = [(parts, schema_error.message)]
    if schema_error.validator == "required" and isinstance(schema_error.instance, Mapping):
        # Point at the missing property itself, not at the object that lacks it. jsonschema
        # reports one error per missing property, naming it only in the message ("'x' is a ...").
        missing = [p for p in schema_error.validator_value if p not in schema_error.instance]
        named = [p for p in missing if schema_error.message.startswith(repr(p))]
        if len(named) == 1:
            located = [([*parts, named[0]], "required property is missing")]
    elif schema_error.context:
        # anyOf/oneOf: say which alternative came closest and why it failed.
        closest = best_match(schema_error.context)
        if closest is not None:
            located = [(parts, f"{schema_error.message} (closest: {closest.message})")]
    out = []
    for path_parts, message in located:
        path = json_path(path_parts)
        if where is not None:
            path = where if path == "$" else f"{where}{path[1:]}"
        out.append((path, message))
    return out


# -- recording real traffic ---------------------------------------------------------------------------


@functools.cache
def default_validator() -> TrafficValidator:
    """One validator per process: building it parses and checks the spec (~0.5 s)."""
    return TrafficValidator()


@dataclass
class Exchange:
    """One request as sent and what came back (filled in as the response body is read)."""

    request: httpx.Request  # its body has been read
    response: httpx.Response | None = None  # None: no response (connection error, timeout)
    raw: bytes | None = None  # the raw body once read to the end; None: not (yet) read completely


@dataclass
class TrafficRecorder:
    """Records the exchanges of the httpx transports; `validate()` checks them against the spec.

    Recording only copies references, and validation happens later (at the end of each test), so
    the traffic keeps its timing: tests with a 20 ms simulated queue phase are not slowed down by a
    few milliseconds of schema checks per exchange. `counts` accumulates over the session:
    `exchanges` (in scope), `requests validated`, `responses validated`, `violations`, and one
    `skipped: ...` counter per reason something was not validated.
    """

    validator: TrafficValidator = field(default_factory=default_validator)
    counts: Counter[str] = field(default_factory=Counter)
    _pending: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self._pending.append(exchange)

    def validate(self) -> list[Violation]:
        """Check every exchange recorded so far; returns their violations (also counted)."""
        with self._lock:
            pending, self._pending = self._pending, []
        violations: list[Violation] = []
        for exchange in pending:
            violations += self._check(exchange)
        self.counts["violations"] += len(violations)
        return violations

    def _check(self, exchange: Exchange) -> list[Violation]:
        request, response = exchange.request, exchange.response
        self.counts["exchanges"] += 1
        violations: list[Violation] = []
        if response is not None and response.status_code in REJECTED_REQUEST_STATUSES:
            self.counts[f"skipped: request rejected with {response.status_code}"] += 1
        else:
            status = response.status_code if response is not None else None
            violations += self.validator.check_request(request, status)
            self.counts["requests validated"] += 1
        if response is None:
            return violations
        fault = response.headers.get(FAULT_HEADER)
        if fault is not None and fault not in SPEC_CONFORMANT_FAULTS:
            self.counts[f"skipped: injected fault ({fault})"] += 1
        elif exchange.raw is None:
            self.counts["skipped: response body not read to the end"] += 1
        else:
            data = _decoded(response, exchange.raw)
            violations += self.validator.check_response(request, response.status_code, response.headers, data)
            self.counts["responses validated"] += 1
        return violations

    # Wrappers around the transports' last hop: they only record.

    def wrap_sync(self, original: Any) -> Any:
        recorder = self

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            if not recorder.validator.in_scope(request):
                return original(transport, request)  # type: ignore[no-any-return]
            request.read()
            exchange = Exchange(request)
            recorder.record(exchange)
            response: httpx.Response = original(transport, request)
            exchange.response = response
            response.stream = _TeeStream(response.stream, exchange)
            return response

        return handle_request

    def wrap_async(self, original: Any) -> Any:
        recorder = self

        async def handle_async_request(
            transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            if not recorder.validator.in_scope(request):
                return await original(transport, request)  # type: ignore[no-any-return]
            await request.aread()
            exchange = Exchange(request)
            recorder.record(exchange)
            response: httpx.Response = await original(transport, request)
            exchange.response = response
            response.stream = _AsyncTeeStream(response.stream, exchange)
            return response

        return handle_async_request


def _decoded(response: httpx.Response, raw: bytes) -> bytes:
    """The body as the client sees it: a fresh response decodes any Content-Encoding."""
    return httpx.Response(response.status_code, headers=response.headers, content=raw).content


class _TeeStream(httpx.SyncByteStream):
    """Passes the raw chunks through; stores the body in the exchange once read to the end."""

    def __init__(self, inner: Any, exchange: Exchange) -> None:
        self._inner, self._exchange = inner, exchange

    def __iter__(self) -> Iterator[bytes]:
        chunks = []
        for chunk in self._inner:
            chunks.append(chunk)
            yield chunk
        self._exchange.raw = b"".join(chunks)

    def close(self) -> None:
        self._inner.close()


class _AsyncTeeStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, exchange: Exchange) -> None:
        self._inner, self._exchange = inner, exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = []
        async for chunk in self._inner:
            chunks.append(chunk)
            yield chunk
        self._exchange.raw = b"".join(chunks)

    async def aclose(self) -> None:
        await self._inner.aclose()


# -- pytest wiring (used by tests/integration/conftest.py) ----------------------------------------------

_RECORDER = pytest.StashKey[TrafficRecorder]()
_SUMMARY_ELSEWHERE = pytest.StashKey[bool]()
CACHE_KEY = "testerarmy/spec-traffic"


def session_recorder(config: pytest.Config) -> TrafficRecorder | None:
    """The recorder of this session, if any integration test ran."""
    return config.stash.get(_RECORDER, None)


def summary_printed_elsewhere(config: pytest.Config) -> None:
    """Called by the contract suite, whose summary shows the traffic counts (no second section)."""
    config.stash[_SUMMARY_ELSEWHERE] = True


@pytest.fixture(autouse=True)
def spec_checked_traffic(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TrafficRecorder]:
    """Validate this test's HTTP traffic below /api/v1; fail it at teardown on any violation."""
    config = request.config
    recorder = config.stash.get(_RECORDER, None)
    if recorder is None:
        recorder = config.stash[_RECORDER] = TrafficRecorder()
    monkeypatch.setattr(
        httpx.HTTPTransport, "handle_request", recorder.wrap_sync(httpx.HTTPTransport.handle_request)
    )
    monkeypatch.setattr(
        httpx.AsyncHTTPTransport,
        "handle_async_request",
        recorder.wrap_async(httpx.AsyncHTTPTransport.handle_async_request),
    )
    yield recorder
    fail_on_violations(recorder.validate())


def fail_on_violations(violations: list[Violation], limit: int = 20) -> None:
    """`pytest.fail` listing the violations (one line each), if there are any."""
    if not violations:
        return
    shown = "\n".join(f"  {v}" for v in violations[:limit])
    more = f"\n  ... and {len(violations) - limit} more" if len(violations) > limit else ""
    pytest.fail(
        f"{len(violations)} spec violation(s) in this test's HTTP traffic "
        f"(generated/openapi.normalized.yaml):\n{shown}{more}",
        pytrace=False,
    )


def traffic_summary(counts: Mapping[str, int]) -> list[str]:
    """Readable lines for a traffic count: what was validated, what was skipped and why."""
    lines = [
        f"{counts.get('requests validated', 0)} requests and {counts.get('responses validated', 0)} "
        f"responses validated against the spec, {counts.get('violations', 0)} violations"
    ]
    skipped = [
        f"{n} {key.removeprefix('skipped: ')}"
        for key, n in sorted(counts.items())
        if key.startswith("skipped: ")
    ]
    if skipped:
        lines.append("not validated on purpose: " + ", ".join(skipped))
    return lines


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = session_recorder(session.config)
    cache = getattr(session.config, "cache", None)  # absent with -p no:cacheprovider
    if recorder is None or cache is None or not recorder.counts.get("exchanges"):
        return
    cache.set(
        CACHE_KEY,
        {
            "counts": dict(recorder.counts),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "args": list(session.config.invocation_params.args),
        },
    )


def traffic_report(config: pytest.Config) -> list[str]:
    """Traffic lines of the contract summary: this session's counts, else the last recorded run."""
    recorder = session_recorder(config)
    if recorder is not None and recorder.counts.get("exchanges"):
        head = f"{recorder.counts['exchanges']} exchanges below /api/v1 in this run's integration tests"
        return [head, *traffic_summary(recorder.counts)]
    cache = getattr(config, "cache", None)
    last = cache.get(CACHE_KEY, None) if cache is not None else None
    if not isinstance(last, dict) or not isinstance(last.get("counts"), dict):
        return ["no integration run recorded yet: `pytest tests/integration` validates its traffic"]
    counts = last["counts"]
    command = " ".join(["pytest", *last.get("args", [])])
    head = (
        f"{counts.get('exchanges', 0)} exchanges below /api/v1 in the last integration run "
        f"(`{command}`, {last.get('finished', '?')})"
    )
    return [head, *traffic_summary(counts)]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = session_recorder(config)
    if recorder is None or config.stash.get(_SUMMARY_ELSEWHERE, False):
        return
    terminalreporter.section("spec traffic")
    terminalreporter.write_line(f"{recorder.counts['exchanges']} exchanges below /api/v1")
    for line in traffic_summary(recorder.counts):
        terminalreporter.write_line(line)
