"""Click's own words in Welsh: "Usage:", "Options:", "Error: ...", "Try '...' for help." (docs/translation.md).

click asks the standard library's ``gettext.gettext``/``ngettext`` for its
words, bound as the names ``_`` and ``ngettext`` in each of its modules when
they are imported. Binding a gettext domain would follow only the process's
locale, not ``--lang``, and would answer for every library in the process; so
:func:`install` binds those names in click's modules to publisher's own
:func:`~publisher.i18n._` and :func:`~publisher.i18n.ngettext` instead, which
look the words up in publisher's catalog in the language of the command
(``--lang`` or the locale). In English the catalog has no entries for them, so
click's words come out exactly as click wrote them.

The msgids below are click's, copied verbatim from its source (core.py,
exceptions.py, types.py, decorators.py, formatting.py, parser.py, termui.py,
utils.py), so the extraction puts them in the catalog with their Welsh; a test
holds every one to click's source. Messages only a programmer of the CLI can
meet (a parameter declared twice, an unknown colour) are left in English, and
so are the nouns click chooses when a module is imported ("file" in "File
'x' does not exist."): the Welsh of those sentences names the path without them.
"""

from __future__ import annotations

import importlib

from publisher.i18n import N_, _, ngettext

CLICK_MODULES = ("core", "exceptions", "types", "decorators", "formatting", "parser", "termui", "utils")

WORDS = (
    N_("Aborted!"),
    N_("deprecated"),
    N_("Options"),
    N_("Positional arguments"),
    N_("Commands"),
    N_("Missing command."),
    N_("env var: {var}"),
    N_("default: {default}"),
    N_("(dynamic)"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("unknown error"),
    N_("Could not open file {filename!r}: {message}"),
    N_("Choose from:\n\t{choices}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("%(prog)s, version %(version)s"),
    N_("Show the version and exit."),
    N_("Show this message and exit."),
    N_("Usage:"),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Option {name!r} does not take a value."),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
    N_("Press any key to continue..."),
)


def plural_words(n: int) -> list[str]:
    """Click's messages that vary with a count, for ``n`` (marked for the catalog here; the tests read them)."""
    return [
        ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", n),
        ngettext("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given.", n),
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
        ngettext("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}.", n),
        ngettext(
            "{len_type} values are required, but {len_value} was given.",
            "{len_type} values are required, but {len_value} were given.",
            n,
        ),
        ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", n),
    ]


def install() -> None:
    """Make click's modules ask publisher's catalog, in the language of the command, for their words."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
