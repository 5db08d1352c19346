"""TesterArmy Python SDK (hand-written layer over the generated `testerarmy_api`)."""

from testerarmy_api._spec import API_VERSION, DEFAULT_BASE_URL

__all__ = ["API_VERSION", "DEFAULT_BASE_URL", "__version__"]

__version__ = "0.1.0"
