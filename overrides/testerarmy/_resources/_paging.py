"""The page walk of every cursor-paged list, shared by the sync and the async core (no I/O here).

Which operations page, and how, is data the emitter derived from the spec (``OperationSpec.paging``:
a ``cursor`` query parameter answered by ``nextCursor`` and one array of items). :class:`CursorPager`
builds the request for each page and reads each answer; the cores only send what it asks for.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .._errors import TesterArmyWarning
from ._operation import Operation
from ._request import build_operation

if TYPE_CHECKING:
    from testerarmy_api.resources._operation import OperationSpec, Paging, Timeout
    from testerarmy_api.types import Unset

__all__ = ["MAX_PAGES", "CursorPager", "Page"]

#: Bounds the walk even if a server kept returning new cursors forever.
MAX_PAGES: Final = 10_000

#: One page as the pager reads it: its items (parsed) and the next page's cursor (None: last page).
Page = tuple[list[Any], str | None]


def _read_page(paging: Paging, data: Mapping[str, Any]) -> Page:
    # Errors here (a missing or non-array items field) become APIResponseValidationError in
    # parse_model, like any answer that does not match its schema.
    items = data[paging.items]
    if not isinstance(items, list):
        raise TypeError(f"{paging.items!r} must be an array, got {type(items).__name__}")
    cursor = data.get(paging.next_cursor)
    return [paging.parse_item(item) for item in items], cursor if isinstance(cursor, str) and cursor else None


class CursorPager:
    """Walks one paged list: ``next_operation()`` → send it → ``consume(page)`` → its items, until None.

    The first request is built (and so every argument checked against the spec) in the constructor,
    before any iteration. A cursor the API already sent ends the walk with a
    :class:`TesterArmyWarning` instead of looping over the same pages forever.
    """

    def __init__(
        self,
        spec: OperationSpec[Any],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
        extra_params: Mapping[str, str] | None = None,
    ) -> None:
        if spec.paging is None:
            raise TypeError(f"{spec.name} is not a cursor-paged list")
        self._spec = spec
        self._paging: Paging = spec.paging
        self._args = dict(args)
        self._timeout = timeout
        self._extra_headers = extra_headers
        # Query parameters sent as they are, after the spec's checks (the facade's forward-compatible
        # filters, e.g. a run status newer than the spec's enum).
        self._extra_params = dict(extra_params or {})
        self._seen: set[str] = set()
        self._pages = 0
        self._next: Operation[Page] | None = self._build(self._args.get(self._paging.cursor))
        if isinstance(self._args.get(self._paging.cursor), str):
            self._seen.add(str(self._args[self._paging.cursor]))

    def _build(self, cursor: object) -> Operation[Page]:
        args = {**self._args, self._paging.cursor: cursor} if cursor is not None else self._args
        op = build_operation(self._spec, args, timeout=self._timeout, extra_headers=self._extra_headers)
        request = op.request
        if self._extra_params:
            request = {**request, "params": {**request.get("params", {}), **self._extra_params}}
        paging = self._paging
        return Operation(
            op.name, request, lambda data: _read_page(paging, data), authenticated=op.authenticated
        )

    def next_operation(self) -> Operation[Page] | None:
        """The request for the next page, or None when the walk is over."""
        return self._next

    def consume(self, page: Page) -> list[Any]:
        """The items of the page just fetched; prepares the request for the one after it."""
        items, cursor = page
        self._pages += 1
        self._next = None
        if cursor is None:
            return items
        if cursor in self._seen:
            warnings.warn(
                f"{self._spec.name}: the API sent page cursor {cursor!r} a second time; "
                f"stopping after {self._pages} page(s) so as not to loop",
                TesterArmyWarning,
                stacklevel=2,
            )
        elif self._pages >= MAX_PAGES:
            warnings.warn(
                f"{self._spec.name}: stopping after {MAX_PAGES} pages", TesterArmyWarning, stacklevel=2
            )
        else:
            self._seen.add(cursor)
            self._next = self._build(cursor)
        return items
