"""Render :class:`OperationView`s as Python source: operation data, resource classes, the registry.

Every operation is rendered twice from the same view by :func:`_method`, once per :class:`Flavour`
(sync, async); the two differ only in the flavour's keywords, never in hand-kept text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from codegen.emit.model import ATTRS_MODELS, Arg, ModelFamily, OperationView

__all__ = ["ASYNC", "SYNC", "Flavour", "render_operations", "render_registry", "render_resource"]


@dataclass(frozen=True)
class Flavour:
    prefix: str  # class name prefix
    base: str  # generated base class
    define: str  # "def" / "async def"
    wait: str  # "" / "await "
    caller: str
    raw: bool = False  # the with_raw_response twin: returns RawResponse[...] via call_raw


SYNC = Flavour(prefix="", base="SyncResource", define="def", wait="", caller="SyncCaller")
ASYNC = Flavour(prefix="Async", base="AsyncResource", define="async def", wait="await ", caller="AsyncCaller")
RAW_SYNC = Flavour(prefix="", base="SyncResource", define="def", wait="", caller="SyncCaller", raw=True)
RAW_ASYNC = Flavour(
    prefix="Async", base="AsyncResource", define="async def", wait="await ", caller="AsyncCaller", raw=True
)


def raw_class_name(resource: str, flavour: Flavour) -> str:
    return class_name(resource, flavour) + "WithRawResponse"


def class_name(resource: str, flavour: Flavour) -> str:
    return flavour.prefix + "".join(part.capitalize() for part in resource.split("_"))


def _literal(value: Any) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"{k!r}: {_literal(value[k])}" for k in sorted(value))
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _docstring(view: OperationView, indent: str) -> list[str]:
    parts = [view.summary or view.key]
    if view.description:
        parts.append(view.description)
    parts.append(f"``{view.key}``")
    documented = [arg for arg in view.args if arg.description]
    if documented:
        parts.append("Args:\n" + "\n".join(f"    {arg.name}: {arg.description}" for arg in documented))
    lines: list[str] = []
    for index, part in enumerate(parts):
        if index:
            lines.append("")
        for paragraph in part.splitlines():
            wrapped = textwrap.wrap(paragraph, 96 - len(indent), subsequent_indent=_lead(paragraph))
            lines.extend(wrapped or [""])
    text = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return [f'{indent}"""{text.lstrip()}', f'{indent}"""']


def _lead(paragraph: str) -> str:
    return " " * (len(paragraph) - len(paragraph.lstrip()) + (4 if paragraph.startswith("    ") else 0))


def _returns(view: OperationView) -> str:
    if view.response_kind == "model":
        return f"models.{view.response_model}"
    return "Any" if view.response_kind == "json" else "None"


def _parameter(arg: Arg) -> str:
    if arg.required:
        return f"{arg.name}: {arg.annotation}"
    if arg.nullable:
        # None is a value the caller may send; leaving the argument out sends nothing.
        return f"{arg.name}: {arg.annotation} | Unset = UNSET"
    return f"{arg.name}: {arg.annotation} | None = None"


def _signature(view: OperationView) -> list[str]:
    positional = [a for a in view.args if a.location in ("path", "whole_body")]
    keyword = [a for a in view.args if a.location not in ("path", "whole_body")]
    keyword.sort(key=lambda a: not a.required)  # required keyword arguments first, in spec order
    params = ["self", *(_parameter(a) for a in positional), "*", *(_parameter(a) for a in keyword)]
    params += ["timeout: Timeout | Unset = UNSET", "extra_headers: Mapping[str, str] | None = None"]
    return params


def _method(view: OperationView, flavour: Flavour) -> list[str]:
    """The method sending the operation once (for a paged list: one page, ``<name>_page``)."""
    params = ",\n        ".join(_signature(view))
    args = ", ".join(f"{a.name!r}: {a.name}" for a in view.args)
    returns = f"RawResponse[{_returns(view)}]" if flavour.raw else _returns(view)
    return [
        f"    {flavour.define} {view.page_method}(",
        f"        {params},",
        f"    ) -> {returns}:",
        *_docstring(view, "        "),
        f"        return {flavour.wait}self._core.{'call_raw' if flavour.raw else 'call'}(",
        f"            ops.{view.constant}, {{{args}}}, timeout=timeout, extra_headers=extra_headers",
        "        )",
        "",
    ]


def _iterator_method(view: OperationView, flavour: Flavour) -> list[str]:
    """The iterator over every item of a paged list, across pages (the caller follows the cursor).

    A plain ``def`` in both flavours: the async one returns an async iterator without awaiting, so
    ``async for item in client.<resource>.<list>(...)`` works and bad arguments fail at the call.
    """
    assert view.paging is not None
    paging = view.paging
    params = ",\n        ".join(_signature(view))
    args = ", ".join(f"{a.name!r}: {a.name}" for a in view.args)
    item = f"models.{paging.item_model}" if paging.item_model else "Any"
    iterator = "AsyncIterator" if flavour.prefix else "Iterator"
    doc = replace(
        view,
        summary=f"{view.summary or view.key} (every page)",
        description=(
            f"Iterates over the ``{paging.items}`` of every page, following ``{paging.next_cursor}`` "
            f"until the last page (from the first page, or from ``{paging.cursor_arg}`` if given); "
            f"``{view.page_method}`` sends one request for one page."
            + (f"\n\n{view.description}" if view.description else "")
        ),
    )
    return [
        f"    def {view.method_name}(",
        f"        {params},",
        f"    ) -> {iterator}[{item}]:",
        *_docstring(doc, "        "),
        "        return self._core.paginate(",
        f"            ops.{view.constant}, {{{args}}}, timeout=timeout, extra_headers=extra_headers",
        "        )",
        "",
    ]


def _check_unique_methods(resource: str, views: list[OperationView]) -> None:
    names = [view.page_method for view in views] + [view.method_name for view in views if view.paging]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"resource {resource!r}: method name(s) {', '.join(duplicates)} used twice")


def _imports_for(text: str) -> list[str]:
    lines = ["from __future__ import annotations", ""]
    if "datetime." in text:
        lines.append("import datetime")
    collections = [
        name for name in ("AsyncIterator", "Iterator", "Mapping", "Sequence") if f" {name}[" in text
    ]
    lines.append(f"from collections.abc import {', '.join(collections)}")
    typing = [
        name for name in ("Any", "Literal") if f"{name}[" in text or f"{name}," in text or f" {name}" in text
    ]
    lines.append(f"from typing import {', '.join(['TYPE_CHECKING', *typing])}")
    if "UUID" in text:
        lines.append("from uuid import UUID")
    return lines


def render_resource(resource: str, views: list[OperationView], family: ModelFamily = ATTRS_MODELS) -> str:
    """``resources/<resource>.py``: the sync and the async class of one resource."""
    _check_unique_methods(resource, views)
    body: list[str] = []
    for flavour, raw in ((SYNC, RAW_SYNC), (ASYNC, RAW_ASYNC)):
        body += [
            "",
            "",
            f"class {raw_class_name(resource, raw)}({raw.base}):",
            f'    """``client.{resource}.with_raw_response``: status, headers and the parsed body."""',
            "",
        ]
        for view in views:
            body += _method(view, raw)
        body += [
            "",
            f"class {class_name(resource, flavour)}({flavour.base}):",
            f'    """``client.{resource}``: {len(views)} operation(s) of the spec."""',
            "",
            "    @cached_property",
            f"    def with_raw_response(self) -> {raw_class_name(resource, raw)}:",
            '        """The same operations, answering with a ``RawResponse`` (status, headers, parsed)."""',
            f"        return {raw_class_name(resource, raw)}(self._core)",
            "",
        ]
        for view in views:
            body += _method(view, flavour)
            if view.paging is not None:
                body += _iterator_method(view, flavour)
    text = "\n".join(body)
    names = ", ".join(
        f'"{name}"'
        for name in sorted(n(resource, f) for f in (SYNC, ASYNC) for n in (class_name, raw_class_name))
    )
    header = [
        f'"""``client.{resource}``, generated from the spec by codegen/emit (one description per',
        'operation, rendered as a sync and an async method)."""',
        "",
        *_imports_for(text),
        "",
        "from functools import cached_property",
        "",
        "from ..types import UNSET, Unset",
        "from . import _operations as ops",
        "from ._operation import AsyncResource, FileContent, RawResponse, SyncResource, Timeout",
        "",
        "if TYPE_CHECKING:",
        f"    from .. import {family.module} as models",
        "",
        f"__all__ = [{names}]",
    ]
    return "\n".join(header) + text + "\n"


def _param_data(arg: Arg) -> str:
    return (
        f"Param({arg.name!r}, {arg.wire!r}, {arg.location!r}, required={arg.required}, "
        f"nullable={arg.nullable}, checks={_literal(arg.checks)})"
    )


def _paging_data(view: OperationView, family: ModelFamily) -> list[str]:
    if view.paging is None:
        return []
    paging = view.paging
    # A lambda, not the bound method: naming ``models.X.from_dict`` here would import the model
    # when the operation table loads, and the table must stay free of model imports.
    parse = (
        f"lambda item: models.{paging.item_model}.{family.parse_method}(item)"
        if paging.item_model
        else "json_value"
    )
    return [
        f"    paging=Paging(cursor={paging.cursor_arg!r}, next_cursor={paging.next_cursor!r}, "
        f"items={paging.items!r}, parse_item={parse}),"
    ]


def render_operations(views: Iterable[OperationView], family: ModelFamily = ATTRS_MODELS) -> str:
    """``resources/_operations.py``: every operation as an :class:`OperationSpec` constant."""
    lines = [
        '"""Every operation of the spec as data: request template, argument checks, answer parser."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        f"from .. import {family.module} as models",
        "from ._operation import OperationSpec, Paging, Param, json_value, no_value",
        "",
    ]
    for view in views:
        if view.response_kind == "model":
            # A lambda, so that importing this table does not load every model (models are lazy).
            parse, kind = (
                f"lambda data: models.{view.response_model}.{family.parse_method}(data)",
                f"models.{view.response_model}",
            )
        elif view.response_kind == "json":
            parse, kind = "json_value", "Any"
        else:
            parse, kind = "no_value", "None"
        params = "".join(f"        {_param_data(arg)},\n" for arg in view.args)
        lines += [
            f"{view.constant}: OperationSpec[{kind}] = OperationSpec(",
            f"    key={view.key!r},",
            f"    name={view.resource + '.' + view.method_name!r},",
            f"    method={view.http_method!r},",
            f"    path={view.path!r},",
            f"    params=(\n{params}    ),",
            f"    body={view.body_kind!r},",
            f"    body_required={view.body_required},",
            f"    parse={parse},",
            f"    response={view.response_kind!r},",
            f"    authenticated={view.authenticated},",
            *_paging_data(view, family),
            ")",
            "",
        ]
    return "\n".join(lines)


def render_registry(views: list[OperationView]) -> str:
    """``resources/__init__.py``: the operation registry and the mixins giving ``client.<resource>``."""
    resources = sorted({view.resource for view in views})
    lines = [
        '"""The generated resource layer: ``OPERATIONS`` and the ``client.<resource>`` mixins."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from functools import cached_property",
        "from types import MappingProxyType",
        "from typing import TYPE_CHECKING",
        "",
        "from ._operation import AsyncCaller, SyncCaller",
        "",
        "if TYPE_CHECKING:",
        *(f"    from .{r} import {class_name(r, ASYNC)}, {class_name(r, SYNC)}" for r in resources),
        "",
        '__all__ = ["OPERATIONS", "RESOURCES", "AsyncResources", "SyncResources"]',
        "",
        '#: "METHOD /path" -> (resource, method sending exactly that request) for every operation.',
        "OPERATIONS: Mapping[str, tuple[str, str]] = MappingProxyType({",
        *(f"    {v.key!r}: ({v.resource!r}, {v.page_method!r})," for v in sorted(views, key=lambda v: v.key)),
        "})",
        "RESOURCES: tuple[str, ...] = (" + "".join(f"{r!r}, " for r in resources) + ")",
    ]
    for flavour in (SYNC, ASYNC):
        lines += [
            "",
            "",
            f"class {flavour.prefix or 'Sync'}Resources:",
            '    """One lazily created attribute per resource (modules load on first use)."""',
            "",
            f"    _core: {flavour.caller}",
        ]
        for r in resources:
            name = class_name(r, flavour)
            lines += [
                "",
                "    @cached_property",
                f"    def {r}(self) -> {name}:",
                f"        from .{r} import {name} as resource",
                "",
                "        return resource(self._core)",
            ]
    return "\n".join(lines) + "\n"
