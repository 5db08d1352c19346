"""Where the CLI's API key and base URL come from, shared with TesterArmy's own tools.

Precedence: ``--api-key`` > ``TESTERARMY_API_KEY`` > the key ``testerarmy auth`` (the official CLI)
saved in ``~/.config/testerarmy/config.json`` as ``{"apiKey": ...}`` > a one-line error naming all
three. The saved file is read, never written, and its content is never printed; like TesterArmy's
reporter package it is used only for the default host, because a key saved for tester.army must
not be sent to some other server named in ``TESTERARMY_BASE_URL``.

``TESTERARMY_BASE_URL`` is an *origin* for TesterArmy's tools (``https://tester.army``, they append
``/api/v1/...``); the SDK's base URL includes ``/api``. An origin-only URL therefore gets ``/api``
appended here, so one shell configures both tools.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_HOST",
    "SAVED_KEY_LABEL",
    "Credentials",
    "api_base_url",
    "resolve_api_key",
    "saved_key_path",
]

DEFAULT_HOST: Final = "tester.army"
#: How the saved key file is named in messages (the path as the official CLI's docs spell it).
SAVED_KEY_LABEL: Final = "~/.config/testerarmy/config.json"
_API_PATH: Final = "/api"


def saved_key_path() -> Path:
    """``~/.config/testerarmy/config.json`` (``Path.home()`` follows ``$HOME``)."""
    return Path.home() / ".config" / "testerarmy" / "config.json"


def api_base_url(base_url: str | None) -> str | None:
    """``https://tester.army`` → ``https://tester.army/api``; a URL with a path is left as it is
    (the client checks it); ``None`` stays ``None`` (the client's default)."""
    if base_url is None or not base_url.strip():
        return None
    text = base_url.strip()
    parts = urlsplit(text)
    origin_only = parts.path in ("", "/") and not parts.query and not parts.fragment
    if parts.scheme in ("http", "https") and parts.netloc and origin_only:
        return text.rstrip("/") + _API_PATH
    return text


def _is_default_host(base_url: str | None) -> bool:
    if base_url is None:
        return True
    host = urlsplit(base_url.strip()).hostname
    return host is not None and host.lower().rstrip(".") == DEFAULT_HOST


@dataclass(frozen=True)
class Credentials:
    """The key found (or ``None``) and where it came from, for messages that must not show it."""

    key: str | None = field(repr=False)
    source: str
    #: Why the saved file was not used although it exists (another host), for the missing-key error.
    note: str | None = None


def _read_saved_key(path: Path) -> str | None:
    """The ``apiKey`` of the saved file, or ``None`` if there is none. A file that exists but cannot
    be read is an error naming the file — never its content, which is a secret."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(f"cannot read {SAVED_KEY_LABEL}: {exc.strerror or type(exc).__name__}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(f"{SAVED_KEY_LABEL} is not valid JSON (run `testerarmy auth` again)") from None
    key = data.get("apiKey") if isinstance(data, dict) else None
    if key is None:
        return None
    if not isinstance(key, str):
        raise ValueError(f'{SAVED_KEY_LABEL}: "apiKey" must be a string')
    return key.strip() or None


def resolve_api_key(given: str | None, given_source: str, base_url: str | None) -> Credentials:
    """The key by precedence (see the module docstring). ``given`` is what click found for
    ``--api-key``/``TESTERARMY_API_KEY`` and ``given_source`` which of the two it was."""
    if given is not None and given.strip():
        return Credentials(given, given_source)
    path = saved_key_path()
    if not _is_default_host(base_url):
        note = None
        if path.is_file():
            note = f"the key saved in {SAVED_KEY_LABEL} is only used for https://{DEFAULT_HOST}"
        return Credentials(None, given_source, note)
    return Credentials(_read_saved_key(path), SAVED_KEY_LABEL)
