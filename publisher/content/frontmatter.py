"""Split a post file into YAML front matter and body, and parse the YAML safely.

Editors' files are untrusted input: the parser refuses anchors and aliases
(the "billion laughs" expansion), keeps YAML timestamps as strings (so a time
without an offset stays local time for :mod:`publisher.content.schedule`), and
records the line of every key so findings can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringTimestampLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader that leaves timestamps as the strings the editor wrote."""


_StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}

MAX_NODES = 10_000


class FrontMatterError(Exception):
    """The front matter cannot be read; ``line`` is 1-based in the whole file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class FrontMatter:
    """Parsed front matter with the line numbers findings need."""

    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    media_lines: list[dict[str, int]] = field(default_factory=list)
    start_line: int = 1


@dataclass
class SplitFile:
    """The raw parts of a post file: YAML text, body text and where each starts."""

    yaml_text: str
    body: str
    yaml_line: int
    body_line: int


def split_front_matter(text: str) -> SplitFile:
    """Cut ``text`` at its ``---`` fences; raise FrontMatterError if they are missing."""
    if not text.strip():
        raise FrontMatterError(1, "the file is empty: it needs front matter between '---' lines, then the body")
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise FrontMatterError(1, "the file does not start with a '---' line opening the front matter")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return SplitFile(
                yaml_text="\n".join(lines[1:index]),
                body="\n".join(lines[index + 1 :]),
                yaml_line=2,
                body_line=index + 2,
            )
    raise FrontMatterError(1, "the front matter has no closing '---' line")


def _walk(node: yaml.Node, seen: set[int], line_offset: int) -> None:
    """Refuse shared nodes (aliases) and oversized documents before constructing."""
    stack = [node]
    count = 0
    while stack:
        current = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FrontMatterError(line_offset, f"the front matter has more than {MAX_NODES} values")
        if id(current) in seen:
            raise FrontMatterError(
                current.start_mark.line + line_offset,
                "YAML anchors and aliases ('&name', '*name') are not allowed in front matter; write the values out",
            )
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def parse_front_matter(split: SplitFile) -> FrontMatter:
    """Parse the YAML of ``split`` into a mapping with key and media-item lines."""
    offset = split.yaml_line
    if "\t" in split.yaml_text:
        for number, line in enumerate(split.yaml_text.split("\n")):
            if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
                raise FrontMatterError(number + offset, "a tab indents this line; YAML needs spaces for indentation")
    try:
        node = yaml.compose(split.yaml_text, Loader=_StringTimestampLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + offset) if mark is not None else offset
        raise FrontMatterError(where, f"the front matter is not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(offset, f"the front matter is not valid YAML: {exc}") from None
    if node is None:
        return FrontMatter(data={}, start_line=offset)
    _walk(node, set(), offset)
    if not isinstance(node, yaml.MappingNode):
        raise FrontMatterError(offset, "the front matter must be a mapping of 'key: value' lines")
    try:
        data = _StringTimestampLoader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise FrontMatterError(offset, f"the front matter is not valid YAML: {exc}") from None
    except (TypeError, ValueError):
        raise FrontMatterError(offset, "the front matter has a key that is not a plain value") from None
    key_lines: dict[str, int] = {}
    media_lines: list[dict[str, int]] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines[key] = key_node.start_mark.line + offset
        if key == "media" and isinstance(value_node, yaml.SequenceNode):
            for item in value_node.value:
                lines = {"": item.start_mark.line + offset}
                if isinstance(item, yaml.MappingNode):
                    for sub_key, _ in item.value:
                        lines[str(sub_key.value)] = sub_key.start_mark.line + offset
                media_lines.append(lines)
    return FrontMatter(data=data, key_lines=key_lines, media_lines=media_lines, start_line=offset)
