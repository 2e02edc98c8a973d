"""Reading ritual YAML while remembering which line every key and list item came from.

``ritualbot validate`` promises ``file:line: message`` for every error, including errors that
pydantic finds long after parsing. So the document is *composed* into PyYAML nodes first (each
carries a start mark), a map from key path to line is taken from the nodes, and only then are the
plain Python values constructed.

The loader also reads a calmer YAML than PyYAML's YAML 1.1 defaults, because ritual files are
written by people: ``yes``/``no``/``on``/``off`` stay strings (only ``true``/``false`` are
booleans, so a select option ``no`` is not turned into ``False``), and ``17:00`` stays a string
instead of becoming the base-60 integer 1020. Duplicate keys, which PyYAML silently lets the last
one win, are errors.
"""

from __future__ import annotations

import re
from typing import Any, cast

import yaml

__all__ = ["LineMap", "YamlError", "load_yaml"]


def _calm(loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> None:
    """YAML 1.2-style booleans and integers (no yes/no, no base 60) for ``loader``."""
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"}
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    )


class _RitualLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style booleans and integers; its messages are the ones shown."""


_calm(_RitualLoader)
_Loader = type[_RitualLoader]
_FAST: _Loader = _RitualLoader
if yaml.__with_libyaml__:

    class _FastRitualLoader(yaml.CSafeLoader):
        """The same reading on libyaml's parser, several times faster: every configuration file
        is read at start-up and again on each reload."""

    _calm(_FastRitualLoader)
    _FAST = cast(_Loader, _FastRitualLoader)


class YamlError(Exception):
    """The text is not readable YAML (or holds more than one document, or a duplicate key)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class LineMap:
    """Key path -> 1-based line. Unknown paths fall back to their nearest known ancestor."""

    def __init__(self, lines: dict[tuple[Any, ...], int]) -> None:
        self._lines = lines

    def line(self, loc: tuple[Any, ...]) -> int:
        """The line of ``loc``, or of its longest prefix that is in the document (a missing key
        is reported where its parent mapping is)."""
        for length in range(len(loc), 0, -1):
            found = self._lines.get(tuple(loc[:length]))
            if found is not None:
                return found
        return self._lines.get((), 1)


def load_yaml(text: str) -> tuple[Any, LineMap]:
    """Parse one YAML document; return its value (``None`` when empty) and the line of every key."""
    try:
        return _load(text, _FAST)
    except yaml.YAMLError:
        # Read again by the pure-Python parser, whose wording of the problem is the one people
        # (and the documentation) see; only a file with a problem pays for it.
        return _load(text, _RitualLoader)


def _load(text: str, loader_class: _Loader) -> tuple[Any, LineMap]:
    try:
        loader = loader_class(text)
    except yaml.reader.ReaderError as exc:
        # PyYAML's reader refuses control characters as it is built, before any parsing.
        if loader_class is not _RitualLoader:
            raise
        line = text.count("\n", 0, exc.position) + 1
        raise YamlError(line, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineMap({})
        lines: dict[tuple[Any, ...], int] = {(): node.start_mark.line + 1}
        _index(loader, node, (), lines)
        return loader.construct_document(node), LineMap(lines)
    except yaml.MarkedYAMLError as exc:
        if loader_class is not _RitualLoader:
            raise
        raise YamlError(_mark_line(exc), _describe(exc)) from None
    except yaml.YAMLError as exc:
        if loader_class is not _RitualLoader:
            raise
        raise YamlError(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _index(
    loader: _RitualLoader, node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]
) -> None:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolve "<<" merge keys the way the constructor will
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in first_seen:
                    raise YamlError(line, f"duplicate key {key!r} (first at line {first_seen[key]})")
                first_seen[key] = line
            except TypeError:  # an unhashable key; the constructor reports it
                continue
            lines[(*path, key)] = line
            _index(loader, value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _index(loader, item, (*path, index), lines)


def _mark_line(exc: yaml.MarkedYAMLError) -> int:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else 1


def _describe(exc: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (exc.context, exc.problem) if part]
    message = "invalid YAML: " + ", ".join(parts)
    if "alias" in message or "anchor" in message:
        message += " (quote values that start with '*' or '&', e.g. cron: \"0 10 * * 1\")"
    return message
