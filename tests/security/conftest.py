"""Shared pieces of the security suite: a recognisable key, capture of every log line, tiny servers.

The key is distinctive so that "it appears nowhere" is a plain substring check over everything the
SDK and the CLI can show: reprs, strs, log records (formatted, with tracebacks), exception messages
and tracebacks, stdout/stderr.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from testerarmy.testing import Simulator

KEY = "sk_live_SECRET_4f9c2e_DO_NOT_LEAK"
# The part after the prefix, in case something prints a key without its "sk_" (or cut in two).
KEY_TAIL = KEY.removeprefix("sk_live_")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,), time_scale=0.01, seed=0) as simulator:
        yield simulator


def leaks(text: str, secrets: tuple[str, ...] = (KEY, KEY_TAIL)) -> list[str]:
    return [secret for secret in secrets if secret in text]


def everything_about(error: BaseException) -> str:
    """What a user could print of an exception: str, repr, the formatted chain with tracebacks, and
    the request/response it carries."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for name in ("message", "code", "error_message", "body", "reason"):  # the typed errors' fields
        parts.append(repr(getattr(error, name, None)))
    for name in ("request", "response"):
        value = getattr(error, name, None)
        if value is not None:
            parts.append(repr(value))
            parts.append(repr(value.headers))
    return "\n".join(parts)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # includes the formatted traceback of exc_info
        self.loggers.add(record.name.split(".")[0])


@pytest.fixture
def debug_logs() -> Iterator[_Collect]:
    """Every logger at DEBUG (ours, httpx, httpcore, ...), collected as formatted text."""
    handler = _Collect()
    root = logging.getLogger()
    names = ("testerarmy", "httpx", "httpcore", "h11", "anyio", "asyncio", "cli")
    saved = {name: logging.getLogger(name).level for name in names}
    saved_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass
class TinyServer:
    """A minimal HTTP server on a chosen loopback address; ``respond`` decides each answer."""

    host: str
    respond: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.seen.append(Seen(self.command, self.path, self.headers.get("Authorization")))
                status, headers, body = outer.respond(self)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}"

    def __enter__(self) -> TinyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
