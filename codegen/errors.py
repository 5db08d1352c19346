"""One error type for everything the pipeline refuses, always saying what, where and why."""

from __future__ import annotations

__all__ = ["SpecError", "pointer"]


def pointer(*parts: object) -> str:
    """Render a JSON pointer (RFC 6901) from path segments, for error locations."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped)


class SpecError(Exception):
    """A spec (or rule) the pipeline cannot use.

    `source` is the file, `location` a line:column or a JSON pointer inside it, `problem` the reason.
    The message format is stable because tests and users grep it.
    """

    def __init__(self, source: str, location: str, problem: str) -> None:
        self.source = source
        self.location = location
        self.problem = problem
        where = f"{source}: {location}" if location else source
        super().__init__(f"{where}: {problem}")
