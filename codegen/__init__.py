"""The spec → code pipeline: vendored openapi.yaml → normalized spec → generated packages.

Nothing here is imported at runtime by the SDK; it runs from `make generate`, `make check-generated`,
`make spec-diff` and `make update-spec` (see `python -m codegen --help`).
"""
