"""``python -m testerarmy.cli`` — same as the ``testerarmy-py`` console script."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
