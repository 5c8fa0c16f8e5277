"""The Welsh catalog: every message has its Welsh, the compiled catalog is the catalog, the language is chosen right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from publisher import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "publisher" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _po(language: str) -> object:
    with open(LOCALE / language / "LC_MESSAGES" / "publisher.po", "rb") as handle:
        return read_po(handle, locale=language)


def _strings(message: object) -> tuple[str, ...]:
    string = message.string  # type: ignore[attr-defined]
    return tuple(string) if isinstance(string, list | tuple) else (string,)


def test_every_message_has_its_welsh(extracted_messages: set[object]) -> None:
    welsh = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in _po("cy") if m.id}  # type: ignore[attr-defined]
    missing = sorted(str(key) for key in extracted_messages if key not in welsh)
    assert missing == [], "not in the Welsh catalog: run pybabel extract and update (docs/translation.md)"
    untranslated = sorted(
        str(key) for key in extracted_messages if "fuzzy" in welsh[key].flags or not all(_strings(welsh[key]))
    )
    assert untranslated == [], "these messages lack their Welsh"


def test_the_welsh_keeps_every_placeholder() -> None:
    for message in _po("cy"):  # type: ignore[attr-defined]
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(set(PLACEHOLDER.findall(text))) == sorted(set(PLACEHOLDER.findall(source))), message.id


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_committed_compiled_catalogs_are_the_catalogs() -> None:
    for language in i18n.LANGUAGES:
        with open(LOCALE / language / "LC_MESSAGES" / "publisher.mo", "rb") as handle:
            compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id and _key(m.string) != _key(m.id)}
        written = {
            _key(m.id): _key(m.string)
            for m in _po(language)  # type: ignore[attr-defined]
            if m.id and m.string and any(m.string) and _key(m.string) != _key(m.id)
        }
        assert compiled == written, f"recompile {language}: pybabel compile -D publisher -d publisher/locale"


def test_welsh_has_its_plural_forms() -> None:
    from contextvars import copy_context

    def counted() -> list[str]:
        i18n.set_language("cy")
        return [i18n.ngettext("%(num)d post.", "%(num)d posts.", n) % {"num": n} for n in (0, 1, 2, 3, 6, 7)]

    assert copy_context().run(counted) == [
        "0 o bostiadau.",
        "1 postiad.",
        "2 bostiad.",
        "3 phostiad.",
        "6 phostiad.",
        "7 o bostiadau.",
    ]


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("cy-GB,cy;q=0.9,en;q=0.8", "cy"),
        ("en-GB,en;q=0.9,cy;q=0.8", "en"),
        ("en;q=0.5,cy;q=0.6", "cy"),
        ("fr-FR,fr;q=0.9", "cy"),
        ("", "cy"),
        ("fr,en;q=0.3", "en"),
    ],
)
def test_the_browser_preference_chooses_the_language_and_welsh_by_default(header: str, chosen: str) -> None:
    assert i18n.negotiate(header) == chosen


def test_the_command_line_follows_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert i18n.from_environment() == "en"
    monkeypatch.setenv("LANG", "cy_GB.UTF-8")
    assert i18n.from_environment() == "cy"
    monkeypatch.setenv("LANGUAGE", "en_GB:cy")
    assert i18n.from_environment() == "en"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
