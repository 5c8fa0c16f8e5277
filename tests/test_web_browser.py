"""The web workspace in a real Chromium (Debian's), on the real production server: the issue's "Done when" list.

The server is ``publisher web`` (waitress) on 127.0.0.1 and a free port, on a
temporary project with SQLite. axe-core runs on every page in both languages;
screenshots of each page in each language are kept under
``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from emergency_support import BASE_ARGS, run_emergency
from web_support import PASSWORD, SECRET, seed_posts, welsh_message

from publisher.cli import cli
from publisher.services.users import add_user

from conftest import Project

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
PAGES = ("/calendar", "/calendar?view=week", "/queue", "/review", "/inbox", "/reports", "/audit", "/users")
ENGLISH_AS_WELSH = "The A483 at Llandrindod is closed because a wall has collapsed. Please avoid the area today."
WELSH = "Mae'r A483 yn Llandrindod ar gau oherwydd bod wal wedi dymchwel. Osgowch yr ardal heddiw."

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
    reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the [test] extra) is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped: " + (server.stderr.read().decode() if server.stderr else "")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web server did not start within 60 s")


def _prepare(project: Project) -> None:
    """Users, two emergency posts awaiting review, and a month of posts in every state."""
    project.write(
        "config/publisher.toml",
        project.config_path.read_text() + "\n[web]\nsecure_cookies = false\n\n[inbox]\n",
    )
    config = project.config()
    now = datetime.now(UTC)
    for name, role in (("admin", "admin"), ("Gwenllian Morgan", "translator"), ("Siân Comms", "comms")):
        add_user(config, name, role, PASSWORD, False, "test", now)
    for _item in range(2):
        assert run_emergency(project, *BASE_ARGS, "--by", "A. Jones", "--override-hours").exit_code == 0
    listed = json.loads(CliRunner().invoke(cli, ["review", "list", "--format", "json"]).output)["items"]
    assert len(listed) == 2
    seed_posts(config, now.replace(hour=9, minute=0) - timedelta(days=3), 12, timedelta(hours=13))
    welsh_message(config)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``publisher web`` running on a prepared project; its address."""
    root = tmp_path_factory.mktemp("web")
    project = Project(root)
    from conftest import BASE_CONFIG

    project.write("config/publisher.toml", BASE_CONFIG)
    project.content.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("PUBLISHER_WEB_SECRET_KEY", SECRET)
        _prepare(project)
    port = _free_port()
    env = {**os.environ, "PUBLISHER_WEB_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from publisher.cli import main; main()", "--config", str(project.config_path)]
    process = subprocess.Popen(
        [*command, "web", "--bind", f"127.0.0.1:{port}"], cwd=root, env=env, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _page(browser: Any, server: str, user: str | None, language: str = "cy") -> Any:
    context = browser.new_context(base_url=server, locale="cy-GB" if language == "cy" else "en-GB")
    page = context.new_page()
    if user:
        _login(page, user)
    return page


def _login(page: Any, user: str) -> None:
    page.goto("/login")
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/calendar**")


def _axe(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_log_in_read_the_calendar_and_open_a_preview(browser: Any, server: str) -> None:
    page = _page(browser, server, None, "en")
    page.goto("/calendar")
    assert "/login" in page.url, "a login is needed"
    _login(page, "Siân Comms")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Calendar")
    assert page.locator(".state-published").count() > 0 and page.locator(".state-failed").count() > 0
    page.locator("table.calendar a", has_text="post-00000").first.click()
    page.wait_for_url("**/posts/post-00000")
    assert page.locator("pre.text[lang=cy]").count() >= 1 and page.locator("pre.text[lang=en]").count() >= 1
    assert "characters, as outbox counts them" in page.content()
    page.goto("/calendar")
    page.locator("table.calendar a", has_text="emergency/").first.click()  # an id with a slash in it
    assert page.locator("h1").inner_text().startswith("Post emergency/")
    page.goto("/calendar?state=failed")
    assert page.locator(".state-failed").count() > 0 and page.locator(".state-published").count() == 0


def test_refuse_an_english_correction_accept_a_welsh_one_and_approve(browser: Any, server: str) -> None:
    page = _page(browser, server, "Gwenllian Morgan", "en")
    page.goto("/review")
    first = page.locator("section.review").first
    first_id = first.get_attribute("id")
    first.locator("textarea").fill(ENGLISH_AS_WELSH)
    first.locator("form.stack button[type=submit]").click()
    problem = page.locator(f"#{first_id} .problem")
    assert problem.is_visible(), "the English given as Welsh is refused on the page"
    assert "language-mismatch" in problem.inner_text()
    _shot(page, "review-refused-en")
    assert _axe(page) == [], "the refusal is accessible too"
    page.locator(f"#{first_id} textarea").fill(WELSH)
    page.locator(f"#{first_id} form.stack button[type=submit]").click()
    assert page.locator(".notice").inner_text().count("corrected") == 1
    assert page.locator(f"#{first_id}").count() == 0
    second_id = page.locator("section.review").first.get_attribute("id")
    page.locator(f"#{second_id} form.inline button[type=submit]").click()
    assert "approved" in page.locator(".notice").inner_text()
    assert page.locator("section.review").count() == 0


def test_switch_language_welsh_first(browser: Any, server: str) -> None:
    page = _page(browser, server, "admin", "en")
    buttons = page.locator("header form.inline").first.locator("button")
    assert buttons.nth(0).inner_text() == "Cymraeg" and buttons.nth(0).get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text().startswith("Calendar")
    buttons.nth(0).click()
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text().startswith("Calendr")
    page.goto("/queue")
    assert page.locator("h1").inner_text().startswith("Ciw")
    page.locator("header form.inline").first.locator("button", has_text="English").click()
    assert page.locator("h1").inner_text().startswith("Queue")


def test_a_forged_form_is_refused_and_a_translator_refused_an_admin_page(browser: Any, server: str) -> None:
    admin = _page(browser, server, "admin", "en")
    forged = admin.request.post(
        server + "/users/add", form={"name": "mallory", "role": "admin", "password": "a long password here"}
    )
    assert forged.status == 400, "no CSRF token: refused"
    admin.goto("/users")
    assert "mallory" not in admin.content()
    translator = _page(browser, server, "Gwenllian Morgan", "cy")
    response = translator.goto("/users")
    assert response.status == 403
    assert "Dyw eich rôl ddim yn caniatáu hyn" in translator.content()
    _shot(translator, "refused-cy")


@pytest.mark.parametrize("language", ["cy", "en"])
def test_every_page_passes_axe_and_is_kept_as_a_screenshot(browser: Any, server: str, language: str) -> None:
    page = _page(browser, server, "admin", language)
    problems = {}
    for path in (*PAGES, "/posts/post-00000", "/inbox/1"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        name = path.strip("/").replace("?", "-").replace("=", "-").replace("/", "-") or "home"
        _shot(page, f"{name}-{language}")
        found = _axe(page)
        if found:
            problems[path] = found
    login = _page(browser, server, None, language)
    login.goto("/login")
    _shot(login, f"login-{language}")
    if _axe(login):
        problems["/login"] = _axe(login)
    print(f"\nscreenshots: {SHOTS}")
    assert problems == {}


def test_keyboard_only_login_and_a_form(browser: Any, server: str) -> None:
    page = _page(browser, server, None, "en")
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip", "the skip link comes first"
    for _step in range(3):  # past the language switch (two buttons)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "name":
            break
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/calendar**")
    page.focus("#state")
    page.keyboard.press("ArrowDown")  # the first state
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON", "the Show button follows the last filter"
    page.keyboard.press("Enter")
    page.wait_for_url("**state=**")
    assert "state=scheduled" in page.url


def test_retry_pause_and_resume_from_the_queue(browser: Any, server: str) -> None:
    page = _page(browser, server, "Siân Comms", "en")
    page.goto("/queue")
    row = page.locator("tr", has_text="post-00002")
    assert row.locator(".state-failed").count() == 1
    row.locator("button", has_text="Retry").click()
    assert "back in the queue, Welsh first" in page.locator(".notice").inner_text()
    assert page.locator("tr", has_text="post-00002").count() == 0, "no longer failed"
    page.fill("#pause-reason", "A major incident: hold the scheduled posts")
    page.locator("button", has_text="Pause scheduled posts").click()
    assert "Paused" in page.locator(".notice").inner_text()
    assert "A major incident" in page.locator("ul.pauses").inner_text()
    page.goto("/calendar")
    assert page.locator(".state-paused").count() > 0, "scheduled posts show as paused"
    _shot(page, "calendar-paused-en")
    page.goto("/queue")
    page.locator("ul.pauses button", has_text="Resume").click()
    assert "Resumed" in page.locator(".notice").inner_text()
    assert page.locator("ul.pauses").count() == 0
    translator = _page(browser, server, "Gwenllian Morgan", "en")
    translator.goto("/queue")
    assert translator.locator("button", has_text="Retry").count() == 0, "a translator sees no retry button"
    token = translator.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = translator.request.post(server + "/queue/retry", form={"post": "post-00006", "csrf_token": token})
    assert refused.status == 403, "and may not retry"
