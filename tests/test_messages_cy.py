"""Configuration errors, platform messages and durations in Welsh and English (docs/translation.md).

The configuration error comes through the real command (``publisher --lang cy``),
the platform messages from the adapters themselves under a Welsh context, and
every platform error text is still scrubbed of credentials after translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from publisher.config import load_config
from publisher.durations import parse_duration
from publisher.errors import ConfigError
from publisher.i18n import reset_language, set_language
from publisher.platforms.account import Account
from publisher.platforms.base import PermanentError, PublishRequest
from publisher.platforms.mastodon import Mastodon
from publisher.platforms.media import ImageUnfit, prepare
from publisher.platforms.specs import spec
from publisher.platforms.x import X

from _cli import environment, run_cli
from conftest import Project
from pictures import photo

BASE = "http://proxy.test"
SECRET = "s3cr3t-token-value"


@pytest.fixture
def welsh() -> Iterator[None]:
    token = set_language("cy")
    yield
    reset_language(token)


@pytest.fixture
def english() -> Iterator[None]:
    token = set_language("en")
    yield
    reset_language(token)


def _request() -> PublishRequest:
    return PublishRequest(text="Bydd y llyfrgell ar gau ddydd Llun.", language="cy", idempotency_key="k" * 32)


@pytest.mark.parametrize(
    ("config", "welsh_text", "english_text"),
    [
        (
            'timezon = "Europe/London"\n[accounts.a]\nplatform = "outbox"\n',
            "allwedd anhysbys 'timezon' (ai 'timezone' oeddech chi'n ei olygu?)",
            "unknown key 'timezon' (did you mean 'timezone'?)",
        ),
        (
            '[accounts.a]\nplatform = "myspace"\n',
            "mae gan y cyfrif 'a' blatfform anhysbys 'myspace'",
            "account 'a' has unknown platform 'myspace'",
        ),
        ("[accounts\n", "nid yw'n TOML dilys", "not valid TOML"),
        (None, "ni chafwyd hyd i'r ffeil ffurfweddu", "config file not found"),
    ],
)
def test_a_bad_config_file_is_refused_in_welsh_through_the_command(
    project: Project, config: str | None, welsh_text: str, english_text: str
) -> None:
    if config is None:
        project.config_path.unlink()
    else:
        project.write("config/publisher.toml", config)
    env = environment(drop=("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))
    welsh = run_cli(project.root, "--lang", "cy", "check", env=env)
    assert welsh.returncode == 2 and "Traceback" not in welsh.stderr
    assert welsh_text in welsh.stderr and english_text not in welsh.stderr
    english = run_cli(project.root, "check", env=env)  # the default stays English, word for word
    assert english.returncode == 2 and english_text in english.stderr


def test_config_errors_in_welsh_keep_key_and_file_names(project: Project, welsh: None) -> None:
    base = project.config_path.read_text()
    project.write("config/publisher.toml", 'max_lateness = "soon"\n' + base)
    with pytest.raises(ConfigError) as caught:
        load_config(project.config_path)
    assert str(caught.value) == (
        f"{project.config_path}: 'max_lateness': nid yw'n gyfnod o amser: 'soon' "
        "(defnyddiwch e.e. '6h', '90m', '1h30m', '30d', '1y')"
    )
    project.write("config/publisher.toml", base + "\n[web]\nport = 0\n")
    with pytest.raises(ConfigError, match=r"rhaid i 'web\.port' fod yn rhif cyfan >= 1"):
        load_config(project.config_path)


def test_durations_are_refused_in_the_language_in_use(english: None) -> None:
    with pytest.raises(ValueError, match=r"^not a duration: 'soon'"):
        parse_duration("soon")
    token = set_language("cy")
    try:
        with pytest.raises(ValueError, match=r"^nid yw'n gyfnod o amser: 'soon'"):
            parse_duration("soon")
    finally:
        reset_language(token)


def test_missing_credentials_are_named_in_welsh(welsh: None) -> None:
    account = Account(name="powys-x", platform="x", credentials_env="P", api_base=BASE)
    with pytest.raises(PermanentError) as caught:
        X(account, env={}).publish(_request())
    assert caught.value.message == "cyfrif 'powys-x': nid yw'r newidyn amgylchedd P_API_KEY wedi'i osod"


def test_missing_credentials_stay_english_by_default(english: None) -> None:
    account = Account(name="powys-x", platform="x", credentials_env="P", api_base=BASE)
    with pytest.raises(PermanentError) as caught:
        X(account, env={}).publish(_request())
    assert caught.value.message == "account 'powys-x': environment variable P_API_KEY is not set"


@responses.activate
def test_a_platform_refusal_is_framed_in_welsh_and_still_redacted(welsh: None) -> None:
    responses.post(f"{BASE}/api/v1/statuses", status=422, json={"error": f"Validation failed: token {SECRET}"})
    account = Account(name="m", platform="mastodon", credentials_env="P", api_base=BASE)
    with pytest.raises(PermanentError) as caught:
        Mastodon(account, env={"P_ACCESS_TOKEN": SECRET}).publish(_request())
    message = caught.value.message
    assert message.startswith("Gwrthododd Mastodon ef: ")
    assert "Validation failed" in message  # the platform's own words, as it sent them
    assert SECRET not in message and SECRET[:8] not in message and "***" in message


def test_an_image_a_platform_cannot_take_is_refused_in_welsh(tmp_path: Path, welsh: None) -> None:
    path = tmp_path / "banner.jpg"
    path.write_bytes(photo(size=(1500, 300)))
    with pytest.raises(ImageUnfit) as caught:
        prepare(path, spec("instagram"))
    assert "mae'n 1500x300 (cymhareb agwedd 5.00:1)" in str(caught.value)
    assert "tociwch hi i ffitio" in str(caught.value) and "crop it" not in str(caught.value)


def test_accounts_check_gives_the_adapters_health_notes_in_welsh(project: Project) -> None:
    project.write("config/publisher.toml", '[accounts.local]\nplatform = "outbox"\n')
    env = environment(drop=("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))
    welsh = run_cli(project.root, "--lang", "cy", "accounts", "check", env=env)
    assert "dim manylion mewngofnodi i ddod i ben" in welsh.stdout, welsh.stdout + welsh.stderr
    english = run_cli(project.root, "accounts", "check", env=env)
    assert "no credentials to expire" in english.stdout, english.stdout + english.stderr
