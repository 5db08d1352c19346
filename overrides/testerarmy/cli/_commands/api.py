"""``testerarmy-py api "METHOD /path"``: any operation of the spec, in the spirit of ``gh api``.

Built on ``client.operations`` and the generated operation data (``.._generic``): no operation is
named here, so a new one in the spec is reachable after ``make generate`` with no CLI change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

import click

from .._context import CliError, CliState
from .._exit import EXIT_CODES_HELP, ExitCode
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["api"]


@click.command("api", epilog=EXIT_CODES_HELP)
@click.argument("endpoint", nargs=-1, metavar='"METHOD /path"')
@click.option(
    "-f",
    "--field",
    "raw_fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="A path, query or body parameter (spec or Python name), converted to its schema's type.",
)
@click.option(
    "-F",
    "--json-field",
    "typed_fields",
    multiple=True,
    metavar="NAME=JSON",
    help="A parameter given as JSON (objects, arrays, numbers, true/false/null).",
)
@click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    metavar="FILE",
    help="A JSON object of parameters ('-' for stdin); for an operation whose body is one object, the body.",
)
@click.option("--list", "list_operations", is_flag=True, help="List every operation of the spec and exit.")
@click.pass_context
def api(
    ctx: click.Context,
    endpoint: tuple[str, ...],
    raw_fields: tuple[str, ...],
    typed_fields: tuple[str, ...],
    input_file: TextIO | None,
    list_operations: bool,
) -> None:
    """Call any operation of the TesterArmy API and print its answer as JSON.

    \b
    Examples:
      testerarmy-py api "GET /v1/runs" -f limit=5 -f status=failed
      testerarmy-py api GET /v1/runs/6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11
      testerarmy-py api "POST /v1/projects" -f name=Shop -f url=https://shop.example.com
      echo '{"name": "Nightly"}' | testerarmy-py api "POST /v1/groups" --input -

    The operation's arguments are checked by the typed client before anything is sent (exit 2);
    API errors exit 3. A POST whose outcome is unknown (timeout, 5xx) says so.
    """
    from ..._errors import TesterArmyError
    from .._generic import ArgumentError, operation_specs, parse_request, to_output
    from .._submit import submit

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=True)
    if list_operations or not endpoint:
        for key, spec in operation_specs().items():
            params = " ".join(
                f"{p.wire}{'' if p.required else '?'}" for p in spec.params if p.location != "whole_body"
            )
            body = " <body>" if any(p.location == "whole_body" for p in spec.params) else ""
            state.stdout.write(f"{key}  ({spec.name}){' ' + params if params else ''}{body}\n")
        ctx.exit(ExitCode.OK if list_operations else ExitCode.USAGE)
    try:
        stdin_json = input_file.read() if input_file is not None else None
        request = parse_request(endpoint, raw_fields, typed_fields, stdin_json)
    except ArgumentError as error:
        raise CliError(str(error), ExitCode.USAGE) from None

    async def work(client: AsyncTesterArmy) -> ExitCode:
        call = client.operations[request.key]
        try:
            pending = call(**request.arguments)
            if request.spec.method == "POST":
                result = await submit(pending, request.key)
            else:
                result = await pending
        except (ValueError, TypeError) as error:
            if isinstance(error, TesterArmyError):
                raise
            # The typed client's checks of the arguments, made before anything is sent.
            raise CliError(f"{request.key}: {error}", ExitCode.USAGE) from None
        if result is not None:
            out.json(to_output(result))
        return ExitCode.OK

    ctx.exit(state.run(work))
