"""The command line in Welsh and English: --help, click's own words, each command's messages (docs/translation.md)."""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Iterator
from contextvars import copy_context
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from click.testing import CliRunner

from publisher import i18n
from publisher.cli import COMMANDS, cli, click_words

from _cli import environment, run_cli
from conftest import Project

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


# --help -------------------------------------------------------------------------------------------------------------


def test_the_group_help_is_welsh_with_lang_cy() -> None:
    code, output = invoke("--lang", "cy", "--help")
    assert code == 0
    for welsh in (
        "Defnydd: ",
        "Opsiynau:",
        "Gorchmynion:",
        "Dangos y neges hon a gadael.",
        "Dangos y fersiwn a gadael.",
    ):
        assert welsh in output, output
    assert "Dilysu'r cynnwys: pob rheol, fesul ffeil a llinell." in output  # the one-line list in COMMANDS
    assert "Iaith y negeseuon: cy (Cymraeg) neu en (English)" in output  # an option's help
    assert "Cyhoeddi dwyieithog ar y cyfryngau cymdeithasol" in output  # the group's own help
    assert "Usage:" not in output and "Show this message" not in output and "Validate the content" not in output


def test_the_english_help_is_unchanged() -> None:
    code, output = invoke("--help")
    assert code == 0
    assert output.startswith(
        "Usage: cli [OPTIONS] COMMAND [ARGS]...\n\n  Bilingual Welsh-first social-media publishing"
    )
    assert "Options:\n  --config FILE   Config file (default: config/publisher.toml in the current\n" in output
    assert "  -h, --help      Show this message and exit.\n\nCommands:\n  accounts   Account health:" in output
    assert "  check      Validate the content: every rule, by file and line.\n" in output


def test_help_given_before_lang_is_welsh_too() -> None:
    code, output = invoke("--help", "--lang", "cy")
    assert code == 0 and "Defnydd: " in output and "Gorchmynion:" in output


def test_a_commands_help_and_its_options_help_are_welsh() -> None:
    code, output = invoke("--lang", "cy", "check", "--help")
    assert code == 0
    assert "Defnydd: cli check [OPTIONS] [PATHS]..." in output
    assert "Dilysu'r cynnwys (y ffolder cynnwys cyfan" in output
    assert "Anwybyddu'r storfa canlyniadau a pheidio â'i" in output  # --no-cache
    assert "[rhagosodiad: text]" in output  # click's "default:" beside --format
    code, english = invoke("check", "--help")
    assert "Ignore and do not update the result cache." in english and "[default: text]" in english


def test_a_subcommand_in_a_group_is_welsh_in_the_groups_list_and_its_own_help() -> None:
    code, output = invoke("--lang", "cy", "inbox", "--help")
    assert code == 0 and "Ateb neges: Cymraeg i Gymraeg" in output  # short help of 'inbox reply'
    code, output = invoke("--lang", "cy", "inbox", "hide", "--help")
    assert "Cuddio sylw sarhaus" in output and "Pwy sy'n gwneud hyn (caiff ei gofnodi" in output  # --by


def test_the_locale_chooses_welsh_for_the_real_command() -> None:
    welsh = run_cli(ROOT, "--help", env=environment({"LANG": "cy_GB.UTF-8"}, drop=("LANGUAGE", "LC_ALL")))
    assert welsh.returncode == 0 and welsh.stdout.startswith("Defnydd: "), welsh.stdout + welsh.stderr
    assert "Gorchmynion:" in welsh.stdout
    checked = run_cli(ROOT, "--lang", "cy", "check", "--help")
    assert "Dilysu'r cynnwys" in checked.stdout and "Opsiynau:" in checked.stdout
    english = run_cli(ROOT, "--lang", "en", "--help", env=environment({"LANG": "cy_GB.UTF-8"}))
    assert english.stdout.startswith("Usage: ") and "Commands:" in english.stdout


def test_version_is_said_in_the_language_asked_for() -> None:
    assert invoke("--lang", "cy", "--version")[1] == "publisher, fersiwn 0.1.0\n".replace("0.1.0", _version())
    assert invoke("--version")[1] == f"publisher, version {_version()}\n"


def _version() -> str:
    from publisher import __version__

    return __version__


# click's own words ----------------------------------------------------------------------------------------------------


def test_a_usage_error_is_welsh_through_the_real_entry_point() -> None:
    result = run_cli(ROOT, "--lang", "cy", "check", "--bogus")
    assert result.returncode == 2
    assert "publisher check [OPTIONS] [PATHS]...\nRhowch gynnig ar '" in result.stderr
    assert result.stderr.startswith("Defnydd: ") and "publisher check --help' i gael help." in result.stderr
    assert "Gwall: Nid oes opsiwn '--bogus'." in result.stderr
    english = run_cli(ROOT, "check", "--bogus")
    assert "Error: No such option: --bogus" in english.stderr or "Error: No such option '--bogus'." in english.stderr


@pytest.mark.parametrize(
    ("args", "welsh"),
    [
        (("status", "--state", "x"), "Gwall: Gwerth annilys ar gyfer --state: Nid yw 'x' yn statws"),
        (("report", "cadence", "--weeks", "0"), "Gwall: Gwerth annilys ar gyfer '--weeks': Nid yw 0 yn yr ystod"),
        (("pause",), "Gwall: Opsiwn ar goll '--reason'."),
        (("preview",), "Gwall: Ymresymiad ar goll 'POST_ID'."),
        (("nosuch",), "Gwall: Nid oes gorchymyn 'nosuch'."),
        (("report", "costs", "--format", "xml"), "Nid yw 'xml' yn un o 'text', 'json', 'csv'."),
        (("status", "a", "b"), "Gwall: Cafwyd ymresymiad ychwanegol annisgwyl (b)"),
    ],
)
def test_click_usage_errors_are_welsh(args: tuple[str, ...], welsh: str) -> None:
    code, output = invoke("--lang", "cy", *args)
    assert code == 2 and welsh in output, output
    assert "Rhowch gynnig ar '" in output and "Defnydd: " in output


def test_the_language_does_not_outlive_the_command() -> None:
    invoke("--lang", "cy", "nosuch")
    invoke("--lang", "cy", "check", "--help")
    assert i18n._("Usage:") == "Usage:"
    assert "Error: No such command 'nosuch'." in invoke("nosuch")[1]
    assert "  -h, --help  " in (english := invoke("check", "--help")[1]) and "Show this message and exit." in english


def test_click_words_are_clicks_own_msgids() -> None:
    """The marked words are copied from click's source: if click rewords one, this says which."""
    found: set[object] = set()
    for name in click_words.CLICK_MODULES:
        source = importlib.import_module(f"click.{name}").__file__
        assert source is not None
        for _line, message, _comments, _context in extract_from_file(
            "python", source, keywords={"_": None, "ngettext": (1, 2)}
        ):
            found.add(message)
    plurals = _plural_msgids()
    assert set(click_words.WORDS) - found == set()
    assert set(plurals) - found == set()


def _plural_msgids() -> list[tuple[str, str]]:
    """The (singular, plural) pairs click_words marks with ngettext()."""
    marked = extract_from_file("python", click_words.__file__, keywords={"ngettext": (1, 2)})
    return [(message[0], message[1]) for _line, message, _comments, _context in marked if isinstance(message, tuple)]


FIELD = re.compile(r"\{(\w+)[^{}]*\}")


def test_the_welsh_of_clicks_words_formats_with_clicks_fields() -> None:
    """click fills its words with str.format: the Welsh may leave a field out but must not invent one."""
    with open(ROOT / "publisher" / "locale" / "cy" / "LC_MESSAGES" / "publisher.po", "rb") as handle:
        catalog = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle) if m.id}
    for word in (*click_words.WORDS, *(s for s, _p in _plural_msgids())):
        message = catalog[word]
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        fields = {name for text in sources for name in FIELD.findall(text)}
        for welsh in [message.string] if isinstance(message.string, str) else list(message.string):
            used = {name for _t, name, _s, _c in string.Formatter().parse(welsh) if name}
            assert welsh and used <= fields, (word, welsh)
            if "%(" not in welsh:
                assert welsh.format(**dict.fromkeys(fields, "x"))


def _in(language: str, n: int) -> tuple[list[str], list[str]]:
    """click's words and its plural words (for ``n``) as the catalog gives them in ``language``."""

    def look_up() -> tuple[list[str], list[str]]:
        i18n.set_language(language)
        return [i18n._(word) for word in click_words.WORDS], click_words.plural_words(n)

    return copy_context().run(look_up)


def test_english_keeps_clicks_words_exactly_and_welsh_has_each() -> None:
    for n in (1, 2):
        english, english_plurals = _in("en", n)
        welsh, welsh_plurals = _in("cy", n)
        assert english == list(click_words.WORDS)
        assert english_plurals == [singular if n == 1 else plural for singular, plural in _plural_msgids()]
        assert [w for w, e in zip(welsh, english, strict=True) if w == e] == []
        assert [w for w, e in zip(welsh_plurals, english_plurals, strict=True) if w == e] == []


# every help string is in the catalog ----------------------------------------------------------------------------------


def _commands() -> Iterator[tuple[str, click.Command]]:
    """Every command and group of the CLI, with its path (imported as the lazy group imports them)."""
    yield "publisher", cli
    stack = [
        (name, getattr(importlib.import_module(module), attribute))
        for name, (module, attribute, _h) in COMMANDS.items()
    ]
    while stack:
        path, command = stack.pop()
        yield path, command
        if isinstance(command, click.Group):
            stack.extend((f"{path} {name}", sub) for name, sub in command.commands.items())


def _help_texts() -> Iterator[tuple[str, str]]:
    for path, command in _commands():
        for text in (command.help, command.short_help):
            if text:
                yield path, text
        for param in command.params:
            if getattr(param, "help", None):
                yield f"{path} {param.name}", param.help  # type: ignore[misc]
    for name, (_module, _attribute, text) in COMMANDS.items():
        yield f"COMMANDS[{name}]", text


def test_every_help_string_is_marked_for_the_catalog_and_has_its_welsh(extracted_messages: set[object]) -> None:
    texts = list(_help_texts())
    assert len(texts) > 100, "the walk found (almost) no help: check COMMANDS"
    unmarked = sorted(where for where, text in texts if text not in extracted_messages)
    assert unmarked == [], "help not marked with N_() (so not in the catalog): " + ", ".join(unmarked)
    welsh = i18n.catalog("cy")
    untranslated = sorted(where for where, text in texts if welsh.gettext(text) == text)
    assert untranslated == [], "help without its Welsh: " + ", ".join(untranslated)


def test_every_command_has_help() -> None:
    assert sorted(path for path, command in _commands() if not command.help) == []


# each command's messages ----------------------------------------------------------------------------------------------


def test_check_says_its_summary_in_welsh_with_welsh_plurals(project: Project) -> None:
    project.post()
    code, output = invoke("--lang", "cy", "check", "--no-cache")
    assert "Wedi gwirio 1 postiad: 0 o wallau," in output, output
    code, english = invoke("check", "--no-cache")
    assert "1 post checked: 0 errors, " in english
    code, output = invoke("--lang", "cy", "check", "nowhere")
    assert code == 2 and "dim ffeil na ffolder o'r fath: nowhere" in output


def test_preview_in_welsh(project: Project) -> None:
    project.post()
    code, output = invoke("--lang", "cy", "preview", "post")
    assert code == 0, output
    assert output.startswith("Postiad post\n  yn cyhoeddi am ")
    assert "Cymraeg + Saesneg -> local (outbox): " in output and " o nodau, dim terfyn" in output
    code, english = invoke("preview", "post")
    assert english.startswith("Post post\n  publishes at ") and " characters, no limit" in english


def test_init_and_wordbank_in_welsh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke("--lang", "cy", "init", "site")
    assert code == 0, output
    assert "wedi ysgrifennu " in output and "Nesaf: git init, commit, a 'publisher check'" in output
    monkeypatch.chdir(tmp_path / "site")
    code, output = invoke("--lang", "cy", "wordbank", "search", "zzzz-dim")
    assert "Nid oes dim yn y banc geiriau yn cyfateb i 'zzzz-dim'." in output
    code, output = invoke("--lang", "cy", "init", ".")
    assert code == 1 and output.startswith("Gwall: ")


def test_status_pause_and_resume_in_welsh(project: Project) -> None:
    assert run_cli(project.root, "run", "--once").returncode == 0  # pause acts on the daemon's database
    code, output = invoke("--lang", "cy", "pause", "--reason", "Etholiad", "--by", "A. Jones")
    assert code == 0 and output.startswith("wedi oedi: pob cyfrif (")
    code, output = invoke("--lang", "cy", "status")
    assert "WEDI OEDI: pob cyfrif ers " in output and "nes ailddechrau" in output, output
    assert "Dim postiadau yn y gronfa ddata eto." in output
    code, output = invoke("--lang", "cy", "resume", "--by", "A. Jones")
    assert code == 0 and output.startswith("wedi ailddechrau: pob cyfrif (")
    code, output = invoke("--lang", "cy", "resume")
    assert code == 1 and "nid oedd dim wedi'i oedi gyda 'publisher pause'" in output
    code, output = invoke("--lang", "cy", "retry", "nosuch")
    assert code == 2 and "Gwall: Gwerth annilys ar gyfer POST_ID: " in output


def test_reports_audit_review_and_inbox_in_welsh(project: Project) -> None:
    code, output = invoke("--lang", "cy", "report", "compliance")
    assert "0 wedi'u cyhoeddi: 0 yn gwbl ddwyieithog" in output, output
    code, output = invoke("--lang", "cy", "report", "costs")
    assert "Dim tabl prisiau yn y ffurfweddiad" in output
    code, output = invoke("--lang", "cy", "report", "compliance", "--from", "2027-02-01", "--to", "2027-01-01")
    assert code == 2 and "Mae --to cyn --from" in output
    code, output = invoke("--lang", "cy", "audit", "verify")
    assert "mae'r trywydd yn gyflawn." in output, output
    code, output = invoke("--lang", "cy", "review", "list")
    assert "Nid oes unrhyw bostiadau argyfwng yn aros am adolygiad." in output
    code, output = invoke("--lang", "cy", "inbox", "fetch")
    assert "Dim cyfrifon mewnflwch" in output


def test_accounts_check_in_welsh(project: Project) -> None:
    _code, output = invoke("--lang", "cy", "accounts", "check", "--account", "local")
    assert "Wedi gwirio 1 cyfrif; mae angen person ar " in output, output
    _code, english = invoke("accounts", "check", "--account", "local")
    assert "1 account(s) checked; " in english


def test_option_checks_of_emergency_run_and_web_in_welsh() -> None:
    code, output = invoke("--lang", "cy", "emergency", "--account", "a", "--reason", "r", "--by", "b", "--var", "x")
    assert code == 2 and "Nid yw 'x' ar ffurf KEY=VALUE" in output
    code, output = invoke("--lang", "cy", "run", "--metrics", "nowhere")
    assert code == 2 and "Nid yw 'nowhere' yn gyfeiriad fel 127.0.0.1:9108" in output


def test_web_and_users_in_welsh(project: Project) -> None:
    code, output = invoke("--lang", "cy", "web", "--bind", "nowhere")
    assert code == 2 and "Gwall: Gwerth annilys ar gyfer --bind: rhowch GWESTEIWR:PORTH" in output
    code, output = invoke("--lang", "cy", "users", "add", "x", "--role", "boss")
    assert code == 2 and "Nid yw 'boss' yn un o 'viewer', 'editor'" in output


def test_a_configuration_error_is_welsh(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("timezone = 'Nowhere/Else'\n", encoding="utf-8")
    result = run_cli(tmp_path, "--lang", "cy", "--config", "bad.toml", "status")
    assert result.returncode == 2 and result.stderr.startswith("publisher: gwall ffurfweddu: "), result.stderr
