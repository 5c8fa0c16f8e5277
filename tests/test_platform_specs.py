"""The platform table (publisher/platforms/specs.py): each record matches its adapter and the docs,
and a new platform is one record and one adapter module (the toy platform proves it end to end).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner
from toy_platform import SPEC as TOY
from toy_platform import Toy

from publisher.cli import cli
from publisher.platforms.account import Account
from publisher.platforms.base import MediaFile, Platform
from publisher.platforms.registry import adapter_class
from publisher.platforms.specs import SPECS, PlatformSpec

from conftest import CY_BODY, EN_BODY, Project

ROOT = Path(__file__).resolve().parent.parent


def _adapter_source(record: PlatformSpec) -> str:
    module = adapter_class(record.name).__module__
    return (ROOT / (module.replace(".", "/") + ".py")).read_text()


def _string_arguments(source: str, method: str) -> set[str]:
    """The string literals passed to ``self.<method>(...)`` in ``source``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
            found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_record_matches_its_adapter(name: str) -> None:
    record = SPECS[name]
    cls = adapter_class(name)
    assert cls.name == name
    assert (cls.edit is not Platform.edit) == record.can_edit, "can_edit must say whether the adapter implements edit"
    assert cls.verify is not Platform.verify, "every platform proves its credentials for the accounts check"
    assert (cls.profile is not Platform.profile) == record.can_audit_profile, "can_audit_profile: profile() exists"
    assert (record.edit_window_minutes is None) or record.can_edit
    source = _adapter_source(record)
    read = _string_arguments(source, "credential") | _string_arguments(source, "identifier")
    assert read == {c.name for c in record.credentials}, "the adapter reads exactly the credentials its record names"
    options = _string_arguments(source, "option")
    assert options <= set(record.options), "an adapter reads only the options its record declares"
    if record.language_field:
        assert f'"{record.language_field}"' in source or f"{record.language_field}=" in source
    assert (cls.collect is not Platform.collect) == record.can_collect, "inbox says whether the adapter collects"
    assert (cls.hide is not Platform.hide) == record.can_hide, "can_hide says whether the adapter implements hide"
    assert not record.paid_reads or record.can_collect, "only a platform the inbox reads can charge for reads"


def _docs_rows(heading: str, page: str = "platforms.md") -> dict[str, list[str]]:
    text = (ROOT / "docs" / page).read_text()
    section = text.split(heading, 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells:
            rows[cells[0].strip("`")] = cells[1:]
        elif rows and not line.startswith("|"):
            break
    return rows


def test_the_docs_table_says_what_the_records_say() -> None:
    rows = _docs_rows("## What each platform takes")
    assert set(rows) == set(SPECS)
    for name, record in SPECS.items():
        limit, _, images, formats, _, alt, hashtags, corrections = rows[name]
        assert limit == (str(record.text_limit) if record.text_limit else "none")
        assert images == (str(record.images_per_post) if record.images_per_post else "any")
        assert set(re.findall(r"[A-Za-z]+", formats.lower())) == set(record.image_formats)
        pixels, aspect, animated = _docs_rows("## Images")[name][:3]
        assert pixels == (f"{record.image_max_pixels:,}" if record.image_max_pixels else "any")
        assert aspect == (
            f"{record.image_aspect[0]:.2f}:1 to {record.image_aspect[1]:.2f}:1" if record.image_aspect else "any"
        )
        assert animated == ("yes" if record.animated_gif else "no")
        assert alt == (str(record.alt_text_limit) if record.alt_text_limit else "any")
        assert hashtags == (str(record.hashtag_cap) if record.hashtag_cap else "any")
        window = record.edit_window_minutes
        edits = f"edit within {window} minutes, then reply" if window else "edit"
        assert corrections == (edits if record.can_edit else "reply")
    credentials = _docs_rows("## Credentials and options")
    for name, record in SPECS.items():
        for credential in record.credentials:
            assert f"`{credential.name}`" in credentials[name][0]
    safety = _docs_rows("## Exactly once")
    assert {name: cells[0] for name, cells in safety.items()} == {n: r.resend_safety for n, r in SPECS.items()}
    readme = _docs_rows("## Platforms", "../README.md")
    languages = {name: cells[2] for name, cells in credentials.items()}
    assert set(readme) == set(SPECS)
    for name, record in SPECS.items():
        language, corrections_cell, resend = readme[name]
        assert resend == record.resend_safety, f"README: {name}'s exactly-once story differs from its record"
        assert corrections_cell == rows[name][-1], f"README: {name}'s corrections differ from docs/platforms.md"
        assert (language.startswith("none") or language.startswith("the file")) == (record.language_field is None)
        if record.language_field:
            assert f"`{record.language_field}`" in language and f"`{record.language_field}`" in languages[name]
    checks = _docs_rows("## Accounts check")
    assert set(checks) == set(SPECS)
    for name, record in SPECS.items():
        _, expiry, bio = checks[name]
        assert expiry.startswith("told") == record.token_expiry, name
        assert bio.startswith("yes") == record.can_audit_profile, name


def test_the_inbox_table_says_what_the_records_say() -> None:
    rows = _docs_rows("## What is collected", "inbox.md")
    assert set(rows) == set(SPECS)
    for name, record in SPECS.items():
        reads, hide, paid = rows[name]
        assert reads == (record.inbox or "nothing")
        assert hide == ("yes" if record.can_hide else "no")
        assert paid == ("yes" if record.paid_reads else "no")


# -- a new platform: one record, one adapter module --------------------------------------------------------------


TOY_CONFIG = """\
[accounts.toy]
platform = "toy"
strategy = "separate"
credentials_env = "TOY"
folder = "toy-posts"

[emergency]
authorised = ["A. Jones"]

[translation_team]
members = ["G. Morgan"]
"""
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


@pytest.fixture
def toy(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setitem(SPECS, "toy", TOY)
    monkeypatch.setenv("TOY_TOKEN", "toy-token-5f1e")
    project.write("config/publisher.toml", TOY_CONFIG)
    return project


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _toy_posts(project: Project) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (project.root / "toy-posts").glob("*.json")]


def test_a_toy_platform_is_configured_checked_and_published_end_to_end(toy: Project) -> None:
    due = "2026-11-25T12:00+00:00"
    toy.post("short", cy_front=f"publish_at: {due}\naccounts: [toy]\n{REVIEWED}")
    toy.post(
        "long",
        cy_front=f"publish_at: {due}\naccounts: [toy]\n{REVIEWED}",
        cy_body=CY_BODY + " " + CY_BODY,
        en_body=EN_BODY + " " + EN_BODY,
    )
    with time_machine.travel(datetime(2026, 11, 25, 12, 1, tzinfo=UTC), tick=False):
        checked = _cli("check", "--format", "json", "--no-cache")
        findings = [f for f in json.loads(checked.output)["findings"] if f["code"] != "schedule-late"]
        assert {(f["post"], f["code"]) for f in findings} == {("long", "too-long")}
        assert all("the limit is 160" in f["message"] for f in findings), "the limit comes from the toy's record"
        ran = _cli("run", "--once")
    assert ran.exit_code == 1, "the long post is held"
    status = json.loads(_cli("status", "--format", "json").output)
    [short] = [p for p in status["posts"] if p["id"] == "short"]
    welsh, english = short["deliveries"]
    assert (welsh["language"], english["language"]) == ("cy", "en")
    assert welsh["state"] == english["state"] == "published" and welsh["published_at"] <= english["published_at"]
    assert sorted(p["text"] for p in _toy_posts(toy)) == sorted([CY_BODY, EN_BODY])


def test_a_toy_platform_without_edit_gets_corrections_as_welsh_replies(toy: Project) -> None:
    from emergency_support import CY, EN

    with time_machine.travel(datetime(2026, 11, 28, 11, 0, tzinfo=UTC), tick=True):  # a Saturday
        args = ["--account", "toy", "--en", EN, "--cy", CY, "--reason", "wall", "--by", "A. Jones", "--yes"]
        assert _cli("emergency", *args).exit_code == 0
        corrected = toy.write("corrected.txt", CY.replace("wal wedi dymchwel", "wal sydd wedi dymchwel"))
        result = _cli(
            "review", "correct", "1", "--cy-file", str(corrected), "--reviewer", "G. Morgan", "--format", "json"
        )
    [correction] = json.loads(result.output)["corrections"]
    assert correction["how"] == "reply" and correction["state"] == "published"
    welsh = next(p for p in _toy_posts(toy) if p["text"] == CY)
    reply = next(p for p in _toy_posts(toy) if p["reply_to"] is not None and "sydd wedi" in p["text"])
    assert reply["language"] == "cy" and welsh["reply_to"] is None


def test_a_toy_option_belongs_to_the_toy_alone(toy: Project) -> None:
    from publisher.errors import ConfigError

    toy.write("config/publisher.toml", TOY_CONFIG + '\n[accounts.other]\nplatform = "x"\nfolder = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key 'accounts\.other\.folder'"):
        toy.config()


def test_the_toy_images_follow_its_record(toy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from pictures import animated_gif, photo

    toy.write("content/media/photo.jpg", photo(size=(1500, 500)))
    toy.write("content/media/wave.gif", animated_gif())
    media = "media:\n  - {file: media/%s, alt: Y parc ar fore heulog., consent: not-required, rights: own}\n"
    toy.post(
        cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [toy]\n{REVIEWED}{media % 'photo.jpg'}",
        en_front="media:\n  - {file: media/photo.jpg, alt: The park on a sunny morning.}\n",
    )
    assert [f for f in toy.check().findings if f.code == "image-unfit"] == [], "JPEG to PNG is a safe conversion"
    account = Account(name="toy", platform="toy")
    prepared = Toy(account).prepared(MediaFile(path=toy.content / "media" / "photo.jpg", alt="x"))
    assert prepared.kind == "png" and len(prepared.data) <= TOY.image_max_bytes  # type: ignore[operator]
    monkeypatch.setitem(SPECS, "toy", replace(TOY, image_aspect=(0.8, 1.25), animated_gif=False))
    [ratio] = [f.message for f in toy.check().findings if f.code == "image-unfit"]
    assert "Toy takes only 0.80:1" in ratio
    toy.post(
        cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [toy]\n{REVIEWED}{media % 'wave.gif'}",
        en_front="media:\n  - {file: media/wave.gif, alt: The park on a sunny morning.}\n",
    )
    moving = [f.message for f in toy.check().findings if f.code == "image-unfit"]
    assert any("Toy takes only still images" in m for m in moving)


def test_a_platform_that_cannot_reply_takes_no_thread_and_is_corrected_by_hand(
    toy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emergency_support import CY, EN

    from publisher.errors import ConfigError

    monkeypatch.setitem(SPECS, "toy", replace(TOY, can_reply=False))
    toy.write("config/publisher.toml", TOY_CONFIG.replace('strategy = "separate"', 'strategy = "thread"'))
    with pytest.raises(ConfigError, match="cannot reply to a post"):
        toy.config()
    toy.write("config/publisher.toml", TOY_CONFIG)
    with time_machine.travel(datetime(2026, 11, 28, 11, 0, tzinfo=UTC), tick=True):
        args = ["--account", "toy", "--en", EN, "--cy", CY, "--reason", "wall", "--by", "A. Jones", "--yes"]
        assert _cli("emergency", *args).exit_code == 0
        corrected = toy.write("corrected.txt", CY.replace("wal wedi dymchwel", "wal sydd wedi dymchwel"))
        args = ["review", "correct", "1", "--cy-file", str(corrected), "--reviewer", "G. Morgan", "--format", "json"]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    [correction] = json.loads(result.output)["corrections"]
    assert correction["how"] == "by hand" and "correct it by hand" in correction["error"]
    assert len(_toy_posts(toy)) == 2, "nothing more was sent"


def test_a_platform_with_no_text_only_posts_needs_an_image(toy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    toy.post(cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [toy]\n{REVIEWED}")
    assert [f.code for f in toy.check().findings] == []
    monkeypatch.setitem(SPECS, "toy", replace(TOY, needs_media=True))
    [finding] = toy.check().findings
    assert finding.code == "media-missing" and "Toy has no text-only posts" in finding.message
