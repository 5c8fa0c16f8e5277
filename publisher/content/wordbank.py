"""The Welsh word bank (policy 8.4): proper names, phrases and emergency templates.

``config/wordbank.yaml``::

    names: [Powys, Llandrindod Wells]          # proper names, ignored by language-mixed
    phrases: [{en: road closed, cy: ffordd ar gau}]
    templates: [{name: road-closure, description: ..., variables: [road], en: ..., cy: ...}]

A missing word bank is empty (docs/configuration.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.content.post import decode
from publisher.content.safe_yaml import YamlProblem, load
from publisher.errors import ConfigError
from publisher.files import MIB, UnreadableFile, read_bounded


@dataclass(frozen=True)
class Phrase:
    en: str
    cy: str


@dataclass(frozen=True)
class Template:
    """A pre-translated bilingual template for out-of-hours posts."""

    name: str
    description: str
    variables: tuple[str, ...]
    en: str
    cy: str


@dataclass(frozen=True)
class WordBank:
    names: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    templates: dict[str, Template] = field(default_factory=dict)


def _strings(value: Any, path: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of text")
    return tuple(v.strip() for v in value if v.strip())


MAX_BYTES = 1 * MIB


def read_wordbank_text(path: Path, root: Path | None = None) -> str | None:
    """The word bank's text (bounded, a regular file inside the project); None when there is none."""
    try:
        return decode(read_bounded(path, MAX_BYTES, root))
    except FileNotFoundError:
        return None
    except UnreadableFile as exc:
        raise ConfigError(f"the word bank {path} {exc}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the word bank {path}: {exc}") from None


def load_wordbank(path: Path, root: Path | None = None) -> WordBank:
    """Read the word bank through the safe YAML loader; a missing file is an empty word bank."""
    text = read_wordbank_text(path, root)
    if text is None:
        return WordBank()
    try:
        data = load(text).data or {}
    except YamlProblem as exc:
        raise ConfigError(f"{path}:{exc.line + 1}: {exc.message}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the word bank must be a mapping with names, phrases and templates")
    unknown = set(data) - {"names", "phrases", "templates"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; use names, phrases, templates"
        )
    phrases = []
    for index, item in enumerate(data.get("phrases") or []):
        if not isinstance(item, dict) or not isinstance(item.get("en"), str) or not isinstance(item.get("cy"), str):
            raise ConfigError(f"{path}: phrase {index + 1} needs 'en' and 'cy' text")
        phrases.append(Phrase(en=item["en"], cy=item["cy"]))
    templates: dict[str, Template] = {}
    for index, item in enumerate(data.get("templates") or []):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("name", "en", "cy")):
            raise ConfigError(f"{path}: template {index + 1} needs 'name', 'en' and 'cy' text")
        templates[item["name"]] = Template(
            name=item["name"],
            description=str(item.get("description", "")),
            variables=_strings(item.get("variables"), path, f"templates[{index}].variables"),
            en=item["en"],
            cy=item["cy"],
        )
    return WordBank(names=_strings(data.get("names"), path, "names"), phrases=tuple(phrases), templates=templates)
