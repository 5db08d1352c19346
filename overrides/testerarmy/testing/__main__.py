"""``python -m testerarmy.testing``: the simulator's command line (same as ``testerarmy-sim``)."""

from __future__ import annotations

import sys

from ._cli import build_parser, main, simulator_from_args

__all__ = ["build_parser", "main", "simulator_from_args"]

if __name__ == "__main__":
    sys.exit(main())
