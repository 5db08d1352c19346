"""The subcommands of ``testerarmy``, one module per command group."""

__all__: list[str] = []
