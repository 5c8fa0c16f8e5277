"""Split a post file into YAML front matter and body, and parse the YAML safely.

Editors' files are untrusted input: the YAML goes through the one safe
loader (:mod:`publisher.content.safe_yaml`: no anchors or aliases, bounded
size and depth, timestamps kept as the strings written), and the line of
every key is recorded so findings can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from publisher.content.safe_yaml import YamlProblem, load
from publisher.i18n import _


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
        raise FrontMatterError(1, _("the file is empty: it needs front matter between '---' lines, then the body"))
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise FrontMatterError(1, _("the file does not start with a '---' line opening the front matter"))
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return SplitFile(
                yaml_text="\n".join(lines[1:index]),
                body="\n".join(lines[index + 1 :]),
                yaml_line=2,
                body_line=index + 2,
            )
    raise FrontMatterError(1, _("the front matter has no closing '---' line"))


def parse_front_matter(split: SplitFile) -> FrontMatter:
    """Parse the YAML of ``split`` into a mapping with key and media-item lines."""
    offset = split.yaml_line
    if "\t" in split.yaml_text:
        for number, line in enumerate(split.yaml_text.split("\n")):
            if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
                message = _("a tab indents this line; YAML needs spaces for indentation")
                raise FrontMatterError(number + offset, message)
    try:
        loaded = load(split.yaml_text)
    except YamlProblem as exc:
        message = exc.message if not exc.invalid else _("the front matter is %(problem)s") % {"problem": exc.message}
        raise FrontMatterError(exc.line + offset, message) from None
    node, data = loaded.node, loaded.data
    if node is None:
        return FrontMatter(data={}, start_line=offset)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise FrontMatterError(offset, _("the front matter must be a mapping of 'key: value' lines"))
    key_lines: dict[str, int] = {}
    media_lines: list[dict[str, int]] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines[key] = key_node.start_mark.line + offset
        if key == "media" and isinstance(value_node, yaml.SequenceNode):
            for item in value_node.value:
                lines = {"": item.start_mark.line + offset}
                if isinstance(item, yaml.MappingNode):
                    for sub_key, _value in item.value:
                        lines[str(sub_key.value)] = sub_key.start_mark.line + offset
                media_lines.append(lines)
    return FrontMatter(data=data, key_lines=key_lines, media_lines=media_lines, start_line=offset)
