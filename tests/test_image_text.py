"""Text in images (image-text-language, policy 8.2): real posters drawn by the test, read by the real Tesseract.

Each rule case fires where it should and stays silent where it should; the
results are cached by the image's hash; without Tesseract ``check`` says so
once and fails rather than pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.findings import Finding
from publisher.services import validation
from publisher.text import image_text
from publisher.text.image_text import CACHE_FILE, ImageTextReader, engine

from conftest import Project
from pictures import BILINGUAL, ENGLISH, WELSH, photo, poster

pytestmark = pytest.mark.skipif(
    engine() is None, reason="Tesseract with Welsh and English data is not installed (.ci/run installs it)"
)
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
CY_ALT = "Arwydd: Ffordd ar gau heddiw. Gyrrwch yn ofalus ar y ffyrdd gwledig."
EN_ALT = "Sign: Road closed today. Please drive carefully on rural roads."


def front(file: str, alt: str = CY_ALT, accounts: str = "[local]") -> str:
    return (
        f"publish_at: 2027-01-12T10:00\naccounts: {accounts}\nmedia:\n  - file: {file}\n    alt: {json.dumps(alt)}\n"
        f"    consent: not-required\n    rights: own\n{REVIEWED}"
    )


def en_front(file: str, alt: str = EN_ALT) -> str:
    return f"media:\n  - file: {file}\n    alt: {json.dumps(alt)}\n"


def found(project: Project, code: str = "image-text-language") -> list[Finding]:
    return [f for f in project.check().findings if f.code == code]


def test_the_reader_tells_welsh_english_and_bilingual_images_apart(tmp_path: Path) -> None:
    reader = ImageTextReader(tmp_path)
    for name, lines, expected in (
        ("cy.png", WELSH, {"cy"}),
        ("en.png", ENGLISH, {"en"}),
        ("both.png", BILINGUAL, {"cy", "en"}),
    ):
        path = tmp_path / name
        path.write_bytes(poster(lines))
        result = reader.read(path)
        assert result is not None and result.has_text, name
        assert result.languages == expected, (name, result.lines)
    (tmp_path / "photo.jpg").write_bytes(photo())
    result = reader.read(tmp_path / "photo.jpg")
    assert result is not None and not result.has_text


def test_released_tesseract_is_loaded_again_for_the_next_image(tmp_path: Path) -> None:
    """``release`` frees this process's Tesseract (a cold check does before forking); a later image still reads."""
    reader = ImageTextReader(None)
    (tmp_path / "cy.png").write_bytes(poster(WELSH))
    (tmp_path / "en.png").write_bytes(poster(ENGLISH))
    first = reader.read(tmp_path / "cy.png")
    assert first is not None and first.languages == {"cy"}
    assert os.getpid() in image_text._apis
    image_text.release()
    assert os.getpid() not in image_text._apis
    image_text.release()  # nothing loaded: nothing to do
    second = reader.read(tmp_path / "en.png")
    assert second is not None and second.languages == {"en"}


def test_a_cold_check_releases_tesseract_before_forking(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the first posts' images said is in the OCR cache the workers inherit, so the models go first."""
    monkeypatch.setattr(validation, "PARALLEL_FROM", 2)
    monkeypatch.setattr(validation, "_workers", lambda: 2)
    released: list[bool] = []
    real_release = image_text.release

    def release() -> None:
        released.append(os.getpid() in image_text._apis)
        real_release()

    monkeypatch.setattr(validation, "release_ocr", release)
    project.write("content/sign.png", poster(ENGLISH))
    for number in range(4):
        project.post(f"p{number}", cy_front=front("sign.png"), en_front=en_front("sign.png"))
    assert len(found(project)) == 4
    assert released == [True] and os.getpid() not in image_text._apis


def test_english_only_image_in_the_welsh_post_is_an_error(project: Project) -> None:
    project.write("content/sign.png", poster(ENGLISH))
    project.post(cy_front=front("sign.png"), en_front=en_front("sign.png"))
    [finding] = found(project)
    assert finding.severity == "error" and finding.file == "content/post.cy.md" and finding.line == 5
    assert "English only" in finding.message and "Road closed today" in finding.message
    assert "bilingual image" in finding.message and "Welsh version" in finding.message


def test_bilingual_image_is_fine(project: Project) -> None:
    project.write("content/sign.png", poster(BILINGUAL))
    project.post(
        cy_front=front("sign.png", alt="Arwydd dwyieithog: Ffordd ar gau heddiw."),
        en_front=en_front("sign.png", alt="A bilingual sign: Road closed today."),
    )
    assert found(project) == []


def test_each_language_its_own_version_is_fine_and_not_a_pair_mismatch(project: Project) -> None:
    project.write("content/sign-cy.png", poster(WELSH))
    project.write("content/sign-en.png", poster(ENGLISH))
    project.post(cy_front=front("sign-cy.png"), en_front=en_front("sign-en.png"))
    findings = project.check().findings
    assert [f for f in findings if f.code in ("image-text-language", "pair-mismatch")] == []


def test_different_files_without_text_in_their_own_language_are_a_pair_mismatch(project: Project) -> None:
    project.write("content/one.jpg", photo())
    project.write("content/two.jpg", photo(size=(600, 400)))
    project.post(
        cy_front=front("one.jpg", alt="Plant yn chwarae ar gae'r ysgol."),
        en_front=en_front("two.jpg", "Children playing."),
    )
    [mismatch] = found(project, "pair-mismatch")
    assert "'file' is 'one.jpg' here but 'two.jpg'" in mismatch.message and "its own language" in mismatch.message
    project.write("content/sign-en.png", poster(ENGLISH))
    project.post(cy_front=front("sign-en.png"), en_front=en_front("sign-en.png"))
    project.write("content/other-en.png", poster(["Road closed tomorrow", "Please use the diversion"]))
    project.post(
        cy_front=front("sign-en.png"),
        en_front=en_front("other-en.png", alt="Road closed tomorrow. Please use the diversion."),
    )
    assert len(found(project, "pair-mismatch")) == 1, "two English versions are not one per language"


def test_swapped_versions_are_caught(project: Project) -> None:
    project.write("content/sign-cy.png", poster(WELSH))
    project.write("content/sign-en.png", poster(ENGLISH))
    project.post(cy_front=front("sign-en.png"), en_front=en_front("sign-cy.png"))
    messages = {f.file: f.message for f in found(project)}
    assert "English only" in messages["content/post.cy.md"]
    assert "swapped" in messages["content/post.en.md"]


def test_welsh_only_shared_image_is_a_warning_in_the_english_post(project: Project) -> None:
    project.write("content/sign.png", poster(WELSH))
    project.post(
        cy_front=front("sign.png"), en_front=en_front("sign.png", alt="A sign saying the road is closed today.")
    )
    [finding] = found(project)
    assert finding.severity == "warning" and finding.file == "content/post.en.md"
    assert "Welsh only" in finding.message and "English version" in finding.message


def test_text_in_the_image_must_be_in_the_alt_text(project: Project) -> None:
    project.write("content/sign.png", poster(BILINGUAL))
    project.post(
        cy_front=front("sign.png", alt="Arwydd ar ochr y ffordd."),
        en_front=en_front("sign.png", alt="A sign at the roadside saying road closed today."),
    )
    [finding] = found(project)
    assert finding.severity == "warning" and finding.file == "content/post.cy.md" and finding.line == 6
    assert "“Ffordd ar gau heddiw”" in finding.message and "add the text to 'alt'" in finding.message


def test_results_are_cached_by_image_hash(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("content/sign.png", poster(ENGLISH))
    project.post(cy_front=front("sign.png"), en_front=en_front("sign.png"))
    assert len(found(project)) == 1
    lines = (project.root / ".publisher-cache" / CACHE_FILE).read_text().splitlines()
    assert len(lines) == 1 and "Road closed today" in json.loads(lines[0])["lines"][0]

    def no_tesseract(data: bytes, name: str) -> None:
        raise AssertionError("an unchanged image was read again")

    monkeypatch.setattr(image_text, "ocr", no_tesseract)
    project.write("content/copy.png", poster(ENGLISH))  # another file, the same picture
    project.post("second", cy_front=front("copy.png"), en_front=en_front("copy.png"))
    assert len(found(project)) == 2


def test_parallel_check_workers_all_add_to_the_cache(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "PARALLEL_FROM", 2)
    for number in range(4):
        project.write(
            f"content/sign{number}.png", poster([f"Road closed on day {number + 1}", "Please drive carefully"])
        )
        project.post(f"p{number}", cy_front=front(f"sign{number}.png"), en_front=en_front(f"sign{number}.png"))
    assert len(found(project)) == 4
    cache = (project.root / ".publisher-cache" / CACHE_FILE).read_text().splitlines()
    assert len({json.loads(line)["sha256"] for line in cache}) == 4


def test_an_image_another_process_has_just_read_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that loaded the cache before another process read the image takes that result (parallel workers)."""
    (tmp_path / "sign.png").write_bytes(poster(ENGLISH))
    late = ImageTextReader(tmp_path / "cache")
    assert late._load() == {}  # loaded before the image was read
    first = ImageTextReader(tmp_path / "cache").read(tmp_path / "sign.png")
    assert first is not None and first.lines

    def no_tesseract(data: bytes, name: str) -> None:
        raise AssertionError("the image was read again")

    monkeypatch.setattr(image_text, "ocr", no_tesseract)
    assert late.read(tmp_path / "sign.png") == first


def test_without_tesseract_check_says_so_once_and_fails(project: Project, tmp_path: Path) -> None:
    for number in range(3):
        project.write(f"content/photo{number}.jpg", photo(size=(500 + number, 400)))
        project.post(
            f"p{number}",
            cy_front=front(f"photo{number}.jpg", alt="Plant yn chwarae ar gae'r ysgol."),
            en_front=en_front(f"photo{number}.jpg", alt="Children playing on the school field."),
        )
    empty = tmp_path / "no-tools"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "check", "--format", "json"],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={"PATH": str(empty), "HOME": str(tmp_path)},
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    missing = [f for f in report["findings"] if f["code"] == "image-text-language"]
    assert len(missing) == 1 and report["errors"] == 1
    assert "Tesseract OCR is not installed" in missing[0]["message"] and "3 posts have images" in missing[0]["message"]
    assert "tesseract-ocr-cym" in missing[0]["message"]
