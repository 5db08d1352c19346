"""Resource namespaces of the client (``client.runs``, ``client.tests``, ...)."""

__all__: list[str] = []
