"""One safe YAML loader for every YAML file the publisher reads (front matter, schedules, the word bank).

These files are written by people and are untrusted input, so before
anything is built the composed document is walked, and refused when it
uses anchors or aliases (a 400-byte "billion laughs" expands to
gigabytes), holds more than :data:`MAX_NODES` values, or nests deeper than
:data:`MAX_DEPTH` (5,000 nested brackets would otherwise overflow the
recursive composer). Timestamps stay the strings the editor wrote, so a time
without an offset stays local time (docs/content.md "Front matter keys").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from publisher.i18n import _

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StringTimestampLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader that leaves timestamps as the strings the editor wrote."""


StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}

MAX_NODES = 10_000
MAX_DEPTH = 32


class YamlProblem(Exception):
    """The YAML cannot be used; ``line`` is 0-based within the YAML text, ``message`` says why."""

    def __init__(self, line: int, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid  # the text is not YAML at all (the message reads "not valid YAML: ...")
        self.line = line
        self.message = message


@dataclass
class Loaded:
    """The document as data, and its node tree (for the line of each key)."""

    data: Any
    node: yaml.Node | None


def _mark_line(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return int(mark.line) if mark is not None else 0


def _screen(node: yaml.Node) -> None:
    """Walk the composed nodes (no recursion): refuse shared nodes (aliases), too many values, too deep nesting.

    Composing does not expand aliases (an alias is the same node again), so
    this runs before anything is built and costs one pass over the nodes.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if id(current) in seen:
            message = _("YAML anchors and aliases ('&name', '*name') are not allowed; write the values out")
            raise YamlProblem(current.start_mark.line, message)
        seen.add(id(current))
        if len(seen) > MAX_NODES:
            message = _("the YAML has more than %(max)d values") % {"max": MAX_NODES}
            raise YamlProblem(current.start_mark.line, message)
        if depth > MAX_DEPTH:
            message = _("the YAML nests more than %(max)d levels deep") % {"max": MAX_DEPTH}
            raise YamlProblem(current.start_mark.line, message)
        if isinstance(current, yaml.ScalarNode):
            continue  # most nodes: nothing beneath
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in current.value)


def load(text: str) -> Loaded:
    """Screen, compose and construct ``text``; YamlProblem (with the line) for anything unsafe or invalid."""
    try:
        loader = StringTimestampLoader(text)  # what yaml.load does, with the screen between composing and building
        try:
            node = loader.get_single_node()
            if node is not None:
                _screen(node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        detail = exc.problem or exc.context
        raise YamlProblem(_mark_line(exc), _("not valid YAML: %(detail)s") % {"detail": detail}, True) from None
    except yaml.YAMLError as exc:
        detail = str(exc).splitlines()[0]
        raise YamlProblem(0, _("not valid YAML: %(detail)s") % {"detail": detail}, True) from None
    except (TypeError, ValueError):
        raise YamlProblem(0, _("a key is not a plain value (a list or mapping used as a key)")) from None
    except RecursionError:
        raise YamlProblem(0, _("the YAML nests more than %(max)d levels deep") % {"max": MAX_DEPTH}) from None
    return Loaded(data=data, node=node)


def key_lines(node: yaml.Node | None) -> dict[str, int]:
    """The 0-based line of each top-level key of a mapping document."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line for key, _ in node.value}
