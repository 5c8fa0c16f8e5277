"""Every message people read goes through the catalog (docs/translation.md "What is translated").

A static guard, so that "every message in Welsh and English" stays true after
today's conversion: the source of each module is parsed (``ast`` only, nothing
is imported, so it takes well under a second) and every place that shows a
message to a person is looked at:

- ``click.echo``/``secho``/``print``, ``click.ClickException``/``UsageError``/
  ``BadParameter``, ``ctx.fail``, ``sys.exit``/``SystemExit`` with a text;
- ``ConfigError`` and every exception a module raises with a text (a service's
  refusal, a platform's error): ``raise AnyError("...")``;
- findings: ``Finding(message=...)``, ``RULE.at(post, file, line, message)``
  and the fix hint of ``Rule(code, severity, hint)``;
- the web's ``flash(...)`` and ``abort(code, ...)``.

A message is unmarked when it is (or is built from) a string literal with
words in it that does not go through ``_()``, ``ngettext()`` or ``N_()``: a
literal, an f-string, ``"..." % x``, ``"...".format(x)``, ``+`` of those, or a
local variable assigned one of those in the same function. Text without words
(``f"{a}: {b}"``, ``", ".join(...)``) and values from elsewhere (``str(exc)``,
a call) pass: they are judged where they are made. Two misuses of the catalog fail
too: an f-string or a built string inside ``_()`` (its msgid can never match the
catalog), and ``_()`` called at import time (it would fix one language for the whole
process: a table of labels is marked with ``N_()`` and translated when shown).

Machine output (JSON, CSV, ``--format github``) keeps its English structure;
the few literals that are such output are in ``ALLOWED`` with the reason.

The failure names ``file:line`` of every unmarked message. Issue 17 phase 2
converts the modules in four branches at once: ``PENDING`` lists the parts
converted on the other branches, which are expected to fail here until they
are merged; the lead empties it after the merge, and from then on the whole
list in ``ENFORCED`` holds.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Where people read the messages: every module under these paths is checked.
ENFORCED = (
    "publisher/cli",
    "publisher/services",
    "publisher/rules",
    "publisher/reports",
    "publisher/web",
    "publisher/emergency",
    "publisher/inbox",
    "publisher/config.py",
    "publisher/platforms",
    "publisher/durations.py",
    "publisher/workdays.py",
    "publisher/content",
    "publisher/text",
    "publisher/files.py",
    "publisher/findings.py",
    "publisher/queue",
    "publisher/operations.py",
)

# Converted on the other branches of issue 17 phase 2 (scopes A-C); empty this after merging them.
PENDING: set[str] = set()

# (file, the literal's text): why it is not translated. Machine output only; keep this short.
ALLOWED: dict[tuple[str, str], str] = {
    ("publisher/queue/db.py", "BEGIN IMMEDIATE"): "the SQL statement an OperationalError names",
    ("publisher/content/post.py", "binary"): "an internal marker, caught and reported as a coded finding",
    (
        "publisher/queue/models.py",
        "naive datetime given to the database; use UTC-aware datetimes",
    ): "a programming error",
}

MARKERS = {"_", "ngettext", "N_", "gettext"}
SHOWN = {"echo", "secho", "print", "flash", "fail", "exit"}  # a function (or method) that shows its first argument
EXCEPTIONS = {"ClickException", "UsageError", "BadParameter", "SystemExit", "ConfigError"}
NOT_SHOWN = {"NotImplementedError", "AssertionError", "TypeError", "KeyError", "StopIteration", "LookupError"}
WORDS = re.compile(r"[A-Za-z]{2,}")
UNTRANSLATED = {"publisher", "cy", "en"}  # the program's name and the language codes: the same in both languages


def _has_words(text: str) -> bool:
    """Whether ``text`` has a word a person would need translated."""
    return any(word not in UNTRANSLATED for word in WORDS.findall(text))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literals(node: ast.expr) -> Iterator[str]:
    """The literal text a message expression is made of, unless it went through the catalog."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield from _literals(node.left)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.Call) and _name(node.func) == "format" and isinstance(node.func, ast.Attribute):
        yield from _literals(node.func.value)  # "...".format(...)


def _messages(call: ast.Call, raised: bool) -> list[ast.expr]:
    """The arguments of ``call`` that are texts shown to a person (empty: not a message call)."""
    name = _name(call.func)
    keyword = {k.arg: k.value for k in call.keywords}
    first = call.args[:1] + ([keyword["message"]] if "message" in keyword else [])
    if name in MARKERS:
        return []
    if name in SHOWN or name in EXCEPTIONS:
        return first
    if name == "abort":
        return call.args[1:2] + ([keyword["description"]] if "description" in keyword else [])
    if name == "at":  # RULE.at(post, file, line, message)
        return call.args[3:4] + ([keyword["message"]] if "message" in keyword else [])
    if name == "Finding":
        return [keyword["message"]] if "message" in keyword else call.args[5:6]
    if name == "Rule":
        return call.args[2:3] + ([keyword["hint"]] if "hint" in keyword else [])
    if raised and name[:1].isupper() and name not in NOT_SHOWN:
        return first
    return []


def _assignments(function: ast.AST) -> dict[str, list[ast.expr]]:
    """What each local name is assigned in one function (to follow ``message = f"..."`` to where it is shown)."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.setdefault(node.target.id, []).append(node.value)
    return found


def _unmarked_in(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, text) of every unmarked message in one module, and of every message translated at import time."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    raised = {id(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise) and n.exc}
    assigned: dict[ast.AST, dict[str, list[ast.expr]]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function, deferred = _enclosing(node, parents)
        if _name(node.func) in MARKERS and any(isinstance(a, ast.JoinedStr | ast.BinOp) for a in node.args):
            yield node.lineno, "an f-string or a built string inside _() (the catalog cannot hold it: use placeholders)"
        if function is None and not deferred and _name(node.func) in ("_", "ngettext"):
            yield node.lineno, "translated at import time (mark it with N_() and translate it when shown)"
        if function is not None and function not in assigned:
            assigned[function] = _assignments(function)
        local = assigned[function] if function is not None else {}
        for message in _messages(node, id(node) in raised):
            sources = local.get(message.id, []) if isinstance(message, ast.Name) else [message]
            for source in sources:
                yield from ((source.lineno, text) for text in _literals(source) if _has_words(text))


def _enclosing(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> tuple[ast.AST | None, bool]:
    """The function ``node`` is in (None: the module), and whether it runs later than import (in a lambda)."""
    deferred = False
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            return parent, True
        deferred = deferred or isinstance(parent, ast.Lambda)
        parent = parents.get(parent)
    return None, deferred


def unmarked(source: str, display: str) -> list[str]:
    """``display:line: "text"`` for each unmarked message in ``source`` (what the guard reports)."""
    problems = []
    for line, text in sorted(set(_unmarked_in(ast.parse(source)))):
        if (display, text) not in ALLOWED:
            problems.append(f"{display}:{line}: {text.strip()!r}")
    return problems


def _files(part: str) -> list[Path]:
    path = ROOT / part
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


@pytest.mark.parametrize(
    "part",
    [
        pytest.param(
            part,
            marks=pytest.mark.xfail(reason="converted on another branch of issue 17 phase 2", strict=False)
            if part in PENDING
            else (),
        )
        for part in ENFORCED
    ],
)
def test_every_message_goes_through_the_catalog(part: str) -> None:
    problems = []
    for path in _files(part):
        problems += unmarked(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert not problems, (
        "messages people read that bypass the catalog: wrap each in _() (or ngettext()/N_()) with named "
        "placeholders and add its Welsh (docs/translation.md):\n" + "\n".join(problems)
    )


def test_the_guard_finds_each_kind_of_unmarked_message() -> None:
    source = textwrap.dedent(
        """
        import click
        from publisher.i18n import N_, _

        RULE = Rule("too-long", "error", "shorten the text")
        FINE = Rule("too-long", "error", N_("shorten the text"))
        EARLY = {"held": _("held")}

        def command(path, name, n):
            click.echo(f"wrote {path}")
            click.echo(_("wrote %(path)s") % {"path": path})
            click.echo(f"{path}: {name}")
            message = f"account '{name}' is not in the config"
            yield RULE.at(post, path, 1, message)
            yield RULE.at(post, path, 1, _("account '%(name)s' is not in the config") % {"name": name})
            raise ConfigError("%s: not valid TOML" % path)
            raise PauseRefused("nothing is paused" if n else "already paused")
            raise click.UsageError("give a post id")
            flash("Removed.")
            raise ValueError(_("not a duration: %(value)r") % {"value": n})
            raise NotImplementedError("subclasses implement this")
            click.echo(_(f"wrote {path}"))
        """
    )
    assert [problem.split(": ", 1)[0] for problem in unmarked(source, "x.py")] == [
        "x.py:5",
        "x.py:7",
        "x.py:10",
        "x.py:13",
        "x.py:16",
        "x.py:17",
        "x.py:17",
        "x.py:18",
        "x.py:19",
        "x.py:22",
    ]


def test_the_allowed_literals_are_still_there() -> None:
    """An allow-list entry whose literal is gone is dead: remove it."""
    for file, text in ALLOWED:
        assert text in (ROOT / file).read_text(encoding="utf-8"), (file, text)
