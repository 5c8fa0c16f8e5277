"""The web workspace through Flask's test client: logins, sessions, CSRF, roles, audit, pages in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from web_support import PASSWORD, SECRET, WEB_CONFIG, csrf, login, seed_posts, welsh_message

from publisher.cli import cli
from publisher.services.users import add_user

from conftest import Project


@pytest.fixture
def web(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The application on the project, with an administrator, a translator and a viewer."""
    monkeypatch.setenv("PUBLISHER_WEB_SECRET_KEY", SECRET)
    project.write("config/publisher.toml", project.config_path.read_text() + WEB_CONFIG)
    config = project.config()
    now = datetime.now(UTC)
    for name, role in (("admin", "admin"), ("Gwenllian Morgan", "translator"), ("viewer", "viewer")):
        add_user(config, name, role, PASSWORD, False, "test", now)
    from publisher.web.app import create_app

    app = create_app(config)
    app.testing = True
    yield app
    from publisher.services.server import close_database

    close_database()


def _client(web: Any, language: str) -> Any:
    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _events(project: Project) -> list[tuple[str, str]]:
    from publisher.services.audit import recent_events

    return [(e["actor"], e["action"]) for e in reversed(recent_events(project.config()))]


def test_every_page_needs_a_login(web: Any) -> None:
    client = web.test_client()
    for path in ("/calendar", "/queue", "/review", "/inbox", "/reports", "/users", "/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.get("/healthz").status_code == 200


def test_login_is_audited_and_a_wrong_password_refused(web: Any, project: Project) -> None:
    client = web.test_client()
    assert login(client, "admin", "not the password").status_code == 401
    response = login(client, "admin")
    assert response.status_code == 302
    assert client.get("/calendar").status_code == 200
    assert ("admin", "web_login_failed") in _events(project) and ("admin", "web_login") in _events(project)


def test_logins_are_rate_limited_per_user_in_the_database(web: Any) -> None:
    client = web.test_client()
    for _attempt in range(5):
        assert login(client, "viewer", "wrong password!").status_code == 401
    refused = login(client, "viewer")  # the right password, too late
    assert refused.status_code == 401
    assert "Too many failed attempts" in refused.get_data(as_text=True) or "Gormod" in refused.get_data(as_text=True)


def test_a_form_without_the_csrf_token_is_refused(web: Any) -> None:
    client = web.test_client()
    login(client, "admin")
    response = client.post("/users/add", data={"name": "mallory", "role": "admin", "password": "x" * 20})
    assert response.status_code == 400
    assert client.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 400


def test_roles_are_enforced_on_the_server(web: Any) -> None:
    client = _client(web, "en")
    login(client, "Gwenllian Morgan")
    assert client.get("/users").status_code == 403
    assert client.get("/audit").status_code == 403
    token = csrf(client.get("/calendar").get_data(as_text=True))
    response = client.post("/users/add", data={"name": "m", "role": "admin", "password": "x" * 20, "csrf_token": token})
    assert response.status_code == 403
    viewer = web.test_client()
    login(viewer, "viewer")
    token = csrf(viewer.get("/review").get_data(as_text=True))
    assert viewer.post("/review/1/approve", data={"csrf_token": token}).status_code == 403


def test_an_administrator_adds_a_user_and_it_is_audited(web: Any, project: Project) -> None:
    client = web.test_client()
    login(client, "admin")
    token = csrf(client.get("/users").get_data(as_text=True))
    data = {"name": "Siân", "role": "comms", "password": "a long enough password", "csrf_token": token}
    assert client.post("/users/add", data=data).status_code == 201
    assert ("admin", "user_added") in _events(project)
    assert login(web.test_client(), "Siân", "a long enough password").status_code == 302


def test_logging_out_ends_the_session_in_the_database(web: Any) -> None:
    client = web.test_client()
    login(client, "admin")
    cookie = client.get_cookie("publisher_session")
    assert cookie is not None
    token = csrf(client.get("/calendar").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    stolen = web.test_client()
    stolen.set_cookie("publisher_session", cookie.value)
    assert stolen.get("/calendar").status_code == 302


def test_the_session_cookie_and_the_headers_are_strict(web: Any) -> None:
    client = web.test_client()
    response = login(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/calendar")
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.get_data(as_text=True) and "style=" not in page.get_data(as_text=True)


def test_the_trusted_header_counts_only_from_the_proxy(web: Any) -> None:
    header = {"X-Remote-User": "admin"}
    assert web.test_client().get("/calendar", headers=header).status_code == 302
    proxied = web.test_client().get("/calendar", headers=header, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert proxied.status_code == 200
    unknown = {"X-Remote-User": "nobody"}
    assert (
        web.test_client().get("/calendar", headers=unknown, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 403
    )


def test_the_calendar_shows_states_per_account_and_filters(web: Any, project: Project) -> None:
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    seed_posts(project.config(), start, 20, timedelta(hours=12))
    client = _client(web, "en-GB,en;q=0.9")
    login(client, "viewer")
    page = client.get("/calendar?date=2027-01-10").get_data(as_text=True)
    assert "post-00000" in page and "published" in page and "failed" in page and "welsh-missing" in page
    failed = client.get("/calendar?date=2027-01-10&state=failed").get_data(as_text=True)
    assert "post-00002" in failed and "post-00000" not in failed
    week = client.get("/calendar?date=2027-01-05&view=week").get_data(as_text=True)
    assert "post-00002" in week and "post-00019" not in week
    preview = client.get("/posts/post-00000").get_data(as_text=True)
    assert 'lang="cy"' in preview and "characters, as outbox counts them" in preview


def test_pages_speak_welsh_by_preference_and_by_choice(web: Any, project: Project) -> None:
    client = _client(web, "cy")
    login(client, "admin")
    for path in ("/calendar", "/queue", "/review", "/inbox", "/reports", "/users", "/audit"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="cy">' in page, path
    assert "Calendr" in client.get("/calendar").get_data(as_text=True)
    token = csrf(client.get("/calendar").get_data(as_text=True))
    client.post("/language", data={"lang": "en", "next": "/queue", "csrf_token": token})
    page = client.get("/queue").get_data(as_text=True)
    assert '<html lang="en">' in page and "Queue" in page
    assert page.index(">Cymraeg<") < page.index(">English<"), "Welsh first in the switch"


def test_reports_download_as_csv_json_and_html(web: Any) -> None:
    client = web.test_client()
    login(client, "viewer")
    assert client.get("/reports").status_code == 200
    body = client.get("/reports/compliance.json")
    assert body.status_code == 200 and "attachment" in body.headers["Content-Disposition"]
    json.loads(body.get_data(as_text=True))
    assert client.get("/reports/compliance.csv").mimetype == "text/csv"
    assert client.get("/reports/compliance.html").mimetype == "text/html"
    assert client.get("/reports/cadence.csv").status_code == 200
    assert client.get("/reports/cadence.html").status_code == 404


def test_users_commands_add_list_remove(project: Project) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "Siân", "--role", "comms", "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(cli, ["users", "list", "--format", "json"]).output)
    assert [(u["name"], u["role"]) for u in listed["users"]] == [("Siân", "comms")]
    short = runner.invoke(cli, ["users", "add", "x", "--role", "viewer", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "12" in short.output
    assert runner.invoke(cli, ["users", "remove", "Siân"]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["users", "list", "--format", "json"]).output) == {"users": []}


def test_the_cli_speaks_welsh_with_lang(project: Project, monkeypatch: Any) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    result = CliRunner().invoke(cli, ["--lang", "cy", "users", "list"])
    assert result.exit_code == 0
    assert "Dim defnyddwyr" in result.output
    assert "No users yet" in CliRunner().invoke(cli, ["users", "list"]).output, "the choice ends with the command"
    monkeypatch.setenv("LANG", "cy_GB.UTF-8")
    assert "Dim defnyddwyr" in CliRunner().invoke(cli, ["users", "list"]).output, "LANG chooses too"


def test_the_cli_roles_are_the_services_roles() -> None:
    from publisher.cli.users import ROLES
    from publisher.services import users

    assert ROLES == users.ROLES


def test_the_web_layer_runs_no_query() -> None:
    import ast
    from pathlib import Path

    offenders = []
    for path in sorted((Path(__file__).parent.parent / "publisher" / "web").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(("sqlalchemy", "publisher.queue"))]
    assert offenders == []


def test_a_second_factor_is_asked_for_and_each_code_works_once(web: Any, project: Project) -> None:
    import pyotp

    from publisher.services.users import add_user as add

    _user, uri = add(project.config(), "Dafydd", "viewer", PASSWORD, True, "test", datetime.now(UTC))
    assert uri is not None and uri.startswith("otpauth://totp/")
    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "six-digit code" in login(client, "Dafydd").get_data(as_text=True)
    code = pyotp.parse_uri(uri).now()
    token = csrf(client.get("/login").get_data(as_text=True))
    form = {"name": "Dafydd", "password": PASSWORD, "code": code, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    again = web.test_client()
    token = csrf(again.get("/login").get_data(as_text=True))
    assert again.post("/login", data={**form, "csrf_token": token}).status_code == 401, "a code is accepted once"


def test_single_sign_on_is_audited_as_such(web: Any, project: Project) -> None:
    web.test_client().get("/calendar", headers={"X-Remote-User": "viewer"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    from publisher.services.audit import recent_events

    [event] = [e for e in recent_events(project.config()) if e["action"] == "web_login"]
    assert event["actor"] == "viewer" and "trusted header" in event["detail"]


def test_a_trusted_header_needs_its_proxies(project: Project) -> None:
    from publisher.errors import ConfigError

    project.write("config/publisher.toml", project.config_path.read_text() + '\n[web]\ntrusted_header = "X-User"\n')
    with pytest.raises(ConfigError, match="trusted_proxies"):
        project.config()


def test_the_inbox_refuses_english_to_a_welsh_message_and_sends_welsh(project: Project, monkeypatch: Any) -> None:
    monkeypatch.setenv("PUBLISHER_WEB_SECRET_KEY", SECRET)
    project.write("config/publisher.toml", project.config_path.read_text() + WEB_CONFIG + "\n[inbox]\n")
    add_user(project.config(), "comms", "comms", PASSWORD, False, "test", datetime.now(UTC))
    message = welsh_message(project.config())
    from publisher.services.server import close_database
    from publisher.web.app import create_app

    client = _client(create_app(project.config()), "en")
    try:
        login(client, "comms")
        page = client.get("/inbox").get_data(as_text=True)
        assert f"#{message}" in page and 'lang="cy"' in page
        token = csrf(client.get(f"/inbox/{message}").get_data(as_text=True))
        english = {"en": "The library is open on Saturday from nine until one.", "csrf_token": token}
        refused = client.post(f"/inbox/{message}/reply", data=english)
        assert refused.status_code == 422 and "The answer was refused" in refused.get_data(as_text=True)
        welsh = {"cy": "Mae'r llyfrgell ar agor ddydd Sadwrn o naw tan un o'r gloch.", "csrf_token": token}
        assert client.post(f"/inbox/{message}/reply", data=welsh).status_code == 302
        assert ("comms", "inbox_reply") in _events(project)
    finally:
        close_database()


def test_an_unexpected_error_is_a_plain_page_in_the_persons_language(web: Any, monkeypatch: Any) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("publisher.web.pages.needs_a_person", broken)
    client = _client(web, "cy")
    login(client, "viewer")
    web.testing = False  # as in production: the error handler, not the exception
    response = client.get("/queue")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Aeth rhywbeth o" in page and "disk is full" not in page


def test_retry_and_pause_are_audited_with_the_web_user(web: Any, project: Project) -> None:
    seed_posts(project.config(), datetime.now(UTC) - timedelta(days=1), 4)
    add_user(project.config(), "Siân", "comms", PASSWORD, False, "test", datetime.now(UTC))
    client = _client(web, "cy")
    login(client, "Siân")
    token = csrf(client.get("/queue").get_data(as_text=True))
    assert client.post("/queue/retry", data={"post": "post-00002", "csrf_token": token}).status_code == 302
    assert "Mae 1 neges post-00002 yn ôl yn y ciw" in client.get("/queue").get_data(as_text=True)
    assert client.post("/queue/pause", data={"reason": "", "csrf_token": token}).status_code == 302
    assert "Dywedwch pam" in client.get("/queue").get_data(as_text=True)
    client.post("/queue/pause", data={"reason": "incident", "account": "local", "csrf_token": token})
    client.post("/queue/resume", data={"account": "local", "csrf_token": token})
    events = _events(project)
    assert {("Siân", "retried"), ("Siân", "paused"), ("Siân", "resumed")} <= set(events)


def test_publisher_web_needs_its_secret_key_and_a_good_address(
    project: Project, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from publisher.cli import main

    monkeypatch.delenv("PUBLISHER_WEB_SECRET_KEY", raising=False)
    for args, words in (
        (["web"], "set the environment variable PUBLISHER_WEB_SECRET_KEY"),
        (["web", "--bind", "localhost"], "HOST:PORT"),
        (["--lang", "cy", "web", "--bind", "localhost:99999"], "GWESTEIWR:PORTH"),
    ):
        monkeypatch.setattr("sys.argv", ["publisher", *args])
        with pytest.raises(SystemExit) as ended:
            main()
        assert ended.value.code == 2, args
        assert words in capsys.readouterr().err, args


def test_users_sessions_and_failed_logins_live_in_postgresql_too(
    project: Project, postgres_server: Any, monkeypatch: Any
) -> None:
    """Several servers on one PostgreSQL share the users, the sessions and the count of failed logins."""
    from publisher.services.users import authenticate, close_session, open_session, session_user

    monkeypatch.setenv("PUBLISHER_DATABASE_URL", postgres_server.create_database())
    config = project.config()
    now = datetime.now(UTC)
    user, _uri = add_user(config, "Gwen", "translator", PASSWORD, False, "test", now)
    for _attempt in range(5):
        assert authenticate(config, "Gwen", "wrong password", "", "10.0.0.1", now).refusal == "bad"
    assert authenticate(config, "Gwen", PASSWORD, "", "10.0.0.2", now).refusal == "locked"
    later = now + timedelta(minutes=16)
    assert authenticate(config, "Gwen", PASSWORD, "", "10.0.0.2", later).user == user
    token = open_session(config, user, "10.0.0.2", "password", later)
    assert session_user(config, token, later) == user
    close_session(config, token, later)
    assert session_user(config, token, later) is None


def test_the_queue_shows_the_first_rows_and_says_how_many_there_are(
    web: Any, project: Project, monkeypatch: Any
) -> None:
    seed_posts(project.config(), datetime.now(UTC) - timedelta(days=2), 40)
    monkeypatch.setattr("publisher.services.attention.LIMIT", 3)
    client = _client(web, "en")
    login(client, "viewer")
    page = client.get("/queue").get_data(as_text=True)
    assert "The most recent 3 of 10;" in page and "The first 3 of 4;" in page
    assert "Retry" not in page, "a viewer has no retry button"
