"""Starting from nothing: ``publisher init`` writes a content repository that passes ``check`` at once;
credentials are checked before anything is due (``check --accounts``, and the daemon when it starts)."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime
from pathlib import Path

import yaml

from publisher import config as config_module
from publisher import operations
from publisher.platforms.specs import SPECS
from publisher.services.starter import HERE

from _cli import front, pair, run_cli
from conftest import Project

ROOT = Path(__file__).resolve().parent.parent


def _init(tmp_path: Path) -> tuple[Path, str]:
    result = run_cli(tmp_path, "init", "council-content")
    assert result.returncode == 0, result.stderr
    return tmp_path / "council-content", result.stdout


def test_init_writes_a_repository_that_checks_clean(tmp_path: Path) -> None:
    repo, output = _init(tmp_path)
    expected = {
        "config/publisher.toml",
        "config/consent.csv",
        "config/wordbank.yaml",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".github/workflows/publisher-check.yml",
        "README.md",
    }
    written = {p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()}
    assert expected <= written
    [welsh] = [name for name in written if name.endswith("welcome.cy.md")]
    when = re.search(r"publish_at: (\S+)", (repo / welsh).read_text())
    assert when is not None and datetime.fromisoformat(when.group(1)).date() > date.today()
    assert f"{welsh.removeprefix('content/').removesuffix('.cy.md')} goes to the outbox only" in output
    check = run_cli(repo, "check", "--format", "json")
    assert check.returncode == 0 and json.loads(check.stdout)["findings"] == [], check.stdout
    ignored = (repo / ".gitignore").read_text()
    assert all(name in ignored for name in ("publisher.db", "/outbox/", ".publisher-cache/"))
    assert yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]["pass_filenames"]
    workflow = yaml.safe_load((repo / ".github/workflows/publisher-check.yml").read_text())
    assert "--changed-since" in workflow["jobs"]["check"]["steps"][-1]["run"]


def test_init_never_overwrites(tmp_path: Path) -> None:
    repo, _ = _init(tmp_path)
    (repo / "config" / "publisher.toml").write_text("# ours\n")
    again = run_cli(tmp_path, "init", "council-content")
    assert again.returncode == 1 and "config/publisher.toml" in again.stderr
    assert (repo / "config" / "publisher.toml").read_text() == "# ours\n"


def _keys_in(text: str) -> set[str]:
    """Every key the file names, set or commented out, as 'table.key' ('key' at the top)."""
    keys, table = set(), ""
    for line in text.splitlines():
        line = line.lstrip("# ").rstrip()
        header = re.match(r"^\[\[?([\w.-]+)\]\]?", line)
        if header:
            table = header.group(1)
            continue
        match = re.match(r"^([a-z_]+) = ", line)
        if match:
            prefix = "accounts" if table.startswith("accounts.") else "costs" if table.startswith("costs.") else table
            keys.add(f"{prefix}.{match.group(1)}" if prefix else match.group(1))
    return keys


def test_the_starter_config_names_every_key_and_the_starter_word_bank_is_the_projects(tmp_path: Path) -> None:
    repo, _ = _init(tmp_path)
    text = (repo / "config" / "publisher.toml").read_text()
    tomllib.loads(text)  # valid as written
    named = _keys_in(text)
    tables = {"translation_team", "machine_translation", "accounts", "emergency", "daemon", "costs", "accounts_check"}
    tables |= {"content", "notifications", "quiet_periods", "media", "accessibility", "links", "inbox", "web"}
    expected = {key for key in config_module._TOP_KEYS if key not in tables}
    expected |= {f"translation_team.{k}" for k in config_module._TEAM_KEYS}
    expected |= {f"machine_translation.{k}" for k in config_module._MT_KEYS}
    expected |= {f"emergency.{k}" for k in config_module._EMERGENCY_KEYS}
    expected |= {f"daemon.{k}" for k in config_module._DAEMON_KEYS}
    expected |= {f"costs.{k}" for k in config_module._COST_KEYS}
    expected |= {f"accounts_check.{k}" for k in config_module._ACCOUNTS_CHECK_KEYS}
    expected |= {f"media.{k}" for k in config_module._MEDIA_KEYS}
    expected |= {f"accessibility.{k}" for k in config_module._ACCESSIBILITY_KEYS}
    expected |= {f"links.{k}" for k in config_module._LINK_KEYS}
    expected |= {f"inbox.{k}" for k in config_module._INBOX_KEYS}
    expected |= {f"web.{k}" for k in config_module._WEB_KEYS}
    expected |= {f"content.{k}" for k in operations.CONTENT_KEYS}
    expected |= {f"notifications.{k}" for k in operations.NOTIFICATION_KEYS}
    expected |= {f"quiet_periods.{k}" for k in operations.QUIET_KEYS}
    expected |= {f"accounts.{k}" for k in config_module._COMMON_ACCOUNT_KEYS}
    expected |= {f"accounts.{k}" for spec in SPECS.values() for k in spec.options}
    assert expected - named == set(), "keys the starter config does not explain"
    assert (
        tables | {key for key in config_module._TOP_KEYS if key not in tables} == set(config_module._TOP_KEYS) | tables
    )
    assert (repo / "config" / "wordbank.yaml").read_text() == (ROOT / "config" / "wordbank.yaml").read_text()
    assert (HERE / "wordbank.yaml").read_text() == (ROOT / "config" / "wordbank.yaml").read_text()


def test_check_accounts_names_each_account_without_credentials(project: Project) -> None:
    result = run_cli(project.root, "check", "--accounts", "--format", "json")
    assert result.returncode == 1
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "credentials-missing"]
    by_account = {f["post"]: f for f in findings}
    assert "account:powys-x" in by_account and "account:local" not in by_account
    assert "POWYS_X_API_KEY" in by_account["account:powys-x"]["message"]
    config_lines = project.config_path.read_text().splitlines()
    assert config_lines[by_account["account:powys-x"]["line"] - 1] == "[accounts.powys-x]"
    assert run_cli(project.root, "check").returncode == 0, "without --accounts the credentials are not asked for"


def test_the_daemon_names_accounts_without_credentials_when_it_starts(project: Project) -> None:
    pair(project.content, "later", front("2030-01-01T10:00", "[local]"))
    result = run_cli(project.root, "run", "--once")
    assert result.returncode == 0
    assert "account powys-x (x) has no credentials in the environment: set POWYS_X_API_KEY" in result.stderr
    assert "account local " not in result.stderr
