"""Every finding and fix hint in Welsh under ``--lang cy`` (docs/translation.md), English unchanged by default.

One representative finding of every rule module (the per-post rules and the cross checks) is produced twice,
in English and in Welsh; the Welsh must differ and hold no English sentence. Then the real command: the
``trwsio:`` lines, the check cache keyed by language, and forked workers judging in the command's language.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from publisher import rules
from publisher.findings import Finding
from publisher.i18n import reset_language, set_language
from publisher.rules import credentials_missing, reply_language
from publisher.rules.wordbank_templates import check_templates

from _cli import environment
from conftest import BASE_CONFIG, CY_BODY, CY_FRONT, EN_BODY, NOW, Project
from pictures import plain

JPEG = plain((400, 300), "JPEG")
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
LINKS = '[links]\nprefixes = [{cy = "https://www.powys.gov.uk/cy/", en = "https://www.powys.gov.uk/en/"}]\n'
WEEKLY = 'name: weekly\naccounts: [local]\nslots:\n  - {days: [tue], at: "10:00"}\n'

Produce = Callable[[], list[Finding]]


def _only(project: Project, code: str) -> Produce:
    return lambda: [f for f in project.check().findings if f.code == code]


def _media(project: Project, code: str, **item: str) -> Produce:
    project.write("content/photo.jpg", JPEG)
    fields = {
        "file": "photo.jpg",
        "alt": "Plant yn chwarae ar gae'r ysgol.",
        "consent": "not-required",
        "rights": "own",
    }
    fields.update(item)
    lines = "".join(f"    {key}: {value}\n" for key, value in fields.items() if value)
    lines = "  - " + lines[4:]
    cy = f"publish_at: 2027-01-12T10:00\naccounts: [local]\nmedia:\n{lines}{REVIEWED}"
    project.post(cy_front=cy, en_front="media:\n  - file: photo.jpg\n    alt: Children playing on the school field.\n")
    return _only(project, code)


def _text(
    project: Project, code: str, cy: str = CY_BODY, en: str = EN_BODY, front: str = CY_FRONT, en_front: str = ""
) -> Produce:
    project.post(cy_front=front, cy_body=cy, en_body=en, en_front=en_front)
    return _only(project, code)


def _pair_missing(project: Project) -> Produce:
    project.post()[1].unlink()
    return _only(project, "pair-missing")


def _bidi(project: Project) -> Produce:
    return _text(project, "bidi-control", cy=CY_BODY + " \u202e")


def _image_text(project: Project) -> Produce:
    from publisher.text.image_text import ImageTextReader

    produce = _media(project, "image-text-language")

    def without_ocr() -> list[Finding]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ImageTextReader, "available", property(lambda self: False))
            return produce()

    return without_ocr


def _image_unfit(project: Project) -> Produce:
    project.write("content/photo.jpg", JPEG)
    alt = "Lori graeanu felen ar ffordd wledig dan eira. " * 25
    cy = f"publish_at: 2027-01-12T10:00\naccounts: [powys-x]\nmedia:\n  - file: photo.jpg\n    alt: {alt.strip()}\n"
    cy += f"    consent: not-required\n    rights: own\n{REVIEWED}"
    project.post(cy_front=cy, en_front="media:\n  - file: photo.jpg\n    alt: A yellow gritting lorry.\n")
    return _only(project, "image-unfit")


def _link_language(project: Project) -> Produce:
    project.write("config/publisher.toml", BASE_CONFIG + LINKS)
    url = "https://www.powys.gov.uk/en/libraries"
    return _text(project, "link-language", cy=f"{CY_BODY}\n\nMwy: {url}", en=f"{EN_BODY}\n\nMore: {url}")


def _accounts_differ(project: Project) -> Produce:
    project.write("schedules/weekly.yaml", WEEKLY)
    project.post(cy_front=f"schedule: weekly\naccounts: [powys-x]\n{REVIEWED}")
    return _only(project, "accounts-differ")


def _schedule_late(project: Project) -> Produce:
    late = (NOW - timedelta(hours=1)).isoformat()
    return _text(project, "schedule-late", front=CY_FRONT.replace("2027-01-12T10:00", late))


def _schedule_empty(project: Project) -> Produce:
    project.write("schedules/weekly.yaml", WEEKLY)
    project.post()
    return _only(project, "schedule-empty")


def _file_misnamed(project: Project) -> Produce:
    project.post()
    project.write("content/other.eng.md", "---\n---\nText\n")
    return _only(project, "file-misnamed")


def _credentials(project: Project) -> Produce:
    return lambda: credentials_missing.check_accounts(project.config(), {})


def _reply(project: Project) -> Produce:
    return lambda: list(reply_language.check_reply("cy", "", "Thanks, we will look into it.", "inbox", "reply"))


def _templates(project: Project) -> Produce:
    from publisher.content.wordbank import Template

    template = Template(name="vars", description="", variables=("area",), cy="Rhybudd {{ place }}.", en="{{ area }}.")
    return lambda: check_templates({"vars": template}, "templates:\n  - name: vars\n", "config/wordbank.yaml")


CASES: dict[str, Callable[[Project], Produce]] = {
    "pair-missing": _pair_missing,
    "pair-mismatch": lambda p: _text(p, "pair-mismatch", en_front="publish_at: 2027-01-13T10:00\n"),
    "front-matter-invalid": lambda p: _text(p, "front-matter-invalid", en=""),
    "bidi-control": _bidi,
    "language-mismatch": lambda p: _text(p, "language-mismatch", cy=EN_BODY, en=CY_BODY),
    "language-mixed": lambda p: _text(
        p, "language-mixed", cy="Bydd y llyfrgell ar gau. Please contact the customer services team for help. Diolch."
    ),
    "alt-missing": lambda p: _media(p, "alt-missing", alt="photo.jpg"),
    "consent-missing": lambda p: _media(p, "consent-missing", consent=""),
    "consent-invalid": lambda p: _media(p, "consent-invalid", consent="NOPE"),
    "rights-missing": lambda p: _media(p, "rights-missing", rights=""),
    "media-missing": lambda p: _media(p, "media-missing", file="absent.jpg"),
    "image-unfit": _image_unfit,
    "image-text-language": _image_text,
    "translation-unreviewed": lambda p: _text(p, "translation-unreviewed", front=CY_FRONT.replace("true", "false")),
    "too-long": lambda p: _text(
        p, "too-long", cy=CY_BODY * 3, en=EN_BODY * 3, front=CY_FRONT.replace("[local]", "[powys-x-combined]")
    ),
    "schedule-invalid": lambda p: _text(
        p, "schedule-invalid", front=CY_FRONT.replace("2027-01-12T10:00", "2027-03-28T01:30")
    ),
    "schedule-late": _schedule_late,
    "account-unknown": lambda p: _text(p, "account-unknown", front=CY_FRONT.replace("[local]", "[powys-facebok]")),
    "accounts-differ": _accounts_differ,
    "welsh-parity": lambda p: _text(p, "welsh-parity", cy="Bydd y llyfrgell ar gau ddydd Llun."),
    "personal-data": lambda p: _text(p, "personal-data", cy=CY_BODY + " Ffoniwch Siân ar 07700 900123."),
    "link-language": _link_language,
    "accessibility": lambda p: _text(p, "accessibility", cy=CY_BODY + " Mae'r ADEILAD ar gau."),
    "schedule-empty": _schedule_empty,
    "file-misnamed": _file_misnamed,
    "credentials-missing": _credentials,
    "reply-language": _reply,
    "wordbank-templates": _templates,
}

# Words of English that Welsh never uses; quoted text, paths, keys and addresses are taken out first.
ENGLISH = {"the", "is", "are", "and", "of", "to", "with", "not", "has", "have", "this", "that", "or", "it", "for"}
ENGLISH |= {"from", "should", "must", "add", "give", "remove", "write", "file", "text", "but", "in", "on"}
ENGLISH |= {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "apr", "jun", "jul", "aug", "oct", "dec"}
ENGLISH |= {"media", "item", "image", "alt", "shorten", "long", "limit", "counts", "would", "which", "there"}
LITERAL = re.compile(
    r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|“[^”]*”|https?://\S+|\S+\.(?:md|yaml|toml|csv|env)\b|\{[^}]*\}|\([a-z]+, \w+\)"
)


def english_words(message: str) -> set[str]:
    """The English words left in ``message`` once what is quoted or named is taken out."""
    words = re.findall(r"[\w.:/-]+", LITERAL.sub(" ", message))  # not-required, max_lateness: names, not words
    return {word.strip(".:/-") for word in words if word.strip(".:/-").lower() in ENGLISH}


@contextmanager
def language(code: str) -> Iterator[None]:
    token = set_language(code)
    try:
        yield
    finally:
        reset_language(token)


def test_every_rule_module_has_a_case() -> None:
    modules = {module.RULE.code for module in (*rules.ALL, *rules.CROSS_CHECKS)}
    assert modules | {"wordbank-templates"} == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_rule_speaks_welsh_under_cy_and_english_by_default(project: Project, code: str) -> None:
    produce = CASES[code](project)
    english = produce()
    with language("en"):
        assert [f.message for f in produce()] == [f.message for f in english], "English is the default"
    with language("cy"):
        welsh = produce()
    assert english, f"the case for {code} produces no finding"
    assert [(f.code, f.file, f.line) for f in welsh] == [(f.code, f.file, f.line) for f in english]
    for cy, en in zip(welsh, english, strict=True):
        assert cy.message != en.message, en.message
        assert english_words(cy.message) == set(), cy.message
        assert english_words(en.message), f"the English check would not notice English: {en.message}"


def test_every_fix_hint_is_translated() -> None:
    for rule in rules.BY_CODE.values():
        with language("cy"):
            from publisher.i18n import _

            welsh = _(rule.hint)
        assert welsh != rule.hint and english_words(welsh) == set(), rule.code


def run(project: Project, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        env=env or environment(drop=("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")),
    )


def test_the_fix_line_reads_trwsio_in_welsh_and_fix_in_english(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    welsh = run(project, "--lang", "cy", "check").stdout.splitlines()
    assert welsh[2].strip() == "trwsio: defnyddiwch enw cyfrif o [accounts] yn config/publisher.toml"
    assert "nid yw'r cyfrif 'nope' yn y ffurfweddiad" in welsh[1]
    assert ": gwall [account-unknown] " in welsh[1]  # the severity is a word for people too
    english = run(project, "check").stdout.splitlines()
    assert ": error [account-unknown] " in english[1]
    assert english[2].strip() == "fix: use an account name from [accounts] in config/publisher.toml"


def test_machine_formats_keep_their_structure_with_welsh_messages(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    data = json.loads(run(project, "--lang", "cy", "check", "--format", "json").stdout)
    [finding] = data["findings"]
    assert set(finding) == {"code", "severity", "file", "line", "post", "message"}
    assert finding["code"] == "account-unknown" and finding["severity"] == "error"
    assert finding["message"].startswith("nid yw'r cyfrif 'nope'")
    github = run(project, "--lang", "cy", "check", "--format", "github").stdout.splitlines()[0]
    assert github.startswith("::error file=content/post.cy.md,line=3::account-unknown nid yw'r cyfrif 'nope'")


def test_the_cache_never_answers_in_the_other_language(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    english = json.loads(run(project, "check", "--format", "json").stdout)["findings"][0]["message"]
    welsh = json.loads(run(project, "--lang", "cy", "check", "--format", "json").stdout)["findings"][0]["message"]
    again = json.loads(run(project, "check", "--format", "json").stdout)["findings"][0]["message"]
    assert english == again and english.startswith("account 'nope' is not in the config")
    assert welsh.startswith("nid yw'r cyfrif 'nope' yn y ffurfweddiad")


def _many_posts(project: Project, count: int) -> None:
    for number in range(count):
        project.post(f"p{number:04d}", cy_front=CY_FRONT.replace("[local]", "[nope]"))


@pytest.mark.parametrize("how", ["--lang", "LANG"])
def test_forked_workers_judge_in_the_commands_language(project: Project, how: str) -> None:
    """Enough posts for the workers (PARALLEL_FROM, forced to 2 workers): every finding still in Welsh."""
    from publisher.services import validation

    _many_posts(project, validation.PARALLEL_FROM + 10)
    script = (
        "import sys; from publisher.services import validation; validation._workers = lambda: 2; "
        "from publisher.cli import cli; cli(sys.argv[1:], prog_name='publisher')"
    )
    env = environment(drop=("LANGUAGE", "LC_ALL", "LC_MESSAGES"))
    args = ["--lang", "cy"] if how == "--lang" else []
    env["LANG"] = "cy_GB.UTF-8" if how == "LANG" else "C.UTF-8"
    result = subprocess.run(
        [sys.executable, "-c", script, *args, "check", "--format", "json", "--no-cache"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    findings = json.loads(result.stdout)["findings"]
    unknown = [f["message"] for f in findings if f["code"] == "account-unknown"]
    assert len(unknown) == validation.PARALLEL_FROM + 10
    assert all(m.startswith("nid yw'r cyfrif 'nope' yn y ffurfweddiad") for m in unknown), unknown[:3]


def test_workers_really_are_used_for_that_many_posts(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker test above is only a proof if that many posts go to the workers."""
    from publisher.services import validation

    used: list[int] = []
    original = validation._in_workers
    monkeypatch.setattr(validation, "_workers", lambda: 2)
    monkeypatch.setattr(validation, "_in_workers", lambda *a: used.append(a[1]) or original(*a))
    _many_posts(project, validation.PARALLEL_FROM + 10)
    with language("cy"):
        result = project.check()
    assert used == [validation.PARALLEL_FROM + 10]
    assert all(f.message.startswith("nid yw'r cyfrif") for f in result.findings if f.code == "account-unknown")


def test_the_contents_own_problems_are_in_welsh(project: Project) -> None:
    """Front matter, YAML, time and file-reading problems become findings in the command's language."""
    project.post("keys", cy_front=CY_FRONT + "acounts: [local]\n")
    project.post("time", cy_front=CY_FRONT.replace("2027-01-12T10:00", "next tuesday"))
    project.write("content/tab.cy.md", "---\npublish_at: 2027-01-12T10:00\n\taccounts: [local]\n---\nTestun\n")
    project.write("content/tab.en.md", "---\n---\nText\n")
    with language("cy"):
        messages = {f.post: f.message for f in project.check().findings if f.code == "front-matter-invalid"}
        invalid = {f.post: f.message for f in project.check().findings if f.code == "schedule-invalid"}
    assert messages["keys"] == "allwedd anhysbys 'acounts'; ai 'accounts' oedd gennych?"
    assert messages["tab"] == "mae tab yn mewnoli'r llinell hon; mae YAML angen bylchau i fewnoli"
    assert invalid["time"].startswith("nid yw 'next tuesday' yn ddyddiad ac amser ISO 8601")


def test_text_and_register_errors_are_in_welsh(project: Project) -> None:
    from publisher.content.consent import load_register
    from publisher.content.wordbank import Template
    from publisher.errors import ConfigError
    from publisher.text.bio import BioRules, audit_bio
    from publisher.text.templates import TemplateError, render

    template = Template(name="flood", description="", variables=("area",), cy="{{ area }}", en="{{ area }}")
    register = project.write("config/consent.csv", "reference,subject\nA,B\n")
    with language("cy"):
        with pytest.raises(TemplateError, match=r"^mae'r templed 'flood' angen --var ar gyfer: area$"):
            render(template, {})
        with pytest.raises(ConfigError, match=r"mae'r gofrestr caniatâd angen y colofnau"):
            load_register(register)
        assert audit_bio("", BioRules(languages="cy+en")) == [
            "mae'r bywgraffiad yn wag: dywedwch, yn ieithoedd y cyfrif, mai gwasanaeth y cyngor ydyw (polisi 9.6)"
        ]
    with pytest.raises(TemplateError, match=r"^template 'flood' needs --var for: area$"):
        render(template, {})


def test_an_unknown_git_reference_is_refused_in_welsh(project: Project) -> None:
    project.post()
    result = run(project, "--lang", "cy", "check", "--changed-since", "no-such-branch")
    assert result.returncode == 2
    assert "mae --changed-since angen ystorfa git" in result.stderr or "nid yw git yn adnabod" in result.stderr


def test_a_summary_is_told_from_its_length_finding_in_either_language(project: Project) -> None:
    """The emergency path waives "the Welsh is much shorter" for a summary (policy 8.4), in Welsh too."""
    from publisher.rules import welsh_parity

    produce = _text(project, "welsh-parity", cy="Bydd y llyfrgell ar gau ddydd Llun.")
    for code in ("en", "cy"):
        with language(code):
            findings = produce()
            assert [welsh_parity.is_short(f) for f in findings] == [True], code
