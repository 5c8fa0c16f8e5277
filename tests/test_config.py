"""The configuration: strict validation, secrets refused, the platform table deciding platforms and options."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import Project


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, "config file not found"),
        ("[accounts\n", "not valid TOML"),
        ('[accounts.a]\nplatform = "myspace"\n', "unknown platform 'myspace'"),
        ('[accounts.a]\nplatform = "x"\ntoken = "abc123"\n', "holds a secret"),
        ('[machine_translation]\nprovider = "google"\n[accounts.a]\nplatform = "outbox"\n', "forbids Google Translate"),
        ('timezon = "Europe/London"\n[accounts.a]\nplatform = "outbox"\n', "did you mean 'timezone'"),
    ],
)
def test_configuration_errors_exit_2_without_traceback(project: Project, config: str | None, expected: str) -> None:
    if config is None:
        project.config_path.unlink()
    else:
        project.write("config/publisher.toml", config)
    result = run(project, "check")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lease_shorter_than_two_request_timeouts_is_refused(project: Project) -> None:
    from publisher.errors import ConfigError

    project.write(
        "config/publisher.toml",
        project.config_path.read_text() + '\n[daemon]\nlease = "40s"\nrequest_timeout = "30s"\n',
    )
    with pytest.raises(ConfigError, match="at least twice"):
        project.config()


def run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], cwd=project.root, capture_output=True, text=True, timeout=120
    )


def _config_error(project: Project, text: str) -> str:
    from publisher.errors import ConfigError

    project.write("config/publisher.toml", text)
    with pytest.raises(ConfigError) as caught:
        project.config()
    return str(caught.value)


def test_platforms_are_the_ones_in_the_platform_table(project: Project) -> None:
    from publisher.platforms.specs import SPECS

    message = _config_error(project, '[accounts.a]\nplatform = "tiktok"\n')
    assert all(name in message for name in SPECS)


def test_an_option_is_accepted_only_on_the_platform_that_takes_it(project: Project) -> None:
    accepted = '[accounts.a]\nplatform = "facebook"\npage_id = "123"\ngraph_version = "v24.0"\n'
    project.write("config/publisher.toml", accepted)
    assert project.config().accounts["a"].option("page_id") == "123"
    message = _config_error(project, '[accounts.a]\nplatform = "x"\npage_id = "123"\n')
    assert "unknown key 'accounts.a.page_id'" in message
    message = _config_error(project, '[accounts.a]\nplatform = "instagram"\nmedia_base_ur = "https://x"\n')
    assert "did you mean 'media_base_url'" in message


def test_a_platform_without_a_default_host_needs_api_base(project: Project) -> None:
    message = _config_error(project, '[accounts.a]\nplatform = "mastodon"\ncredentials_env = "M"\n')
    assert "needs 'api_base'" in message


def test_the_outbox_path_is_resolved_against_the_project_root(project: Project) -> None:
    project.write("config/publisher.toml", '[accounts.a]\nplatform = "outbox"\npath = "out/box"\n')
    assert project.config().accounts["a"].path == str(project.root / "out" / "box")


def test_the_feed_writes_to_a_folder_of_its_own_by_default(project: Project) -> None:
    project.write("config/publisher.toml", '[accounts.news]\nplatform = "feed"\n[accounts.o]\nplatform = "outbox"\n')
    accounts = project.config().accounts
    assert accounts["news"].path == str(project.root / "feeds" / "news")
    assert accounts["o"].path == str(project.root / "outbox")


def test_a_linkedin_expiry_date_is_no_secret(project: Project) -> None:
    config = '[accounts.li]\nplatform = "linkedin"\ncredentials_env = "LI"\ncredentials_expire_on = 2027-01-31\n'
    project.write("config/publisher.toml", config)
    assert project.config().accounts["li"].option("credentials_expire_on") == "2027-01-31"


def test_the_accounts_check_settings(project: Project) -> None:
    base = '[accounts.a]\nplatform = "outbox"\n'
    project.write(
        "config/publisher.toml",
        base + '[accounts_check]\nservice_phrase_cy = "Cyngor  Sir Powys"\nexpiry_warning = "30d"\n',
    )
    check = project.config().accounts_check
    assert (check.service_phrase_cy, check.service_phrase_en, check.expiry_warning.days) == ("Cyngor Sir Powys", "", 30)
    assert project.config().accounts_check.expiry_warning.days == 30
    assert "accounts_check.expiry_warning" in _config_error(
        project, base + '[accounts_check]\nexpiry_warning = "soon"\n'
    )
    assert "did you mean 'service_phrase_en'" in _config_error(
        project, base + '[accounts_check]\nservice_phrase = "x"\n'
    )


def test_a_language_pair_names_two_accounts_and_no_platform(project: Project) -> None:
    pair = '[accounts.p]\nwelsh_account = "cy"\n[accounts.cy]\nplatform = "outbox"\n'
    assert "needs both" in _config_error(project, pair)
    pair = '[accounts.p]\nwelsh_account = "a"\nenglish_account = "b"\nplatform = "x"\n'
    assert "give 'platform' on its" in _config_error(project, pair)
    pair = '[accounts.p]\nwelsh_account = "a"\nenglish_account = "nope"\n[accounts.a]\nplatform = "outbox"\n'
    assert "which is not an account" in _config_error(project, pair)


OUTBOX = '[accounts.a]\nplatform = "outbox"\n'


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[content]\nrepository = "https://ann:hunter22@git.example.gov.uk/c.git"\n' + OUTBOX, "URL with a password"),
        ('[content]\nrepository = "x"\nbranch = "--upload-pack=evil"\n' + OUTBOX, "'content.branch'"),
        ('[content]\nrepositry = "x"\n' + OUTBOX, "did you mean 'repository'"),
        ('[notifications]\nsmtp_host = "smtp.example"\n' + OUTBOX, "'notifications.from_address'"),
        ('[notifications]\nsmtp_password = "p"\n' + OUTBOX, "holds a secret"),
        ('[notifications]\ncomms_team = ["not an address"]\n' + OUTBOX, "list of e-mail addresses"),
        ('[notifications]\ndigest_at = "8am"\n' + OUTBOX, "'notifications.digest_at'"),
        ('[[quiet_periods]]\nfrom = 2027-05-01\nto = 2027-04-01\nreason = "r"\n' + OUTBOX, "is not after"),
        ("[[quiet_periods]]\nfrom = 2027-04-01\nto = 2027-05-01\n" + OUTBOX, "'quiet_periods[1].reason' is missing"),
        ('[[quiet_periods]]\nfrom = 2027-04-01\nto = 2027-05-01\nreason = "r"\naccounts = ["b"]\n' + OUTBOX, "'b'"),
        ('after_pause = "drop"\n' + OUTBOX, "'after_pause'"),
        (OUTBOX + 'administrator_email = "A. Jones"\n', "not an e-mail address"),
    ],
)
def test_the_operating_settings_are_validated_like_the_rest(project: Project, config: str, expected: str) -> None:
    project.write("config/publisher.toml", config)
    result = run(project, "check")
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_configuration_reference_example_loads(project: Project) -> None:
    from pathlib import Path

    from publisher.config import load_config

    docs = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    project.write("config/publisher.toml", docs.split("```toml\n", 1)[1].split("```", 1)[0])
    config = load_config(project.config_path)
    assert config.repository is not None and config.repository.branch == "main"
    assert config.content_dir == project.root / "repository" / "content", "content is read from the working copy"
    assert config.notifications.enabled and config.notifications.comms_team == ("comms@example.gov.uk",)
    [quiet] = config.quiet_periods
    assert quiet.reason == "pre-election period" and quiet.start.isoformat() == "2027-04-07T23:00:00+00:00"
