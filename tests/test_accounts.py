"""``publisher accounts check``: credentials, token expiry and the profile audit, against the fake platforms."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.text.bio import BioRules, audit_bio, mutated

from _crash import PUBLISHER, fake_config, fake_env, set_faults
from conftest import Project
from fakeplatform import FakeServer

DAY = 86400
CHECK = """
[accounts_check]
service_phrase_cy = "Cyngor Sir Powys"
service_phrase_en = "Powys County Council"
"""


def accounts_config(server: FakeServer, extra: str = "") -> str:
    config = fake_config(server.url, 'request_timeout = "5s"')
    bluesky = f"""
[accounts.fake-instagram]
platform = "instagram"
credentials_env = "FAKE_FB"
api_base = "{server.url}"
ig_user_id = "17841"
[accounts.fake-bluesky]
welsh_account = "fake-bluesky-cy"
english_account = "fake-bluesky-en"
[accounts.fake-bluesky-cy]
platform = "bluesky"
credentials_env = "BSKY_CY"
api_base = "{server.url}"
[accounts.fake-bluesky-en]
platform = "bluesky"
credentials_env = "BSKY_EN"
api_base = "{server.url}"
[accounts.website]
platform = "feed"
"""
    return config.replace("[daemon]", bluesky + extra + CHECK + "[daemon]")


def env() -> dict[str, str]:
    return fake_env() | {
        "FAKE_FB_ACCESS_TOKEN": "ig-token",
        "BSKY_CY_HANDLE": "cyngor.bsky.social",
        "BSKY_CY_APP_PASSWORD": "app-pass-cy",
        "BSKY_EN_HANDLE": "council.bsky.social",
        "BSKY_EN_APP_PASSWORD": "app-pass-en",
    }


def set_accounts(server: FakeServer, **state: Any) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}/_accounts",
        data=json.dumps(state).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


PAIR_BIOS = {
    "bluesky:cyngor.bsky.social": "Newyddion gan Gyngor Sir Powys. In English: @council.bsky.social",
    "bluesky:council.bsky.social": "News from Powys County Council. Yn Gymraeg: @cyngor.bsky.social",
}


@pytest.fixture
def checked(project: Project, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ``accounts check --format json`` in-process against the fake server: (exit code, data)."""
    for key, value in env().items():
        monkeypatch.setenv(key, value)
    project.write("config/publisher.toml", accounts_config(fake_server))
    set_accounts(fake_server, bios=PAIR_BIOS)

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(cli, ["accounts", "check", "--format", "json", *args])
        return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {}

    return run


def by_account(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["account"]: a for a in data["accounts"]}


def test_healthy_accounts_pass_and_say_who_they_act_as(checked: Any) -> None:
    code, data = checked()
    accounts = by_account(data)
    assert code == 0, [a["problems"] for a in data["accounts"]]
    assert set(accounts) == {
        "fake-x",
        "fake-facebook",
        "fake-instagram",
        "fake-mastodon",
        "fake-threads",
        "fake-linkedin",
        "fake-bluesky-cy",
        "fake-bluesky-en",
        "website",
    }
    assert accounts["fake-x"]["identity"] == "@cyngor"
    assert accounts["fake-threads"]["identity"] == "@cyngor_powys"
    assert accounts["fake-linkedin"]["identity"] == "Cyngor Sir Powys"
    assert accounts["fake-bluesky-cy"]["identity"] == "@cyngor.bsky.social"
    assert accounts["fake-bluesky-cy"]["languages"] == "cy" and accounts["fake-x"]["languages"] == "cy+en"
    assert accounts["fake-threads"]["token_expires_at"], "Threads tells when its long-lived token expires"
    assert accounts["fake-instagram"]["identity"] == "@cyngorpowys" and accounts["fake-instagram"]["token_expires_at"]
    assert any("set credentials_expire_on" in note for note in accounts["fake-linkedin"]["notes"])
    assert data["needs_person"] == 0


def test_expiring_expired_and_refused_credentials_need_a_person(checked: Any, fake_server: FakeServer) -> None:
    now = int(time.time())
    set_accounts(
        fake_server,
        tokens={"graph": {"data_access_expires_at": now + 9 * DAY}, "threads": {"expires_at": now - DAY}},
        refuse=["x"],
    )
    code, data = checked()
    accounts = by_account(data)
    assert code == 1 and data["needs_person"] >= 3
    [facebook] = accounts["fake-facebook"]["problems"]
    assert "the token's data access expires on" in facebook and "in 8 day(s)" in facebook
    assert accounts["fake-instagram"]["problems"] == [facebook], "the same Graph token debugger"
    assert any("expired on" in p for p in accounts["fake-threads"]["problems"])
    [x] = accounts["fake-x"]["problems"]
    assert x.startswith("the credentials do not work: HTTP 401")
    assert "k" not in x.split(": ", 1)[1].split() and "ts" not in x, "no secret in the message"
    assert accounts["fake-mastodon"]["problems"] == []


def test_a_linkedin_token_near_its_configured_end_needs_a_person(checked: Any, project: Project) -> None:
    config = project.config_path.read_text().replace(
        'organization_id = "2414183"', 'organization_id = "2414183"\ncredentials_expire_on = 2026-12-01'
    )
    project.write("config/publisher.toml", config)
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 11, 25, tzinfo=UTC), tick=False):
        code, data = checked("--account", "fake-linkedin")
    [linkedin] = data["accounts"]
    assert code == 1 and linkedin["problems"] == [
        "the token (date from credentials_expire_on) expires on 2026-12-01 00:00 UTC, in 6 day(s): renew it before then"
    ]


def test_the_profile_audit_finds_bios_that_fail_the_standards(checked: Any, fake_server: FakeServer) -> None:
    set_accounts(
        fake_server,
        bios={
            "x": "News, events and service updates from Powys County Council.",
            "mastodon": "Newyddion a digwyddiadau. News and events.",
            "bluesky:council.bsky.social": "News from Powys County Council.",
            "linkedin": "",
        },
    )
    code, data = checked()
    accounts = by_account(data)
    assert code == 1
    assert accounts["fake-x"]["problems"] == [
        "bio: the bio has no Welsh: write it in Welsh and English (Welsh Language Standard 58)",
        "bio: the bio does not name the council service: add “Cyngor Sir Powys” (policy 9.6)",
    ]
    assert accounts["fake-mastodon"]["problems"] == [
        "bio: the bio does not name the council service: add “Cyngor Sir Powys” (policy 9.6)",
        "bio: the bio does not name the council service: add “Powys County Council” (policy 9.6)",
    ]
    assert accounts["fake-bluesky-cy"]["problems"] == [], "names the English account and the service, in Welsh"
    assert accounts["fake-bluesky-en"]["problems"] == [
        "bio: the bio does not name the Welsh account @cyngor.bsky.social: add it, so readers find the other language"
    ]
    assert accounts["fake-linkedin"]["problems"][0].startswith("bio: the bio is empty")


def test_status_shows_what_needs_a_person_and_unknown_accounts_are_usage_errors(
    checked: Any, fake_server: FakeServer
) -> None:
    set_accounts(fake_server, refuse=["mastodon"])
    checked()
    status = CliRunner().invoke(cli, ["status"])
    assert "ACCOUNT NEEDS A PERSON: fake-mastodon (mastodon): the credentials do not work" in status.output
    data = json.loads(CliRunner().invoke(cli, ["status", "--format", "json"]).output)
    [mastodon] = [a for a in data["accounts"] if a["account"] == "fake-mastodon"]
    assert mastodon["needs_person"] and mastodon["checked_at"]
    unknown = CliRunner().invoke(cli, ["accounts", "check", "--account", "fake-bluesky"])
    assert unknown.exit_code == 2 and "language pairs are checked through their two accounts" in unknown.output


def test_text_output_marks_what_needs_a_person(checked: Any, fake_server: FakeServer) -> None:
    set_accounts(fake_server, refuse=["threads"])
    result = CliRunner().invoke(cli, ["accounts", "check", "--account", "fake-threads", "--account", "fake-x"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "fake-x (x, cy+en) as @cyngor: ok"
    assert lines[1] == "  - OAuth 1.0a user tokens do not expire"
    assert lines[2] == "fake-threads (threads, cy+en): NEEDS A PERSON"
    assert lines[3].startswith("  ! the credentials do not work: HTTP 400: Error validating access token")
    assert lines[-1] == "2 account(s) checked; 1 need(s) a person."


def test_the_daemon_checks_the_accounts_when_it_starts(project: Project, fake_server: FakeServer) -> None:
    project.write("config/publisher.toml", accounts_config(fake_server))
    set_accounts(fake_server, bios=PAIR_BIOS, refuse=["mastodon"])
    set_faults(fake_server.url)
    process = subprocess.Popen(
        [*PUBLISHER, "run"], cwd=project.root, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            status = subprocess.run(
                [*PUBLISHER, "status", "--format", "json"], cwd=project.root, env=env(), capture_output=True, text=True
            )
            if status.returncode == 0 and len(json.loads(status.stdout)["accounts"]) == 9:
                break
            time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "account fake-mastodon needs a person: the credentials do not work" in stderr
    assert "account fake-x: checked, acting as @cyngor" in stderr
    accounts = {a["account"]: a for a in json.loads(status.stdout)["accounts"]}
    assert accounts["fake-mastodon"]["needs_person"] and not accounts["fake-x"]["needs_person"]


# -- the bio audit on its own ---------------------------------------------------------------------------------

RULES = BioRules("cy+en", phrase_cy="Cyngor Sir Powys", phrase_en="Powys County Council", names=("Powys",))


@pytest.mark.parametrize(
    ("bio", "problems"),
    [
        ("Gwasanaeth gan Gyngor Sir Powys. A service provided by Powys County Council.", []),
        ("Llyfrgelloedd - gwasanaeth Cyngor Sir Powys\nLibraries - a Powys County Council service", []),
        ("Cyngor Sir Powys | Powys County Council", []),
        ("A service provided by Powys County Council.", ["the bio has no Welsh", "“Cyngor Sir Powys”"]),
        ("Gwasanaeth gan Gyngor Sir Powys.", ["the bio has no English", "“Powys County Council”"]),
        ("  ", ["the bio is empty"]),
    ],
)
def test_a_bilingual_account_has_a_bilingual_bio_naming_the_service(bio: str, problems: list[str]) -> None:
    found = audit_bio(bio, RULES)
    assert len(found) == len(problems), found
    for problem, expected in zip(found, problems, strict=True):
        assert expected in problem


def test_half_of_a_pair_is_in_its_own_language_and_names_the_other() -> None:
    welsh = BioRules("cy", phrase_cy="Cyngor Sir Powys", other_account="@PowysLibraries", names=("Powys",))
    assert audit_bio("Newyddion Llyfrgelloedd Powys, gwasanaeth gan Gyngor Sir Powys. @PowysLibraries", welsh) == []
    assert audit_bio("News from Powys Libraries, a service of Cyngor Sir Powys. @powyslibraries", welsh) == [
        "the Welsh account's bio is not in Welsh: write it in Welsh"
    ]


def test_a_welsh_phrase_is_found_in_any_mutation() -> None:
    assert mutated("Cyngor Sir Powys") >= {"gyngor Sir Powys", "nghyngor Sir Powys", "chyngor Sir Powys"}
    assert mutated("Tref") >= {"dref", "nhref", "thref"} and mutated("Llyfrgell") == {"Llyfrgell", "lyfrgell"}
    assert (
        "yng Nghyngor Sir Powys"
        and audit_bio("Gweithio yng Nghyngor Sir Powys ers 1996.", BioRules("cy", "Cyngor Sir Powys")) == []
    )


README_CONFIG = """
[accounts.powys-x]
platform = "x"
credentials_env = "FAKE_X"
api_base = "{url}"
[accounts.powys-facebook]
platform = "facebook"
strategy = "combined"
credentials_env = "FAKE_FB"
api_base = "{url}"
page_id = "1234"
[accounts.powys-threads]
platform = "threads"
credentials_env = "FAKE_THREADS"
api_base = "{url}"
[accounts.powys-linkedin]
platform = "linkedin"
strategy = "combined"
credentials_env = "FAKE_LINKEDIN"
api_base = "{url}"
organization_id = "2414183"
credentials_expire_on = 2099-01-20
[accounts.powys-bluesky]
welsh_account = "powys-bluesky-cy"
english_account = "powys-bluesky-en"
[accounts.powys-bluesky-cy]
platform = "bluesky"
credentials_env = "BSKY_CY"
api_base = "{url}"
[accounts.powys-bluesky-en]
platform = "bluesky"
credentials_env = "BSKY_EN"
api_base = "{url}"
[accounts.news-feed]
platform = "feed"
base_url = "https://www.powys.gov.uk/feeds"
"""


def test_the_readme_shows_what_accounts_check_really_prints(
    project: Project, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    shown = readme.split("$ publisher accounts check\n", 1)[1].split("$ echo $?", 1)[0].splitlines()
    for key, value in env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BSKY_CY_HANDLE", "cyngorpowys.bsky.social")
    monkeypatch.setenv("BSKY_EN_HANDLE", "powyscouncil.bsky.social")
    project.write("config/publisher.toml", README_CONFIG.format(url=fake_server.url) + CHECK)
    now = int(time.time())
    set_accounts(
        fake_server,
        bios={
            "bluesky:cyngorpowys.bsky.social": "Newyddion gan Gyngor Sir Powys. In English: @powyscouncil.bsky.social",
            "bluesky:powyscouncil.bsky.social": "News from Powys County Council.",
        },
        tokens={"graph": {"expires_at": 0, "data_access_expires_at": now + 9 * DAY + 3600}},
    )
    result = CliRunner().invoke(cli, ["accounts", "check"])
    assert result.exit_code == 1

    def normal(lines: list[str]) -> list[str]:
        return [
            re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "DATE", re.sub(r" as /\S+", " as FOLDER", line)) for line in lines
        ]

    assert normal(result.output.splitlines()) == normal(shown)
