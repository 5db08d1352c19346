"""Options and argument checks shared by several commands.

Arguments are checked by click before the command body runs, so a bad argument is a usage error
(exit 2) naming the argument, and no request is ever sent for it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "DEFAULT_GROUP_TIMEOUT",
    "DEFAULT_RUN_TIMEOUT",
    "WaitSettings",
    "check_prompt",
    "check_report_path",
    "check_url",
    "json_option",
    "wait_options",
]

F = TypeVar("F", bound=Callable[..., Any])

# The client's defaults (runs.wait / groups.trigger_and_wait); repeated here because `--help` must not
# import the client. A unit test keeps the two in step.
DEFAULT_RUN_TIMEOUT = 600.0
DEFAULT_GROUP_TIMEOUT = 1800.0

# Polling starts at --poll-interval and backs off x1.5 up to this (or to --poll-interval if larger).
MAX_POLL_INTERVAL = 10.0


class _Seconds(click.ParamType[float, Any]):
    """A finite number of seconds > 0. click's FloatRange lets "nan" and "inf" through (every
    comparison with NaN is false), and they would only fail inside the client, after the run was
    already submitted."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a finite number of seconds greater than 0.", param, ctx)
        return seconds


SECONDS = _Seconds()


@dataclass(frozen=True)
class WaitSettings:
    """The waiting-related options of one command."""

    wait: bool
    timeout: float
    poll_interval: float
    cancel_on_interrupt: bool
    #: ``--junit-xml``: where to write the JUnit report of the runs waited for.
    junit_xml: Path | None = None

    @property
    def max_interval(self) -> float:
        return max(self.poll_interval, MAX_POLL_INTERVAL)


def check_report_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """The report's directory must exist: found out before anything is submitted, not after."""
    if value is None:
        return None
    parent = value.parent if str(value.parent) else Path(".")
    if not parent.is_dir():
        raise click.BadParameter(f"directory {str(parent)!r} does not exist", ctx=ctx, param=param)
    if value.is_dir():
        raise click.BadParameter(f"{str(value)!r} is a directory", ctx=ctx, param=param)
    return value


def check_prompt(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("must not be empty", ctx=ctx, param=param)
    return value


def check_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from .._validation import require_http_url

    try:
        return require_http_url(value, "URL")
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def json_option(command: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the result as JSON on stdout (human-readable text goes to stderr).",
    )(command)


def wait_options(
    *, wait_by_default: bool, default_timeout: float, wait_flag: bool = True
) -> Callable[[F], Callable[..., Any]]:
    """``--wait/--no-wait`` (unless ``wait_flag`` is false: the command always waits), ``--timeout``,
    ``--poll-interval``, ``--cancel-on-interrupt``; the command receives them together as one
    ``waiting: WaitSettings`` keyword argument."""

    def decorate(command: F) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_settings(
            *args: Any,
            wait: bool = wait_by_default,
            timeout: float,
            poll_interval: float,
            cancel_on_interrupt: bool,
            junit_xml: Path | None,
            **kwargs: Any,
        ) -> Any:
            waiting = WaitSettings(wait, timeout, poll_interval, cancel_on_interrupt, junit_xml)
            return command(*args, waiting=waiting, **kwargs)

        options = [
            click.option(
                "--timeout",
                type=SECONDS,
                default=default_timeout,
                show_default=True,
                metavar="SECONDS",
                help="Give up waiting after this long (the run keeps going): exit code 4.",
            ),
            click.option(
                "--poll-interval",
                type=SECONDS,
                default=1.0,
                show_default=True,
                metavar="SECONDS",
                help=f"First pause between status polls; grows x1.5 per poll up to {MAX_POLL_INTERVAL:g} s.",
            ),
            click.option(
                "--cancel-on-interrupt",
                is_flag=True,
                help="On Ctrl-C while waiting, also cancel the run(s) (by default they keep running).",
            ),
            click.option(
                "--junit-xml",
                metavar="PATH",
                type=click.Path(dir_okay=False, path_type=Path),
                callback=check_report_path,
                help="Write a JUnit XML report of the runs waited for (one testcase per run) to PATH.",
            ),
        ]
        if wait_flag:
            flag = click.option(
                "--wait/--no-wait",
                default=wait_by_default,
                show_default=True,
                help="Follow the run(s) until they finish, showing progress, and exit with their verdict.",
            )
            options.insert(0, flag)
        decorated: Callable[..., Any] = with_settings
        for option in reversed(options):
            decorated = option(decorated)
        return decorated

    return decorate
