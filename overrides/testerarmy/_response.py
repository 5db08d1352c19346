"""Turning httpx outcomes into results or typed errors — shared by the sync and async clients.

The status is checked *before* anything is parsed: the generated ``_parse_response`` calls
``response.json()`` even for error statuses and so crashes on an HTML 502 from a proxy. Here any
non-2xx becomes the matching :class:`APIStatusError` subclass with a readable message whatever the
body is (JSON error, HTML, empty, truncated), and a 2xx body that does not parse becomes
:class:`APIResponseValidationError` instead of a bare ``KeyError``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    RateLimitError,
    status_error_class,
)
from ._logging import redact_url, scrub
from ._request_id import remember_request_id
from ._retry import parse_retry_after

__all__ = ["decode_json", "make_status_error", "parse_model", "translate_transport_errors"]

T = TypeVar("T")

_EXCERPT_CHARS = 200
_MESSAGE_CHARS = 500
_WHITESPACE = re.compile(r"\s+")


def _excerpt(body: bytes, limit: int = _EXCERPT_CHARS) -> str:
    text = _WHITESPACE.sub(" ", body.decode("utf-8", errors="replace")).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _where(request: httpx.Request | None) -> str:
    return "" if request is None else f" ({request.method} {redact_url(request.url)})"


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a Response built by hand in a test has no request
        return None


def _status_line(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".rstrip()


def _describe_body(response: httpx.Response) -> tuple[str, str | None, str | None, object]:
    """(detail, error code, error message, decoded body) for an error response."""
    body = response.content
    if 300 <= response.status_code < 400:
        location = response.headers.get("location", "")
        return (
            f"the API answered with a redirect to {redact_url(location) or '(no Location)'}; the SDK does "
            "not follow redirects (the API key must not travel to another URL) — check base_url",
            None,
            None,
            None,
        )
    if not body.strip():
        return "empty response body", None, None, None
    try:
        data: object = json.loads(body)
    except ValueError:
        content_type = response.headers.get("content-type", "no content type")
        looks_json = "json" in content_type or body.lstrip()[:1] in (b"{", b"[")
        kind = "truncated or invalid JSON body" if looks_json else f"non-JSON body ({content_type})"
        return f"{kind}, {len(body)} bytes: {_excerpt(body)!r}", None, None, None
    if isinstance(data, dict):
        code = data.get("error") if isinstance(data.get("error"), str) else None
        message = data.get("message") if isinstance(data.get("message"), str) else None
        if code is not None or message is not None:
            text = ": ".join(part for part in (code, message) if part)
            return text[:_MESSAGE_CHARS], code, message, data
    return f"unexpected error body: {_excerpt(body)!r}", None, None, data


def _scrub_json(value: object, secrets: tuple[str, ...]) -> object:
    """``value`` (decoded JSON) with every string scrubbed: a server that quotes the key back in
    its error body must not get it into ``error.error_message`` or ``error.body`` either."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [_scrub_json(item, secrets) for item in value]
    if isinstance(value, dict):
        return {scrub(str(k), secrets): _scrub_json(v, secrets) for k, v in value.items()}
    return value


def _base_url_hint(request: httpx.Request | None) -> str:
    """For a 404 whose body is not the API's JSON error: what base URL the SDK expected.

    TesterArmy answers an unknown run or test with ``{"error": ..., "message": ...}``; an HTML or
    empty 404 means the request reached something else — most often a base URL without ``/api``
    (``https://tester.army/v1/runs`` is the website, not the API).
    """
    from testerarmy_api._spec import DEFAULT_BASE_URL

    if request is None:
        return ""
    path = request.url.path
    version = path.find("/v1/")
    base = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}{path[: max(version, 0)]}"
    if not base.endswith("/api"):
        return (
            f" — the base URL {base!r} does not end in /api: TesterArmy's API lives under "
            f"{DEFAULT_BASE_URL!r} (base_url / TESTERARMY_BASE_URL take that, or the bare origin)"
        )
    return (
        f" — the body is not the API's JSON error, so {base!r} may not be TesterArmy's API: "
        f"check base_url (default {DEFAULT_BASE_URL!r})"
    )


def make_status_error(response: httpx.Response, secrets: Iterable[str] = ()) -> APIStatusError:
    """The typed error for a non-2xx ``response`` (its body must have been read)."""
    secrets = tuple(secrets)
    detail, code, message, data = _describe_body(response)
    if response.status_code == 404 and code is None and message is None:
        detail += _base_url_hint(_request_of(response))
    text = scrub(f"{_status_line(response)}: {detail}{_where(_request_of(response))}", secrets)
    code = None if code is None else scrub(code, secrets)
    message = None if message is None else scrub(message, secrets)
    data = _scrub_json(data, secrets)
    cls = status_error_class(response.status_code)
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
        return RateLimitError(
            text, response=response, code=code, error_message=message, body=data, retry_after=retry_after
        )
    return cls(text, response=response, code=code, error_message=message, body=data)


def decode_json(response: httpx.Response, what: str) -> object:
    try:
        return json.loads(response.content)
    except ValueError:
        raise APIResponseValidationError(
            f"{what}: the API answered {_status_line(response)} with a body that is not JSON: "
            f"{_excerpt(response.content)!r}{_where(_request_of(response))}",
            response=response,
        ) from None


def parse_model(response: httpx.Response, what: str, from_dict: Callable[[dict[str, object]], T]) -> T:
    """Decode a 2xx JSON object body with a generated ``Model.from_dict``."""
    data = decode_json(response, what)
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            f"{what}: expected a JSON object, got {type(data).__name__}{_where(_request_of(response))}",
            response=response,
        )
    try:
        model = from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise APIResponseValidationError(
            f"{what}: the response does not match the API schema ({problem}){_where(_request_of(response))}",
            response=response,
        ) from exc
    remember_request_id(model, response.headers)
    return model


@contextmanager
def translate_transport_errors(secrets: Iterable[str] = ()) -> Iterator[None]:
    """httpx transport failures → :class:`APITimeoutError` / :class:`APIConnectionError`.

    A plain (sync) context manager: it works around an ``await`` just as well.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        request = _exception_request(exc)
        text = f"Request timed out ({type(exc).__name__}){_where(request)}"
        raise APITimeoutError(scrub(text, secrets), request=request) from exc
    except httpx.RequestError as exc:
        request = _exception_request(exc)
        text = f"Connection error: {type(exc).__name__}: {exc}{_where(request)}"
        raise APIConnectionError(scrub(text, secrets), request=request) from exc


def _exception_request(exc: httpx.RequestError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:  # raised by a transport that did not attach the request
        return None
