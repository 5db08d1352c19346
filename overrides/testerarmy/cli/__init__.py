"""The ``testerarmy`` command line (``pip install 'testerarmy[cli]'``).

``import testerarmy`` never imports this package; this package imports click at once and rich, the
client and httpx only when a command needs them, so ``testerarmy --help`` starts fast.
"""

from ._app import cli, main

__all__ = ["cli", "main"]
