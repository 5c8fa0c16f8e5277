"""The check cache: identical results, invalidated by every input that can change a verdict."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest

import publisher.services.validation as check_module
from publisher.services import verdict_cache
from publisher.services.validation import check_content
from publisher.services.verdict_cache import CACHE_FILE, TREE_FILE

from conftest import CY_BODY, CY_FRONT, EN_BODY, NOW, Project
from pictures import plain

JPEG = plain((400, 300), "JPEG")  # a real (tiny) image: check opens every image


def cached(project: Project, now=NOW):  # type: ignore[no-untyped-def]
    return check_content(project.config(), now=now, use_cache=True)


@pytest.fixture
def no_rules(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make any rule run fail loudly: a cached check must not run them."""

    def refuse(post, ctx):  # type: ignore[no-untyped-def]
        raise AssertionError(f"rules ran for {post.slug}")

    return lambda: monkeypatch.setattr(check_module.rules, "run", refuse)


def test_unchanged_tree_is_served_from_the_cache(project: Project, no_rules) -> None:  # type: ignore[no-untyped-def]
    project.post("a", cy_front=CY_FRONT.replace("[local]", "[nope]"))
    project.post("b")
    first = cached(project)
    no_rules()
    second = cached(project)
    assert second.findings == first.findings and second.posts == 2
    assert [f.code for f in second.findings] == ["account-unknown"]


@pytest.mark.parametrize("change", ["cy", "en", "config", "consent", "wordbank", "schedules", "media"])
def test_every_input_invalidates(project: Project, change: str) -> None:
    project.write("content/photo.jpg", JPEG)
    front = (
        CY_FRONT
        + "media:\n  - {file: photo.jpg, alt: Y parc yn y gaeaf dan eira., consent: not-required, rights: own}\n"
    )
    cy, en = project.post(
        cy_front=front, en_front="media:\n  - {file: photo.jpg, alt: The park in winter under snow.}\n"
    )
    assert cached(project).findings == []
    if change == "cy":
        cy.write_text(cy.read_text().replace("[local]", "[nope]"))
    elif change == "en":
        en.write_text(en.read_text().replace(EN_BODY, CY_BODY))  # the Welsh in both files
    elif change == "config":
        project.write(
            "config/publisher.toml",
            project.config_path.read_text().replace(
                '[accounts.local]\nplatform = "outbox"', '[accounts.locale]\nplatform = "outbox"'
            ),
        )
    elif change == "consent":
        cy.write_text(cy.read_text().replace("consent: not-required", "consent: PCF-1"))
        project.write("config/consent.csv", "reference,subject,expires_on,withdrawn_on\nPCF-1,x,2030-01-01,\n")
        assert cached(project).findings == []
        project.write(
            "config/consent.csv", "reference,subject,expires_on,withdrawn_on\nPCF-1,x,2030-01-01,2026-11-01\n"
        )
    elif change == "wordbank":
        cy.write_text(cy.read_text().replace("Ymddiheurwn", "Please contact the customer services team. Ymddiheurwn"))
        assert any(f.code == "language-mixed" for f in cached(project).findings)
        project.write("config/wordbank.yaml", "names: [customer services team]\n")
        assert not any(f.code == "language-mixed" for f in cached(project).findings)
        return
    elif change == "schedules":
        cy.write_text(cy.read_text().replace("publish_at: 2027-01-12T10:00", "schedule: weekly"))
        assert any(f.code == "schedule-invalid" for f in cached(project).findings)
        project.write(
            "schedules/weekly.yaml", 'name: weekly\naccounts: [local]\nslots:\n  - {days: [tue], at: "10:00"}\n'
        )
        assert not any(f.code == "schedule-invalid" for f in cached(project).findings)
        return
    elif change == "media":
        (project.content / "photo.jpg").write_bytes(b"NOT-AN-IMAGE" + b"\x00" * 56)  # same size, new mtime
    assert cached(project).findings != [], change


def test_time_passing_flips_a_cached_verdict(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", (NOW + timedelta(hours=1)).isoformat()))
    assert cached(project).findings == []
    later = NOW + timedelta(hours=8)
    assert [f.code for f in cached(project, now=later).findings] == ["schedule-invalid"]


def test_duplicate_id_in_another_post_is_seen_with_a_cached_first_post(project: Project) -> None:
    project.post("a", cy_front=CY_FRONT + "id: same\n")
    assert cached(project).findings == []
    project.post("b", cy_front=CY_FRONT + "id: same\n")
    assert sorted(f.file for f in cached(project).findings) == ["content/a.cy.md", "content/b.cy.md"]


def test_cache_is_safe_to_delete_or_corrupt(project: Project) -> None:
    project.post("a", cy_front=CY_FRONT.replace("[local]", "[nope]"))
    expected = cached(project).findings
    cache_file = project.root / ".publisher-cache" / CACHE_FILE
    assert cache_file.exists()
    cache_file.write_text("{not json")
    assert cached(project).findings == expected
    import shutil

    shutil.rmtree(project.root / ".publisher-cache")
    assert cached(project).findings == expected


@pytest.mark.parametrize("reading", ["here", "in the workers"])
def test_parallel_cold_run_matches_the_serial_one(
    project: Project, monkeypatch: pytest.MonkeyPatch, reading: str
) -> None:
    for index in range(12):
        project.post(f"p{index}", cy_front=CY_FRONT.replace("[local]", "[nope]") if index % 3 == 0 else CY_FRONT)
    serial = check_content(project.config(), now=NOW, use_cache=False)
    monkeypatch.setattr(check_module, "PARALLEL_FROM", 2)
    if reading == "in the workers":
        monkeypatch.setattr(check_module, "READ_IN_WORKERS_FROM", 2)
    parallel = check_content(project.config(), now=NOW, use_cache=True)
    assert parallel.findings == serial.findings and len(serial.findings) == 4
    again = check_content(project.config(), now=NOW, use_cache=True)
    assert again.findings == serial.findings


@pytest.mark.parametrize("reading", ["here", "in the workers"])
def test_a_settled_unchanged_file_is_not_read_again(
    project: Project, monkeypatch: pytest.MonkeyPatch, reading: str
) -> None:
    """A file whose stamp is the one remembered with its digest is not even opened (like git's index).

    The workers send back each file's digest and stamp without its location: the command pairs them with
    the files it found, and must remember them as well as when it reads the files itself.
    """
    monkeypatch.setattr(verdict_cache, "SETTLED_NS", 0)
    if reading == "in the workers":
        monkeypatch.setattr(check_module, "PARALLEL_FROM", 2)
        monkeypatch.setattr(check_module, "READ_IN_WORKERS_FROM", 2)
        monkeypatch.setattr(check_module, "_workers", lambda: 2)
    project.post("a", cy_front=CY_FRONT.replace("[local]", "[nope]"))
    project.post("b")
    first = cached(project)

    def refuse(location, limit):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{location} was read")

    with monkeypatch.context() as patch:
        patch.setattr(check_module, "read_regular", refuse)
        assert cached(project).findings == first.findings
    time.sleep(0.05)  # past the clock tick of the first write
    cy = project.content / "b.cy.md"
    cy.write_text(cy.read_text().replace("[local]", "[nop2]"))  # same size, new content
    assert {f.post for f in cached(project).findings} == {"a", "b"}


def test_a_file_written_just_before_the_check_is_read_again_next_time(project: Project) -> None:
    """A write in the same clock tick could leave the stamp as it was, so a fresh file's stamp is not trusted."""
    project.post("a")
    cached(project)
    remembered = verdict_cache.CheckCache(project.root / verdict_cache.CACHE_DIR).files
    assert not any(location.endswith("a.cy.md") for location in remembered)


@pytest.mark.parametrize("parallel_from", [10**6, 2], ids=["serial", "parallel"])
def test_progress_counts_every_judged_post_and_none_from_the_cache(
    project: Project, monkeypatch: pytest.MonkeyPatch, parallel_from: int
) -> None:
    monkeypatch.setattr(check_module, "PARALLEL_FROM", parallel_from)
    for index in range(12):
        project.post(f"p{index}")
    calls: list[tuple[int, int]] = []
    check_content(project.config(), now=NOW, use_cache=True, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)
    assert {total for _, total in calls} == {12}
    assert [done for done, _ in calls] == sorted(done for done, _ in calls), "progress never goes back"
    calls.clear()
    project.post("p3", cy_body=CY_BODY + " Diolch.")
    check_content(project.config(), now=NOW, use_cache=True, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 1), (1, 1)], "only the changed post is judged; the cache answers the rest"


def test_cached_check_without_a_database_imports_nothing_heavy(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(
        cy_front=CY_FRONT
        + "media:\n  - {file: photo.jpg, alt: Y parc yn y gaeaf., consent: not-required, rights: own}\n",
        en_front="media:\n  - {file: photo.jpg, alt: The park in winter.}\n",
    )
    heavy = "('lingua', 'sqlalchemy', 'twitter_text', 'markdown_it', 'PIL', 'tesserocr', 'emoji')"
    code = (
        "import sys; sys.argv = ['publisher', 'check']\n"
        "from publisher.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', [m for m in {heavy} if m in sys.modules])\n"
    )
    first = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=120)
    assert "'lingua'" in first.stdout and "'PIL'" in first.stdout, first.stdout + first.stderr  # the cold run works
    second = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in second.stdout, second.stdout + second.stderr


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled at once (as they are after two seconds), so the whole-tree memo is kept."""
    monkeypatch.setattr(verdict_cache, "SETTLED_NS", 0)


def test_an_unchanged_tree_is_answered_whole_without_looking_up_any_post(
    project: Project, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    project.post("a", cy_front=CY_FRONT.replace("[local]", "[nope]"))
    project.post("b")
    first = cached(project)
    assert (project.root / ".publisher-cache" / TREE_FILE).exists()

    def refuse(*args: object) -> None:
        raise AssertionError("the per-post cache was loaded")

    with monkeypatch.context() as patch:
        patch.setattr(check_module, "CheckCache", refuse)
        second = cached(project)
    assert second.findings == first.findings and second.posts == 2
    project.write("content/c.eng.md", "stray")  # strays come from the walk, not the memo
    assert "file-misnamed" in {f.code for f in cached(project).findings}


@pytest.mark.parametrize("change", ["post", "new post", "media", "time", "corrupt"])
def test_the_whole_tree_memo_is_not_used_once_anything_it_depends_on_changes(
    project: Project, settled: None, change: str
) -> None:
    project.write("content/photo.jpg", JPEG)
    front = (
        CY_FRONT
        + "media:\n  - {file: photo.jpg, alt: Y parc yn y gaeaf dan eira., consent: not-required, rights: own}\n"
    )
    cy, _ = project.post(cy_front=front, en_front="media:\n  - {file: photo.jpg, alt: The park in winter.}\n")
    assert cached(project).findings == []
    time.sleep(0.05)  # past the clock tick of the first writes
    now = NOW
    if change == "post":
        cy.write_text(cy.read_text().replace("[local]", "[nope]"))  # same size
    elif change == "new post":
        project.post("b", cy_front=CY_FRONT + "id: x\n")
        project.post("c", cy_front=CY_FRONT + "id: x\n")
    elif change == "media":
        (project.content / "photo.jpg").write_bytes(b"NOT-AN-IMAGE" + b"\x00" * 56)
    elif change == "time":
        now = NOW + timedelta(days=60)  # past the publishing time
    else:
        memo = project.root / ".publisher-cache" / TREE_FILE
        damaged = json.loads(memo.read_text())
        damaged["findings"] = [["not", "a", "finding"]]
        for text in ('{"key": 1, "findings": [[', json.dumps(damaged)):
            memo.write_text(text)
            assert cached(project).findings == []
        return
    assert cached(project, now=now).findings != [], change


def test_a_cache_of_many_write_batches_is_read_back_whole(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is written a batch of items at a time (to keep a cold check's peak memory down): every
    entry and file record comes back, including a section left empty."""
    monkeypatch.setattr(verdict_cache, "WRITE_BATCH", 3)
    folder = project.root / verdict_cache.CACHE_DIR
    cache = verdict_cache.CheckCache(folder)
    for number in range(10):
        findings = [{"code": "too-long", "line": number}] if number % 2 else []
        ref = {"slug": f"p{number}", "id": f"p{number}"}
        cache.put(f"key{number}", verdict_cache.Entry(findings=findings, ref=ref, valid_until=2e9))
        cache.remember(f"/content/p{number}.cy.md", (number, 1, 1, number), f"digest{number}", 10**19)
    cache.save(set(cache.entries), set(cache.files))
    again = verdict_cache.CheckCache(folder)
    assert again.entries == cache.entries and len(again.entries) == 10
    assert again.files == cache.files and len(again.files) == 10
    again.save(set(again.entries), set())  # no file records kept: an empty section
    assert json.loads((folder / CACHE_FILE).read_text())["files"] == {}
