"""Harness shared by the crash tests and the daemon benchmark: a project wired to the fake server."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

PUBLISHER = [sys.executable, "-m", "publisher"]
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"

CY_WORDS = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol yn yr adeilad"
EN_WORDS = "The library will be closed on Monday because of electrical work in the building"


def fake_config(server_url: str, daemon: str, database: str | None = None) -> str:
    """A config whose X, Facebook, Mastodon, Threads and LinkedIn accounts all point at the fake server."""
    lines = [
        f'database = "{database}"' if database else "",
        "[accounts.fake-x]",
        'platform = "x"',
        'strategy = "separate"',
        'credentials_env = "FAKE_X"',
        f'api_base = "{server_url}"',
        "[accounts.fake-facebook]",
        'platform = "facebook"',
        'strategy = "separate"',
        'credentials_env = "FAKE_FB"',
        f'api_base = "{server_url}"',
        'page_id = "1234"',
        "[accounts.fake-mastodon]",
        'platform = "mastodon"',
        'strategy = "separate"',
        'credentials_env = "FAKE_MASTODON"',
        f'api_base = "{server_url}"',
        "[accounts.fake-threads]",
        'platform = "threads"',
        'strategy = "separate"',
        'credentials_env = "FAKE_THREADS"',
        f'api_base = "{server_url}"',
        "[accounts.fake-linkedin]",
        'platform = "linkedin"',
        'strategy = "separate"',
        'credentials_env = "FAKE_LINKEDIN"',
        f'api_base = "{server_url}"',
        'organization_id = "2414183"',
        "[daemon]",
        daemon,
    ]
    return "\n".join(lines) + "\n"


def fake_env() -> dict[str, str]:
    """Credentials for the fake accounts (the fake server accepts any)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.update(
        {
            "FAKE_X_API_KEY": "k",
            "FAKE_X_API_SECRET": "s",
            "FAKE_X_ACCESS_TOKEN": "t",
            "FAKE_X_ACCESS_TOKEN_SECRET": "ts",
            "FAKE_FB_PAGE_TOKEN": "fb-token",
            "FAKE_MASTODON_ACCESS_TOKEN": "m-token",
            "FAKE_THREADS_ACCESS_TOKEN": "th-token",
            "FAKE_LINKEDIN_ACCESS_TOKEN": "li-token",
        }
    )
    return env


def write_posts(content: Path, count: int, when: datetime, accounts: tuple[str, ...]) -> None:
    """``count`` valid pairs due at ``when``, each text unique (so the server can count them)."""
    for index in range(count):
        account = accounts[index % len(accounts)]
        folder = content / f"{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        front = f"publish_at: {when.isoformat(timespec='seconds')}\naccounts: [{account}]\n{REVIEWED}"
        (folder / f"p{index:05d}.cy.md").write_text(f"---\n{front}---\n{CY_WORDS} (rhif {index}).\n", "utf-8")
        (folder / f"p{index:05d}.en.md").write_text(f"---\n---\n{EN_WORDS} (number {index}).\n", "utf-8")


def server_posts(server_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{server_url}/_posts", timeout=10) as response:
        return json.loads(response.read())


def set_faults(server_url: str, **faults: Any) -> None:
    request = urllib.request.Request(
        f"{server_url}/_faults",
        data=json.dumps(faults).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()
