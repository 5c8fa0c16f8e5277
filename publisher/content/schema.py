"""Check the keys and value types of one file's front matter (docs/content.md "Front matter keys").

The result is typed values plus a list of problems. Rules read the typed values
and never see a wrong type; the ``front-matter-invalid`` rule reports the
problems. Keeping the two apart means a bad ``accounts:`` line yields one clear
finding instead of a crash in every rule that reads it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from publisher.i18n import N_, _

KNOWN_KEYS = (
    "publish_at",
    "schedule",
    "accounts",
    "media",
    "translation",
    "queue_order",
    "id",
    "thread",
)
SHARED_KEYS = ("publish_at", "schedule", "accounts", "queue_order", "id", "thread")
MEDIA_KEYS = ("file", "alt", "consent", "rights")
TRANSLATION_KEYS = ("reviewed", "reviewer", "reviewed_on")


@dataclass(frozen=True)
class Problem:
    """One structural problem: the 1-based line and what to do about it."""

    line: int
    message: str


@dataclass
class MediaItem:
    """One ``media`` entry as written in one language file."""

    file: str | None = None
    alt: str | None = None
    consent: str | None = None
    rights: str | None = None
    line: int = 1
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        """The line of ``key`` inside this item, or the item's own line."""
        return self.key_lines.get(key, self.line)


@dataclass
class Translation:
    """The Welsh file's translation review record."""

    reviewed: bool = False
    reviewer: str | None = None
    reviewed_on: str | None = None


@dataclass
class FileMeta:
    """The typed front matter of one file; keys absent or invalid are left unset."""

    present: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    media: list[MediaItem] | None = None
    translation: Translation | None = None
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)


_UNKNOWN = {  # (which key, a close match found): whole sentences, Welsh word order differs
    ("key", True): N_("unknown key '%(key)s'; did you mean '%(match)s'?"),
    ("key", False): N_("unknown key '%(key)s'; known keys: %(known)s"),
    ("media", True): N_("unknown media key '%(key)s'; did you mean '%(match)s'?"),
    ("media", False): N_("unknown media key '%(key)s'; known keys: %(known)s"),
    ("translation", True): N_("unknown translation key '%(key)s'; did you mean '%(match)s'?"),
    ("translation", False): N_("unknown translation key '%(key)s'; known keys: %(known)s"),
}


def _unknown(kind: str, key: str, known: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    values = {"key": key, "match": match[0] if match else "", "known": ", ".join(known)}
    return _(_UNKNOWN[kind, bool(match)]) % values


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _validate_media(raw: Any, line: int, item_lines: list[dict[str, int]], meta: FileMeta) -> None:
    if not isinstance(raw, list):
        meta.problems.append(
            Problem(
                line,
                _("'media' must be a list of items like '- {file: photo.jpg, alt: ..., consent: ..., rights: ...}'"),
            )
        )
        return
    items: list[MediaItem] = []
    for index, entry in enumerate(raw):
        lines = item_lines[index] if index < len(item_lines) else {"": line}
        item = MediaItem(line=lines.get("", line), key_lines=lines)
        if not isinstance(entry, dict):
            meta.problems.append(
                Problem(
                    item.line,
                    _("media item %(number)d must be a mapping with file, alt, consent and rights")
                    % {"number": index + 1},
                )
            )
            items.append(item)
            continue
        for key, value in entry.items():
            key_name = str(key)
            if key_name not in MEDIA_KEYS:
                meta.problems.append(Problem(item.line_of(key_name), _unknown("media", key_name, MEDIA_KEYS)))
            elif value is None:
                continue
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                setattr(item, key_name, str(value).strip())
            else:
                message = _("media '%(key)s' must be text") % {"key": key_name}
                meta.problems.append(Problem(item.line_of(key_name), message))
        items.append(item)
    meta.media = items


def _validate_translation(raw: Any, line: int, meta: FileMeta) -> None:
    if not isinstance(raw, dict):
        meta.problems.append(
            Problem(
                line,
                _("'translation' must be a mapping like '{reviewed: true, reviewer: NAME, reviewed_on: 2026-11-20}'"),
            )
        )
        return
    translation = Translation()
    for key, value in raw.items():
        key_name = str(key)
        if key_name not in TRANSLATION_KEYS:
            meta.problems.append(Problem(line, _unknown("translation", key_name, TRANSLATION_KEYS)))
        elif key_name == "reviewed":
            if not isinstance(value, bool):
                meta.problems.append(Problem(line, _("'translation.reviewed' must be true or false")))
            else:
                translation.reviewed = value
        elif key_name == "reviewed_on" and value is not None and not _is_date(value):
            meta.problems.append(
                Problem(
                    line,
                    _("'translation.reviewed_on' = %(value)s is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25")
                    % {"value": repr(str(value))},
                )
            )
        elif value is not None:
            setattr(translation, key_name, str(value))
    meta.translation = translation


def _is_date(value: Any) -> bool:
    """A calendar date written YYYY-MM-DD (front matter keeps dates as the text written)."""
    try:
        date.fromisoformat(str(value).strip())
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value).strip()))


def _text_value(key: str, value: Any, line: int, meta: FileMeta) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
        message = _("'%(key)s' must be text, e.g. %(key)s: %(example)s") % {"key": key, "example": _EXAMPLES[key]}
        meta.problems.append(Problem(line, message))
    else:
        meta.values[key] = str(value).strip()


def _accounts_value(key: str, value: Any, line: int, meta: FileMeta) -> None:
    if isinstance(value, str) and value.strip():
        value = [value]
    if not isinstance(value, list) or not value or not all(_is_str(v) for v in value):
        meta.problems.append(
            Problem(
                line,
                _("'accounts' must be a non-empty list of account names, e.g. accounts: [powys-x, powys-facebook]"),
            )
        )
    else:
        meta.values[key] = [v.strip() for v in value]


def _number_value(key: str, value: Any, line: int, meta: FileMeta) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        meta.problems.append(Problem(line, _("'%(key)s' must be a number") % {"key": key}))
    else:
        meta.values[key] = value


def _flag_value(key: str, value: Any, line: int, meta: FileMeta) -> None:
    if not isinstance(value, bool):
        meta.problems.append(Problem(line, _("'%(key)s' must be true or false") % {"key": key}))
    else:
        meta.values[key] = value


_SCALARS = {
    "publish_at": _text_value,
    "schedule": _text_value,
    "id": _text_value,
    "accounts": _accounts_value,
    "queue_order": _number_value,
    "thread": _flag_value,
}


def validate(
    data: dict[str, Any], key_lines: dict[str, int], media_lines: list[dict[str, int]], language: str, first_line: int
) -> FileMeta:
    """Type-check ``data`` (one file's front matter) for a file in ``language``."""
    meta = FileMeta(key_lines=dict(key_lines))
    for raw_key, value in data.items():
        key = str(raw_key)
        line = key_lines.get(key, first_line)
        if key not in KNOWN_KEYS:
            meta.problems.append(Problem(line, _unknown("key", key, KNOWN_KEYS)))
            continue
        meta.present.add(key)
        if key in _SCALARS:
            _SCALARS[key](key, value, line, meta)
        elif key == "media":
            if value is not None:
                _validate_media(value, line, media_lines, meta)
        elif language != "cy":  # translation
            message = _("'translation' belongs in the Welsh (.cy.md) file only; move it there")
            meta.problems.append(Problem(line, message))
        else:
            _validate_translation(value, line, meta)
    return meta


_EXAMPLES = {
    "publish_at": "2027-01-12T10:00",
    "schedule": "weekly-news",
    "id": "gritting-2027-01",
}
