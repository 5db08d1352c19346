"""The console script's name (no imports: the missing-extra message needs it before click loads)."""

from typing import Final

__all__ = ["PROG"]

#: Not ``testerarmy`` or ``ta``: TesterArmy's official (npm) CLI installs those, and with both on
#: PATH the order of PATH entries would decide which one a CI step runs (docs/cli.md, "The name").
PROG: Final = "testerarmy-py"
