"""Per-invocation state of the CLI: resolved global options, output streams, the client factory.

Tests replace the :class:`Runtime` (clock and sleep) through click's ``obj`` so that waits against a
simulator on a manual clock take no real time; the real command uses the defaults.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, TypeVar

from .._logging import scrub
from ._exit import ExitCode
from ._name import PROG

if TYPE_CHECKING:
    import httpx
    from rich.console import Console

    from .._client import AsyncTesterArmy

__all__ = ["ENV_API_KEY", "ENV_BASE_URL", "PROG", "CliError", "CliState", "Runtime", "is_terminal"]

T = TypeVar("T")

ENV_API_KEY = "TESTERARMY_API_KEY"
ENV_BASE_URL = "TESTERARMY_BASE_URL"


class CliError(Exception):
    """An error the CLI reports as one line and turns into ``code`` (no traceback, ever)."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Runtime:
    """What the CLI takes from its environment besides options: time, and the HTTP connection.

    ``sleep=None`` lets the client use its own (anyio) sleep; ``http_client`` (a factory, called once
    per command) is passed to the client as its ``http_client`` — tests use it to reach a simulator
    in-process. The real command uses the defaults.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] | None = None
    http_client: Callable[[], httpx.AsyncClient] | None = None


def is_terminal(stream: TextIO) -> bool:
    """Whether in-place updates make sense on ``stream``: a real TTY that is not a dumb terminal.

    Decided here rather than by rich so that ``FORCE_COLOR`` & co. cannot put escape codes into a
    CI log: "no control characters when not on a TTY" is part of the CLI's contract.
    """
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")


@dataclass
class CliState:
    """Everything a command needs; built once by the group callback (``ctx.obj``)."""

    api_key: str | None = field(default=None, repr=False)
    api_key_source: str = f"--api-key/{ENV_API_KEY}"
    base_url: str | None = None
    base_url_source: str = f"--base-url/{ENV_BASE_URL}"
    allow_insecure_http: bool = False
    max_retries: int = 2
    verbose: bool = False
    runtime: Runtime = field(default_factory=Runtime)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    # What to tell the user if Ctrl-C arrives now (set while runs are being waited for).
    interrupt_note: str | None = None
    _consoles: dict[bool, Console] = field(default_factory=dict, repr=False)

    # --- secrets ------------------------------------------------------------------------------

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be printed (the key, also in its stripped form)."""
        if not self.api_key:
            return ()
        return tuple({self.api_key, self.api_key.strip()} - {""})

    def redact(self, text: str) -> str:
        return scrub(text, self.secrets)

    # --- output -------------------------------------------------------------------------------

    def stream(self, *, err: bool) -> TextIO:
        return self.stderr if err else self.stdout

    def console(self, *, err: bool) -> Console:
        """A rich console on stdout or stderr: styled on a terminal, plain text otherwise."""
        if err not in self._consoles:
            from rich.console import Console

            stream = self.stream(err=err)
            if is_terminal(stream):
                console = Console(
                    file=stream, force_terminal=True, highlight=False, markup=False, emoji=False
                )
            else:
                # No colours, no cursor movement, no re-wrapping of long lines (URLs, ids) in logs.
                console = Console(
                    file=stream,
                    force_terminal=False,
                    force_interactive=False,
                    color_system=None,
                    no_color=True,
                    highlight=False,
                    markup=False,
                    emoji=False,
                    soft_wrap=True,
                    width=max(_columns(), 120),
                )
            self._consoles[err] = console
        return self._consoles[err]

    def warn(self, message: str) -> None:
        print(f"Warning: {self.redact(message)}", file=self.stderr, flush=True)

    # --- the client ---------------------------------------------------------------------------

    def client(self, http_client: httpx.AsyncClient | None = None) -> AsyncTesterArmy:
        """A configured async client; configuration problems become exit code 2, before any request."""
        from ._settings import SAVED_KEY_LABEL, api_base_url, resolve_api_key

        base_url = api_base_url(self.base_url)
        try:
            found = resolve_api_key(self.api_key, self.api_key_source, base_url)
        except ValueError as exc:
            raise CliError(str(exc), ExitCode.USAGE) from None
        key = (found.key or "").strip()
        if not key:
            note = f" ({found.note})" if found.note else ""
            raise CliError(
                f"no API key: pass --api-key, set {ENV_API_KEY}, or run `testerarmy auth` "
                f"(TesterArmy's CLI saves the key in {SAVED_KEY_LABEL}){note}",
                ExitCode.USAGE,
            )
        # From here on the key is known to the redaction of every line the CLI prints.
        self.api_key, self.api_key_source = found.key, found.source
        from .._client import AsyncTesterArmy
        from .._errors import TesterArmyWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TesterArmyWarning)
            try:
                client = AsyncTesterArmy(
                    api_key=key,
                    base_url=base_url,
                    allow_insecure_http=self.allow_insecure_http,
                    max_retries=self.max_retries,
                    http_client=http_client,
                    clock=self.runtime.clock,
                    sleep=self.runtime.sleep,
                )
            except (ValueError, TypeError) as exc:
                # The client's hint names its Python argument; a CLI user has the flag instead.
                message = str(exc).replace("allow_insecure_http=True", "--allow-insecure-http")
                source = self.base_url_source if message.startswith("base_url") else self.api_key_source
                raise CliError(f"invalid {source}: {self.redact(message)}", ExitCode.USAGE) from None
        for warning in caught:
            text = str(warning.message).replace("api_key", self.api_key_source, 1)
            self.warn(text)
        return client

    def run(self, work: Callable[[AsyncTesterArmy], Awaitable[T]]) -> T:
        """Run ``work(client)`` on a fresh event loop; the client is closed afterwards."""
        factory = self.runtime.http_client
        pool = factory() if factory is not None else None
        try:
            client = self.client(pool)
        except BaseException:
            if pool is not None:
                _close_quietly(pool)
            raise

        async def main() -> T:
            async with client:
                try:
                    return await work(client)
                finally:
                    if pool is not None:  # a pool passed in is not closed by the client itself
                        await pool.aclose()

        import anyio

        return anyio.run(main)


def _close_quietly(pool: httpx.AsyncClient) -> None:
    import anyio

    anyio.run(pool.aclose)


def _columns() -> int:
    try:
        return int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        return 0
