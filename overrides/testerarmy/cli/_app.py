"""The ``testerarmy-py`` click group: global options, error reporting, exit codes, ``main``."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click
from click.core import ParameterSource

from .._version import __version__
from ._commands.api import api
from ._commands.batches import batches
from ._commands.groups import groups
from ._commands.run import run
from ._commands.runs import runs
from ._commands.sim import sim
from ._commands.tests import tests
from ._context import ENV_API_KEY, ENV_BASE_URL, PROG, CliError, CliState, Runtime
from ._exit import EXIT_CODES_HELP, ExitCode, code_for_error

__all__ = ["cli", "main"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _describe(error: BaseException, state: CliState) -> str:
    """The one-line message for an error, with a hint where one helps."""
    from .._errors import (
        APIConnectionError,
        AuthenticationError,
        PermissionDeniedError,
        TesterArmyError,
    )

    text = str(error)
    if isinstance(error, AuthenticationError):
        return f"{text} — check the API key ({state.api_key_source})"
    if isinstance(error, PermissionDeniedError):
        return f"{text} — the API key is valid but not allowed to do this"
    if isinstance(error, APIConnectionError):
        where = state.base_url or "the default https://tester.army/api"
        return f"cannot reach the TesterArmy API at {where}: {text}"
    if isinstance(error, TesterArmyError):
        return text
    return f"unexpected {type(error).__name__}: {text}"


class _RedactingFilter(logging.Filter):
    """Defence in depth for --verbose: whatever a library logs, the API key is cut out."""

    def __init__(self, state: CliState) -> None:
        super().__init__()
        self._state = state

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._state.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _enable_verbose_logging(ctx: click.Context, state: CliState) -> None:
    handler = logging.StreamHandler(state.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter(state))
    # The SDK's own decisions (retries, polling) at DEBUG; httpx's one line per request at INFO.
    levels = {"testerarmy": logging.DEBUG, "httpx": logging.INFO}
    saved = {}
    for name, level in levels.items():
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(level)
        logger.addHandler(handler)

    def restore() -> None:  # CliRunner runs many invocations in one process
        for name, level in saved.items():
            logger = logging.getLogger(name)
            logger.removeHandler(handler)
            logger.setLevel(level)

    ctx.call_on_close(restore)


class _App(click.Group):
    """Turns every error of a subcommand into one clear line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except CliError as error:
            state = _state_for_errors(ctx)
            _report(state, error.message, error)
            ctx.exit(error.code)
        except KeyboardInterrupt as error:
            state = _state_for_errors(ctx)
            note = f": {state.interrupt_note}" if state.interrupt_note else ""
            _report(state, f"Interrupted{note}", error, prefix="")
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as error:
            state = _state_for_errors(ctx)
            _report(state, _describe(error, state), error)
            ctx.exit(code_for_error(error))


def _state_for_errors(ctx: click.Context) -> CliState:
    state = ctx.find_object(CliState)
    return state if state is not None else CliState()


def _report(state: CliState, message: str, error: BaseException, *, prefix: str = "Error: ") -> None:
    line = _one_line(state.redact(message))
    print(f"{prefix}{line}", file=state.stderr, flush=True)
    expected = isinstance(error, CliError | KeyboardInterrupt) or _is_sdk_error(error)
    if state.verbose:
        print(state.redact("".join(traceback.format_exception(error))), file=state.stderr, end="", flush=True)
    elif not expected:
        print("(run with --verbose for the traceback)", file=state.stderr, flush=True)


def _is_sdk_error(error: BaseException) -> bool:
    from .._errors import TesterArmyError

    return isinstance(error, TesterArmyError)


@click.group(
    PROG,
    cls=_App,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--api-key",
    envvar=ENV_API_KEY,
    show_envvar=True,
    metavar="KEY",
    help="TesterArmy API key. Prefer the environment variable: arguments are visible to other processes.",
)
@click.option(
    "--base-url",
    envvar=ENV_BASE_URL,
    show_envvar=True,
    metavar="URL",
    help="API base URL [default: https://tester.army/api].",
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    help="Allow a plain http:// base URL to a non-loopback host (the key then travels unencrypted).",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Retries of a failed request (a run is never submitted twice).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Log HTTP requests (key redacted) and show tracebacks of errors."
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context,
    api_key: str | None,
    base_url: str | None,
    allow_insecure_http: bool,
    max_retries: int,
    verbose: bool,
) -> None:
    """Run TesterArmy AI QA tests from a terminal or a CI pipeline.

    \b
    Quick start:
      export TESTERARMY_API_KEY=sk_...
      testerarmy-py run "Open https://example.com and check the sign-up form"
    """
    # Tests pass a Runtime (fake clock and sleep) as click's `obj`; the real command uses real time.
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    state = CliState(
        api_key=api_key,
        api_key_source=_source(ctx, "api_key", "--api-key", ENV_API_KEY),
        base_url=base_url,
        base_url_source=_source(ctx, "base_url", "--base-url", ENV_BASE_URL),
        allow_insecure_http=allow_insecure_http,
        max_retries=max_retries,
        verbose=verbose,
        runtime=runtime,
    )
    ctx.obj = state
    if verbose:
        _enable_verbose_logging(ctx, state)


def _source(ctx: click.Context, name: str, option: str, env: str) -> str:
    return env if ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT else option


for _command in (run, runs, tests, groups, batches, api, sim):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: runs the CLI and returns its exit code (see ``--help``)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False
        )
    except click.ClickException as error:  # usage errors: click's message, exit 2
        error.show()
        return error.exit_code
    except click.exceptions.Abort:  # Ctrl-C outside a command body (click turns it into Abort)
        print("Interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    return result if isinstance(result, int) else 0
