"""Logging and redaction helpers.

The SDK logs through ``logging.getLogger("testerarmy")``. Nothing it logs may carry a credential:
headers go through :func:`redact_headers` and URLs through :func:`redact_url` (a group-webhook URL
carries its secret in the path).

httpx itself logs every request URL at INFO on the ``"httpx"`` logger, which would print a
group-webhook secret; :func:`install_httpx_log_redaction` adds a filter to that logger that rewrites
only such URLs. httpcore's DEBUG trace logs print ``<Request [b'GET']>`` and response headers, never
request headers, so the ``Authorization`` header does not reach them (checked by an integration test
that captures DEBUG output of every logger during real requests).

``TESTERARMY_LOG=debug`` (or ``info``, ``warning``, ``error``) turns on logging to stderr for the
``testerarmy`` and ``httpx`` loggers without touching the application's logging setup (the switch
openai-python has as ``OPENAI_LOG``); it is read once, when the client module is first imported.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterable, Mapping

__all__ = [
    "LOG_ENV",
    "REDACTED",
    "configure_from_env",
    "install_httpx_log_redaction",
    "logger",
    "redact_headers",
    "redact_url",
    "scrub",
]

logger = logging.getLogger("testerarmy")

REDACTED = "<redacted>"

_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

# /v1/groups/webhook/{webhookId}/{secret}: keep the id (useful when debugging), hide the secret.
_WEBHOOK_SECRET = re.compile(r"(/groups/webhook/[^/?#\s\"']+/)[^/?#\s\"']+")


def redact_url(url: object) -> str:
    """``str(url)`` with a group-webhook secret replaced by ``<redacted>``."""
    return _WEBHOOK_SECRET.sub(rf"\g<1>{REDACTED}", str(url))


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: credential-bearing values replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: (REDACTED if name.lower() in _SENSITIVE_HEADERS else value) for name, value in items}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every occurrence of each secret (and webhook secrets in URLs) from ``text``.

    Used on messages that embed server-controlled text, so that a server echoing the key back
    ("invalid key sk_...") cannot smuggle it into an exception message.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return redact_url(text)


class _WebhookSecretFilter(logging.Filter):
    """Rewrites records of the ``httpx`` logger that contain a group-webhook URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


_install_lock = threading.Lock()
_httpx_filter = _WebhookSecretFilter()


def install_httpx_log_redaction() -> None:
    """Attach the webhook-secret filter to the ``httpx`` logger once (idempotent, thread-safe)."""
    httpx_logger = logging.getLogger("httpx")
    with _install_lock:
        if _httpx_filter not in httpx_logger.filters:
            httpx_logger.addFilter(_httpx_filter)


LOG_ENV = "TESTERARMY_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_env_handler: logging.Handler | None = None


def configure_from_env(environ: Mapping[str, str] = os.environ) -> int | None:
    """Apply ``$TESTERARMY_LOG``; returns the level set, or ``None`` when unset or invalid.

    Idempotent: a second call replaces the handler it added instead of adding another.
    """
    global _env_handler
    raw = environ.get(LOG_ENV, "").strip()
    if not raw:
        return None
    level = _LEVELS.get(raw.lower())
    if level is None:
        from ._errors import TesterArmyWarning

        choices = "|".join(_LEVELS)
        warnings.warn(f"{LOG_ENV}={raw!r} ignored: use one of {choices}", TesterArmyWarning, stacklevel=2)
        return None
    install_httpx_log_redaction()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    with _install_lock:
        for name in ("testerarmy", "httpx"):
            target = logging.getLogger(name)
            if _env_handler is not None:
                target.removeHandler(_env_handler)
            target.addHandler(handler)
            target.setLevel(level)
        _env_handler = handler
    return level


configure_from_env()
