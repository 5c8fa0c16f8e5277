"""Shared fixtures: a throw-away project (config, content, registers) per test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.config import Config, load_config
from publisher.queue.db import Database, open_database
from publisher.services.validation import CheckResult, check_content

from fakeplatform import FakeServer

# A fixed "now" for rule tests: every example date below is in its future.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

BASE_CONFIG = """\
timezone = "Europe/London"

[accounts.local]
platform = "outbox"
strategy = "combined"

[accounts.local-separate]
platform = "outbox"
strategy = "separate"

[accounts.powys-x]
platform = "x"
strategy = "separate"
credentials_env = "POWYS_X"

[accounts.powys-x-combined]
platform = "x"
strategy = "combined"
credentials_env = "POWYS_X"

[accounts.powys-facebook]
platform = "facebook"
strategy = "combined"
credentials_env = "POWYS_FACEBOOK"

[accounts.powys-instagram]
platform = "instagram"
strategy = "combined"
credentials_env = "POWYS_INSTAGRAM"

[accounts.powys-mastodon]
platform = "mastodon"
strategy = "thread"
credentials_env = "POWYS_MASTODON"
api_base = "https://social.example.gov.uk"

[accounts.powys-bluesky]
welsh_account = "powys-bluesky-cy"
english_account = "powys-bluesky-en"

[accounts.powys-bluesky-cy]
platform = "bluesky"
credentials_env = "BSKY_CY"

[accounts.powys-bluesky-en]
platform = "bluesky"
credentials_env = "BSKY_EN"

[emergency]
authorised = ["A. Jones"]

[translation_team]
members = ["Gwenllian Morgan", "G. Morgan"]
"""

# A valid pair: reviewed Welsh, real Welsh and English text.
CY_FRONT = """\
publish_at: 2027-01-12T10:00
accounts: [local]
translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}
"""
CY_BODY = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. Ymddiheurwn am unrhyw anghyfleustra."
EN_FRONT = ""
EN_BODY = "The library will be closed on Monday because of electrical work. We apologise for any inconvenience."


@dataclass
class Project:
    """A project folder in tmp_path with helpers to write posts and run the check."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def config_path(self) -> Path:
        return self.root / "config" / "publisher.toml"

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write a file under the project root (dedented text, or raw bytes)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def post(
        self,
        slug: str = "post",
        cy_front: str = CY_FRONT,
        cy_body: str = CY_BODY,
        en_front: str = EN_FRONT,
        en_body: str = EN_BODY,
    ) -> tuple[Path, Path]:
        """Write ``content/<slug>.cy.md`` and ``.en.md`` (front matter given without the fences)."""
        cy = self.write(f"content/{slug}.cy.md", f"---\n{textwrap.dedent(cy_front)}---\n{cy_body}\n")
        en = self.write(f"content/{slug}.en.md", f"---\n{textwrap.dedent(en_front)}---\n{en_body}\n")
        return cy, en

    def config(self) -> Config:
        return load_config(self.config_path)

    def check(self, now: datetime = NOW, targets: tuple[Path, ...] = ()) -> CheckResult:
        """Run the check with a fixed clock and no cache."""
        return check_content(self.config(), targets, now=now, use_cache=False)

    def codes(self, now: datetime = NOW) -> list[str]:
        """The codes of all findings, in report order."""
        return [f.code for f in self.check(now).findings]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A fresh project with the base config and empty content; cwd is its root."""
    proj = Project(tmp_path)
    proj.write("config/publisher.toml", BASE_CONFIG)
    proj.content.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return proj


@pytest.fixture(scope="session")
def postgres_server():  # type: ignore[no-untyped-def]
    """A PostgreSQL server for the session, or a skip saying why there is none."""
    from _postgres import TempPostgres, pg_bin

    binaries = pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed here (.ci/run installs the Debian 'postgresql' package)")
    server = TempPostgres(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def open_db() -> Iterator[Callable[[Config], Database]]:
    """Open (and migrate) a project's database for the test; closed at teardown."""
    with ExitStack() as stack:
        yield lambda config: stack.enter_context(open_database(config))


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """The fake platform server (X, Graph, Mastodon shapes) on 127.0.0.1, for end-to-end runs."""
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that requires a login and keeps what it receives."""
    from _smtp import start

    server = start()
    yield server
    server.controller.stop()


@pytest.fixture
def inbox_project(project: Project, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project whose five platform accounts point at the fake server, with an [inbox] table (inbox_support.py)."""
    from inbox_support import wire

    return wire(project, fake_server.url, monkeypatch)


@pytest.fixture(scope="session")
def extracted_messages(tmp_path_factory: pytest.TempPathFactory) -> set[object]:
    """Every message the code and the templates ask for, extracted now (pybabel, as docs/translation.md says).

    A message is its id: a string, or (singular, plural) for ``ngettext``.
    """
    from babel.messages.pofile import read_po

    out = tmp_path_factory.mktemp("pot") / "publisher.pot"
    command = [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_"]
    command += ["-k", "ngettext:1,2", "--no-location", "-o", str(out), "."]
    subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, check=True, capture_output=True, timeout=300)
    with open(out, "rb") as handle:
        found = {tuple(m.id) if isinstance(m.id, list | tuple) else m.id for m in read_po(handle) if m.id}
    assert len(found) > 100, "the extraction found (almost) nothing: check babel.cfg"
    return found
