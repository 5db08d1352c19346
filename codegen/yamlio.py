"""Strict YAML reading and deterministic YAML writing.

PyYAML's safe loader silently keeps the last of two duplicate keys and expands aliases without
limit; a spec is a contract, so both are refused here, and so are files too large or not UTF-8.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from codegen.errors import SpecError

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_EXPANDED_NODES",
    "dump_yaml",
    "load_yaml_bytes",
    "load_yaml_file",
    "load_yaml_text",
]

#: A vendored spec is ~70 KB; anything past this is not a spec we want to parse in CI.
MAX_BYTES = 5 * 1024 * 1024
#: Aliases are legitimate but rare in specs.
MAX_ALIASES = 100
#: Nodes the document would have with every alias expanded (the vendored spec has ~6,000).
#: PyYAML shares aliased objects, so a "billion laughs" document loads instantly and only explodes
#: when something walks it; this bound stops it at the door.
MAX_EXPANDED_NODES = 1_000_000


# libyaml's parser is ~4x faster than PyYAML's pure-Python one; construction stays in Python either
# way, which is where the checks below live.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that rejects duplicate keys and alias bombs, keeping line numbers for errors."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases_seen = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node constructed before is being reached again: that is an alias.
        if node in self.constructed_objects:
            self._aliases_seen += 1
            if self._aliases_seen > MAX_ALIASES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} YAML aliases (alias bomb?)", node.start_mark
                )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # Keys are compared as (resolved tag, text) so that constructing them here does not count
        # as a second visit (an alias) later; 200 and '200' stay different keys, as in YAML.
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key_node.value!r} (first at line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """Node count with aliases expanded, in time linear in the *distinct* nodes (memoized by id)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, dict):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.items())
    elif isinstance(node, list):
        size = 1 + sum(_expanded_size(v, memo) for v in node)
    else:
        size = 1
    memo[key] = size
    return size


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise ValueError(f"duplicate key {key!r}")
        mapping[key] = value
    return mapping


_NOT_JSON = object()


def _load_json(text: str, source: str) -> Any:
    """A JSON document, or _NOT_JSON (then it is read as YAML, e.g. a YAML flow mapping).

    Upstream publishes JSON. JSON is YAML, but PyYAML reads YAML 1.1, which lacks JSON's `\\/`
    escape; the json module reads every JSON document, and the same limits apply.
    """
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicates)
    except json.JSONDecodeError:
        return _NOT_JSON
    except RecursionError:
        raise SpecError(source, "", "document is nested too deeply to be a usable spec") from None
    except ValueError as exc:
        raise SpecError(source, "", f"invalid JSON: {exc}") from None


def load_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; any problem becomes a SpecError naming `source`, line and column."""
    document = _load_json(text, source) if text.lstrip().startswith("{") else _NOT_JSON
    if document is not _NOT_JSON:
        return document
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
        size = _expanded_size(document, {})
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise SpecError(source, location, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecError(source, "", "document is nested too deeply to be a usable spec") from None
    except ValueError as exc:
        # e.g. an integer literal past Python's int/str conversion limit (4,300 digits)
        raise SpecError(source, "", f"invalid YAML value: {exc}") from None
    if size > MAX_EXPANDED_NODES:
        raise SpecError(
            source, "", f"document expands to {size:,} nodes, over {MAX_EXPANDED_NODES:,} (alias bomb?)"
        )
    return document


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML (or JSON) file with the limits above."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SpecError(source, "", f"cannot read file: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise SpecError(source, "", f"file is {size} bytes, over the {MAX_BYTES}-byte limit for a spec")
    return load_yaml_bytes(path.read_bytes(), source)


def load_yaml_bytes(raw: bytes, source: str) -> Any:
    """Decode as UTF-8 (naming the line of the first bad byte) and parse."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(source, f"line {line}", f"not UTF-8 (byte 0x{raw[exc.start]:02x})") from None
    return load_yaml_text(text, source)


# libyaml's emitter is ~5x faster and writes the same bytes as PyYAML's for our documents (a test
# compares the two on the normalized spec).
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """Block style, insertion order, no aliases: the same input always dumps to the same bytes."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
