"""The ``testerarmy-py`` command line (also ``python -m testerarmy``) (``pip install 'testerarmy[cli]'``).

``import testerarmy`` never imports this package; this package imports click only when the command
runs (or ``cli`` is first used), and rich, the client and httpx only when a command needs them, so
``testerarmy-py --help`` starts fast. Without the ``cli`` extra the command says which extra to install
(exit 2) instead of crashing with a ``ModuleNotFoundError``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._app import cli

__all__ = ["cli", "main"]

# What the [cli] extra brings; a missing one of these is the user's install, not our bug.
_CLI_EXTRA_MODULES = frozenset({"click", "rich"})


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: runs the CLI and returns its exit code (see ``--help``)."""
    try:
        from ._app import main as run
    except ModuleNotFoundError as error:
        if error.name not in _CLI_EXTRA_MODULES:
            raise
        from ._name import PROG

        print(
            f"{PROG}: the command line needs the 'cli' extra ({error.name} is not installed):"
            " pip install 'testerarmy[cli]'",
            file=sys.stderr,
        )
        return 2
    return run(argv)


if not TYPE_CHECKING:  # mypy sees the import above, so `testerarmy.cli.clj` is an error for it

    def __getattr__(name: str) -> object:
        if name == "cli":
            from ._app import cli

            return cli
        raise AttributeError(f"module 'testerarmy.cli' has no attribute {name!r}")
