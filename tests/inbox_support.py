"""Shared by the inbox tests: a project whose five platform accounts point at the fake server, and helpers."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli

from conftest import Project
from pictures import photo

ENV = {
    "FX_API_KEY": "x-key-8f2a91c4",
    "FX_API_SECRET": "x-secret-77d1e0b2",
    "FX_ACCESS_TOKEN": "42-x-token-a8b7c6d5",
    "FX_ACCESS_TOKEN_SECRET": "x-token-secret-5e4d",
    "FFB_PAGE_TOKEN": "fb-page-token-3c2b1a",
    "FIG_ACCESS_TOKEN": "ig-access-token-9f8e7d",
    "FM_ACCESS_TOKEN": "mastodon-token-6c5b4a",
    "FB_HANDLE": "cyngor.bsky.social",
    "FB_APP_PASSWORD": "app-pass-9x8y-7z6w",
}
PLATFORMS = ("x", "facebook", "instagram", "mastodon", "bluesky")
ACCOUNT = {"x": "fx", "facebook": "ffb", "instagram": "fig", "mastodon": "fm", "bluesky": "fb"}
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-05-01}\n"


def config_text(url: str, inbox: str = "", daemon: str = "") -> str:
    """Five accounts on the fake server, separate strategy, and an [inbox] table (``inbox`` adds keys)."""
    return f"""\
timezone = "Europe/London"

[accounts.fx]
platform = "x"
credentials_env = "FX"
api_base = "{url}"

[accounts.ffb]
platform = "facebook"
credentials_env = "FFB"
api_base = "{url}"
page_id = "1234"

[accounts.fig]
platform = "instagram"
credentials_env = "FIG"
api_base = "{url}"
ig_user_id = "5678"
media_base_url = "https://cdn.example.gov.uk/media"
media_folder = "public/media"

[accounts.fm]
platform = "mastodon"
credentials_env = "FM"
api_base = "{url}"

[accounts.fb]
platform = "bluesky"
credentials_env = "FB"
api_base = "{url}"

[daemon]
request_timeout = "2s"
lease = "10s"
reconcile_after = "1s"
retry_base = "1s"
retry_max = "2s"
{daemon}

[inbox]
daily_reads = {{ fx = 500 }}
communications_team = "cyfathrebu@example.gov.uk"
{inbox}
"""


def wire(project: Project, url: str, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The ``inbox_project`` fixture (conftest.py): credentials in the environment, config and image written."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    project.write("config/publisher.toml", config_text(url))
    project.write("content/media/llun.jpg", photo(size=(1080, 1080)))
    return project


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def invoke_json(*args: str) -> Any:
    result = invoke(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def call(url: str, path: str, data: Any | None = None) -> Any:
    request = urllib.request.Request(
        url + path,
        data=None if data is None else json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
        method="GET" if data is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def inject(url: str, *messages: dict[str, Any]) -> list[str]:
    """Messages from the public onto the fake platforms; their platform ids."""
    return list(call(url, "/_inbox", {"messages": list(messages)})["ids"])


def posts(url: str) -> list[dict[str, Any]]:
    return list(call(url, "/_posts"))


def incoming(url: str) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in call(url, "/_inbox")}


def welsh_post(project: Project, when: str, accounts: tuple[str, ...] = tuple(ACCOUNT.values())) -> None:
    """A reviewed Welsh/English pair with an image, due ``when``, for every account."""
    media = "media:\n  - {file: media/llun.jpg, alt: Llun o'r llyfrgell., consent: not-required, rights: own}\n"
    project.post(
        "llyfrgell",
        cy_front=f"publish_at: {when}\naccounts: [{', '.join(accounts)}]\n{REVIEWED}{media}",
        cy_body="Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. Ymddiheurwn am unrhyw anghyfleustra.",
        en_front="media:\n  - {file: media/llun.jpg, alt: A photo of the library.}\n",
        en_body="The library will be closed on Monday because of electrical work. We apologise for any inconvenience.",
    )


def our_posts(project: Project) -> dict[tuple[str, str], str]:
    """(account, language) -> the platform id of our published post."""
    status = json.loads(invoke("status", "--format", "json").stdout)
    return {
        (d["account"], d["language"]): d["remote_id"]
        for post in status["posts"]
        for d in post["deliveries"]
        if d["state"] == "published"
    }
