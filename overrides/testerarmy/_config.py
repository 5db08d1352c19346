"""Client configuration: API key, base URL, timeouts, retries, headers — resolved and checked once.

Every check raises before any socket is opened, with a message that names the argument (or the
environment variable) that is wrong. Nothing here ever puts the API key into a message.
"""

from __future__ import annotations

import ipaddress
import os
import platform
import warnings
from collections.abc import Mapping
from typing import Final, Literal, NamedTuple
from urllib.parse import urlsplit

import httpx

from ._errors import MissingAPIKeyError, TesterArmyWarning
from ._logging import REDACTED
from ._validation import require_int, require_positive
from ._version import __version__

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "NOT_GIVEN",
    "ClientOptions",
    "NotGiven",
    "RedactedStr",
    "Secret",
    "resolve_options",
    "user_agent",
]

ENV_API_KEY: Final = "TESTERARMY_API_KEY"
ENV_BASE_URL: Final = "TESTERARMY_BASE_URL"

# Long enough for a slow API answer, short enough that a dead connection does not hang a CI job;
# connecting should never take 10 s to a healthy endpoint.
DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES: Final = 2
_MAX_RETRIES_LIMIT: Final = 10


class NotGiven:
    """Sentinel for "argument not passed", distinct from ``None`` (``timeout=None`` = no timeout)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class Secret:
    """Holds the API key; its repr/str never show it. ``reveal()`` is the one way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__


class RedactedStr(str):
    """A ``str`` whose repr hides the value.

    The generated ``AuthenticatedClient`` is an attrs class whose repr prints its ``token`` field; a
    token of this type keeps ``repr(client.api)`` free of the key while header formatting
    (``f"Bearer {token}"``) still sees the real value.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(REDACTED)


def user_agent() -> str:
    return f"testerarmy-python/{__version__} httpx/{httpx.__version__} python/{platform.python_version()}"


# A NamedTuple, not a frozen dataclass: ~7x cheaper to define on import (figure 5, docs/performance.md).
class ClientOptions(NamedTuple):
    """Validated client settings. Immutable: ``with_options`` builds a new one."""

    api_key: Secret
    base_url: str
    timeout: httpx.Timeout | None
    max_retries: int
    default_headers: tuple[tuple[str, str], ...]
    allow_insecure_http: bool

    def headers(self) -> dict[str, str]:
        return {"User-Agent": user_agent(), **dict(self.default_headers)}


def resolve_options(
    *,
    api_key: str | Secret | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | NotGiven | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    allow_insecure_http: bool,
    environ: Mapping[str, str] | None = None,
) -> ClientOptions:
    env = os.environ if environ is None else environ
    if not isinstance(allow_insecure_http, bool):
        raise TypeError(f"allow_insecure_http must be a bool, got {type(allow_insecure_http).__name__}")
    return ClientOptions(
        api_key=_resolve_api_key(api_key, env),
        base_url=_resolve_base_url(base_url, env, allow_insecure_http),
        timeout=resolve_timeout(timeout),
        max_retries=_check_max_retries(max_retries),
        default_headers=_check_headers(default_headers),
        allow_insecure_http=allow_insecure_http,
    )


def _resolve_api_key(api_key: str | Secret | None, env: Mapping[str, str]) -> Secret:
    if isinstance(api_key, Secret):
        return api_key  # already validated (with_options copies)
    source = "api_key"
    if api_key is None:
        api_key = env.get(ENV_API_KEY)
        source = ENV_API_KEY
    if api_key is None or (isinstance(api_key, str) and not api_key.strip()):
        raise MissingAPIKeyError(
            f"No TesterArmy API key: pass api_key=... or set the {ENV_API_KEY} environment variable "
            "(keys are created in the TesterArmy dashboard under Profile → API Keys)."
        )
    if not isinstance(api_key, str):
        raise TypeError(f"{source} must be a str, got {type(api_key).__name__}")
    # Surrounding whitespace is a copy/paste or `echo > file` artefact; strip it silently.
    key = api_key.strip()
    # Anything else would produce an invalid header, and h11 quotes the offending header value in
    # its error message — so refuse here, without echoing the key.
    if not all("!" <= ch <= "~" for ch in key):
        raise ValueError(
            f"{source} contains whitespace or non-printable/non-ASCII characters; "
            "check that the whole key was copied and nothing else"
        )
    if not key.startswith("sk_"):
        warnings.warn(
            f"{source} does not start with 'sk_' like TesterArmy API keys do; using it anyway",
            TesterArmyWarning,
            stacklevel=4,
        )
    return Secret(key)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve_base_url(base_url: str | None, env: Mapping[str, str], allow_insecure_http: bool) -> str:
    from testerarmy_api._spec import DEFAULT_BASE_URL

    source = "base_url"
    if base_url is None:
        from_env = env.get(ENV_BASE_URL, "").strip()
        if from_env:
            base_url, source = from_env, ENV_BASE_URL
        else:
            base_url = DEFAULT_BASE_URL
    if not isinstance(base_url, str):
        raise TypeError(f"{source} must be a str, got {type(base_url).__name__}")
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{source} must be an http(s) URL like {DEFAULT_BASE_URL!r}, got {base_url!r}")
    if parts.username is not None or parts.password is not None:
        # Credentials in the URL would end up in logs and exception messages.
        raise ValueError(f"{source} must not contain user:password@; authenticate with the API key")
    if parts.query or parts.fragment:
        raise ValueError(f"{source} must not have a query string or fragment, got {base_url!r}")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        # The docs print https://tester.army/api/v1 as "the base URL"; the SDK adds /v1/... itself.
        raise ValueError(
            f"{source} must not end with /v1 (the SDK adds /v1/... to every path); "
            f"use {base_url.strip().rstrip('/')[: -len('/v1')]!r}"
        )
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ValueError(
            f"{source} uses plain http:// to a non-loopback host ({parts.hostname}); the API key would "
            "travel unencrypted. Use https://, or pass allow_insecure_http=True if you really mean it."
        )
    if not path:
        # A bare origin is how TesterArmy's own CLI reads TESTERARMY_BASE_URL ("https://tester.army",
        # it appends /api/v1/...): one shell setting configures both tools. The API lives under the
        # path of the spec's server URL.
        path = urlsplit(DEFAULT_BASE_URL).path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def resolve_timeout(timeout: float | httpx.Timeout | NotGiven | None) -> httpx.Timeout | None:
    """``NOT_GIVEN`` → the default; ``None`` → no timeout at all; a number → that many seconds."""
    if isinstance(timeout, NotGiven):
        return DEFAULT_TIMEOUT
    if timeout is None:
        return None
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            seconds = getattr(timeout, phase)
            if seconds is not None:
                require_positive(seconds, f"timeout.{phase}")
        return timeout
    return httpx.Timeout(require_positive(timeout, "timeout"))


def _check_max_retries(max_retries: object) -> int:
    return require_int(max_retries, "max_retries", minimum=0, maximum=_MAX_RETRIES_LIMIT)


def _check_headers(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise TypeError(f"default_headers must be a mapping, got {type(headers).__name__}")
    checked: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("default_headers keys and values must be str")
        if name.lower() in ("authorization", "proxy-authorization"):
            raise ValueError(f"default_headers must not set {name!r}; pass the key as api_key=...")
        checked.append((name, value))
    return tuple(checked)
