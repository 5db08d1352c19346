"""``python -m testerarmy``: the command line, the same as the ``testerarmy-py`` console script.

Works without the ``cli`` extra too: then it prints which extra to install and exits 2.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
