"""The refusals of the services, emergency, inbox and queue, in the language of the command or request.

Each is raised in the language in use (``--lang cy`` on the command line, ``set_language`` here, the person's choice
on the web); the English stays as it was. One refusal of each module, run through the real function or command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from web_support import PASSWORD, SECRET, WEB_CONFIG, csrf, login

from publisher.cli import cli
from publisher.config import MachineTranslation
from publisher.errors import ConfigError
from publisher.i18n import reset_language, set_language

from conftest import Project

TUESDAY_MORNING = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)  # the Translation Team is at work


@pytest.fixture
def welsh() -> Iterator[None]:
    token = set_language("cy")
    yield
    reset_language(token)


def _message(call: Callable[[], object], exception: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    with pytest.raises(exception) as caught:
        call()
    return str(caught.value)


def _in_both(call: Callable[[], object], exception: Any) -> tuple[str, str]:
    """The refusal's text in Welsh, then in English."""
    texts = []
    for language in ("cy", "en"):
        token = set_language(language)
        try:
            texts.append(_message(call, exception))
        finally:
            reset_language(token)
    return texts[0], texts[1]


def test_a_refusal_of_each_service_is_in_welsh_and_the_english_is_unchanged(project: Project) -> None:
    from publisher.services import accounts, pausing, preview, retry, status
    from publisher.services.starter import TargetNotEmpty, init_repository

    config = project.config()
    project.post("gritting")
    starter = project.root / "starter"
    init_repository(starter, TUESDAY_MORNING.date())
    cases = [
        (
            lambda: accounts.check(config, TUESDAY_MORNING, only=("nope",)),
            accounts.UnknownAccount,
            "dim cyfrif platfform 'nope' yn y ffurfweddiad",
            "no platform account 'nope' in the config",
        ),
        (
            lambda: preview.find_post(config, "gritin"),
            preview.UnknownPost,
            "dim postiad â'r id 'gritin' (ai 'gritting' oedd dan sylw?)",
            "no post with id 'gritin' (did you mean 'gritting'?)",
        ),
        (
            lambda: retry.retry(config, "gritting"),
            retry.RetryRefused,
            "rhedwch retry lle mae cronfa ddata'r daemon",
            "run retry where the daemon's database is",
        ),
        (
            lambda: status.collect(config),
            status.NoDatabase,
            "Mae status yn darllen cronfa ddata'r daemon a byth yn creu un",
            "status reads the daemon's database and never creates one",
        ),
        (
            lambda: pausing.pause(config, None, "storm"),
            pausing.PauseRefused,
            "mae pause a resume yn gweithredu ar gronfa ddata'r daemon",
            "pause and resume act on the daemon's database",
        ),
        (
            lambda: init_repository(starter, TUESDAY_MORNING.date()),
            TargetNotEmpty,
            ": ni ysgrifennwyd dim",
            ": nothing was written",
        ),
    ]
    for call, exception, cy, en in cases:
        in_welsh, in_english = _in_both(call, exception)
        assert cy in in_welsh, in_welsh
        assert en in in_english and en not in in_welsh, in_english


def test_a_retry_of_a_post_not_in_the_database_is_refused_in_welsh(project: Project, open_db: Any) -> None:
    from publisher.services.retry import RetryRefused, retry
    from publisher.services.status import Filters, UnknownPost, collect

    config = project.config()
    open_db(config)
    cy, en = _in_both(lambda: retry(config, "nope"), RetryRefused)
    assert cy == "dim postiad 'nope' yn y gronfa ddata" and en == "no post 'nope' in the database"
    cy, en = _in_both(lambda: collect(config, Filters(post_id="nope")), UnknownPost)
    assert cy == "dim postiad 'nope' yn y gronfa ddata" and en == "no post 'nope' in the database"


def test_the_queue_refuses_a_second_pause_in_welsh(project: Project, open_db: Any) -> None:
    from publisher.queue.pauses import PauseRefused
    from publisher.services.pausing import pause

    config = project.config()
    open_db(config)
    pause(config, "local", "storm", by="A. Jones")
    cy, en = _in_both(lambda: pause(config, "local", "storm", by="A. Jones"), PauseRefused)
    assert cy.startswith("Mae 'local' wedi'i oedi eisoes ers ") and cy.endswith(" UTC: storm")
    assert en.startswith("'local' is already paused since ")
    cy, _en = _in_both(lambda: pause(config, "nope", "storm", by="A. Jones"), PauseRefused)
    assert cy == "Nid yw 'nope' yn gyfrif yn y ffurfweddiad"


def test_the_emergency_refusals_are_in_welsh_with_welsh_day_names(project: Project) -> None:
    from publisher.emergency.authorisation import Refused, check_allowed
    from publisher.emergency.translator import TranslationError, translate_to_welsh

    config = project.config()
    cy, en = _in_both(lambda: check_allowed(config, "mallory", TUESDAY_MORNING, False), Refused)
    assert cy == "Ni chaiff 'mallory' ddefnyddio'r llwybr argyfwng; wedi'u hawdurdodi: A. Jones"
    assert en == "'mallory' may not use the emergency path; authorised: A. Jones"
    cy, en = _in_both(lambda: check_allowed(config, "A. Jones", TUESDAY_MORNING, False), Refused)
    assert cy.startswith("mae'r Tîm Cyfieithu yn y gwaith nawr (Dydd Mawrth 10:00, tan ")
    assert en.startswith("the Translation Team is at work now (Tuesday 10:00, until ")
    settings = MachineTranslation(key_env="NO_SUCH_TRANSLATOR_KEY")
    cy, _en = _in_both(lambda: translate_to_welsh(settings, "Flood warning"), TranslationError)
    assert cy == "mae cyfieithu peirianyddol angen allwedd Microsoft Translator yn y newidyn amgylchedd " + (
        "NO_SUCH_TRANSLATOR_KEY"
    )


def test_the_review_and_inbox_refusals_are_in_welsh(project: Project, open_db: Any, welsh: None) -> None:
    from publisher.emergency.review import ReviewError, ReviewRefused, approve
    from publisher.inbox.answers import UnknownMessage, load
    from publisher.inbox.export import subject_access

    config = project.config()
    db = open_db(config)
    assert _message(lambda: approve(config, 7, "Gwenllian Morgan", TUESDAY_MORNING), ReviewError) == (
        "dim eitem adolygu #7"
    )
    assert _message(lambda: approve(config, 7, "mallory", TUESDAY_MORNING), ReviewRefused) == (
        "Nid yw 'mallory' yn aelod o'r Tîm Cyfieithu; aelodau: Gwenllian Morgan, G. Morgan"
    )
    with db.sessions() as session:
        assert _message(lambda: load(session, 41), UnknownMessage) == "dim neges mewnflwch #41"
    assert _message(lambda: subject_access(config, "  ", "A. Jones", TUESDAY_MORNING), ValueError) == (
        "rhowch enw defnyddiwr y person: --author HANDLE"
    )


def test_a_configuration_error_of_the_operations_tables_is_in_welsh(project: Project, welsh: None) -> None:
    from publisher.operations import parse_after_pause, parse_notifications

    path = Path("config/publisher.toml")
    assert _message(lambda: parse_after_pause({"after_pause": "never"}, path), ConfigError) == (
        "config/publisher.toml: 'after_pause' = 'never': defnyddiwch \"publish\" neu \"expire\""
    )
    assert _message(lambda: parse_notifications({"notifications": {"smtp_prot": 25}}, path), ConfigError) == (
        "config/publisher.toml: allwedd anhysbys 'notifications.smtp_prot' (ai 'smtp_port' oedd dan sylw?)"
    )


def test_the_command_line_shows_a_service_refusal_in_welsh(project: Project) -> None:
    welsh = CliRunner().invoke(cli, ["--lang", "cy", "retry", "gritting"])
    english = CliRunner().invoke(cli, ["--lang", "en", "retry", "gritting"])
    assert welsh.exit_code == english.exit_code != 0
    assert "dim cronfa ddata yn " in welsh.output and "rhedwch retry lle mae cronfa ddata'r daemon" in welsh.output
    assert "run retry where the daemon's database is" in english.output


@pytest.fixture
def web(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from publisher.services.server import close_database
    from publisher.services.users import add_user
    from publisher.web.app import create_app

    monkeypatch.setenv("PUBLISHER_WEB_SECRET_KEY", SECRET)
    project.write("config/publisher.toml", project.config_path.read_text() + WEB_CONFIG)
    add_user(project.config(), "Siân", "comms", PASSWORD, False, "test", datetime.now(UTC) - timedelta(minutes=1))
    app = create_app(project.config())
    app.testing = True
    yield app
    close_database()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("cy", "dim postiad 'nope' yn y gronfa ddata"), ("en", "no post 'nope' in the database")],
)
def test_a_refused_retry_is_shown_on_the_queue_page_in_the_page_language(
    web: Any, language: str, expected: str
) -> None:
    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    login(client, "Siân")
    token = csrf(client.get("/queue").get_data(as_text=True))
    assert client.post("/queue/retry", data={"post": "nope", "csrf_token": token}).status_code == 302
    page = client.get("/queue").get_data(as_text=True)
    assert f'<html lang="{language}">' in page and expected in page.replace("&#39;", "'")


@pytest.mark.parametrize("language", ["cy", "en"])
def test_a_welsh_summary_may_be_short_whatever_the_language_of_the_findings(project: Project, language: str) -> None:
    """The emergency path drops welsh-parity's length warning for a summary by what it is, not by its English words."""
    from publisher.content.memory import in_memory_post
    from publisher.emergency.publish import validate
    from publisher.queue.states import TranslationSource

    config = project.config()
    english = (
        "Flood warning: the A470 is closed between Builth Wells and Rhayader because of flooding. "
        "Please find another way and follow the updates at https://www.example.gov.uk/flood"
    )
    post = in_memory_post(
        "emergency/flood", "Rhybudd llifogydd: mae'r A470 ar gau.", english, ["local"], project.content, "2027-01-12"
    )
    token = set_language(language)
    try:
        summary = [f.message for f in validate(config, post, TranslationSource.SUMMARY, TUESDAY_MORNING)]
        template = [f.message for f in validate(config, post, TranslationSource.TEMPLATE, TUESDAY_MORNING)]
    finally:
        reset_language(token)
    assert len(template) == len(summary) + 1, "only the length warning is waived for a summary"
    assert set(summary) < set(template)
