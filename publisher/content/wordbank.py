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
from publisher.i18n import _


@dataclass(frozen=True)
class Phrase:
    en: str
    cy: str


@dataclass(frozen=True)
class Template:
    """A pre-translated bilingual template for out-of-hours posts.

    ``per_language`` names the variables that are free text (a reason, a
    diversion): they need a value in each language, or English would end up
    inside the Welsh post. Names and road numbers are the same in both.
    """

    name: str
    description: str
    variables: tuple[str, ...]
    en: str
    cy: str
    per_language: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordBank:
    names: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    templates: dict[str, Template] = field(default_factory=dict)


def _strings(value: Any, path: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(_("%(path)s: '%(key)s' must be a list of text") % {"path": path, "key": key})
    return tuple(v.strip() for v in value if v.strip())


MAX_BYTES = 1 * MIB


def read_wordbank_text(path: Path, root: Path | None = None) -> str | None:
    """The word bank's text (bounded, a regular file inside the project); None when there is none."""
    try:
        return decode(read_bounded(path, MAX_BYTES, root))
    except FileNotFoundError:
        return None
    except UnreadableFile as exc:
        raise ConfigError(_("the word bank %(path)s %(problem)s") % {"path": path, "problem": exc}) from None
    except (OSError, ValueError) as exc:
        message = _("cannot read the word bank %(path)s: %(problem)s")
        raise ConfigError(message % {"path": path, "problem": exc}) from None


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
        message = _("%(path)s: the word bank must be a mapping with names, phrases and templates")
        raise ConfigError(message % {"path": path})
    unknown = set(data) - {"names", "phrases", "templates"}
    if unknown:
        message = _("%(path)s: unknown key(s) %(keys)s; use names, phrases, templates")
        raise ConfigError(message % {"path": path, "keys": ", ".join(sorted(map(str, unknown)))})
    return WordBank(
        names=_strings(data.get("names"), path, "names"),
        phrases=_phrases(data.get("phrases"), path),
        templates=_templates(data.get("templates"), path),
    )


def _phrases(raw: Any, path: Path) -> tuple[Phrase, ...]:
    if raw is not None and not isinstance(raw, list):
        raise ConfigError(_("%(path)s: 'phrases' must be a list of {en: ..., cy: ...}") % {"path": path})
    phrases = []
    for index, item in enumerate(raw or []):
        if not isinstance(item, dict) or not isinstance(item.get("en"), str) or not isinstance(item.get("cy"), str):
            message = _("%(path)s: phrase %(number)d needs 'en' and 'cy' text")
            raise ConfigError(message % {"path": path, "number": index + 1})
        phrases.append(Phrase(en=item["en"], cy=item["cy"]))
    return tuple(phrases)


def _template(index: int, item: Any, path: Path) -> Template:
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("name", "en", "cy")):
        message = _("%(path)s: template %(number)d needs 'name', 'en' and 'cy' text")
        raise ConfigError(message % {"path": path, "number": index + 1})
    unknown = set(item) - {"name", "description", "variables", "per_language", "en", "cy"}
    if unknown:
        message = _("%(path)s: template '%(name)s' has unknown key(s) %(keys)s")
        raise ConfigError(message % {"path": path, "name": item["name"], "keys": ", ".join(sorted(map(str, unknown)))})
    variables = _strings(item.get("variables"), path, f"templates[{index}].variables")
    per_language = _strings(item.get("per_language"), path, f"templates[{index}].per_language")
    stray = [v for v in per_language if v not in variables]
    if stray:
        message = _("%(path)s: template '%(name)s': per_language names %(stray)s, not a variable")
        raise ConfigError(message % {"path": path, "name": item["name"], "stray": ", ".join(stray)})
    return Template(
        name=item["name"],
        description=str(item.get("description", "")),
        variables=variables,
        en=item["en"],
        cy=item["cy"],
        per_language=per_language,
    )


def _templates(raw: Any, path: Path) -> dict[str, Template]:
    if raw is not None and not isinstance(raw, list):
        raise ConfigError(_("%(path)s: 'templates' must be a list") % {"path": path})
    templates = [_template(index, item, path) for index, item in enumerate(raw or [])]
    return {template.name: template for template in templates}
