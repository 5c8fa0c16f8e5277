"""Issue 14, item 5: an image is checked again when it is uploaded.

Each delivery records the digest of its images when the post is queued; at
upload the file is opened without following links, must be a regular file
inside the content folder with the same digest, or nothing is uploaded and the
delivery fails with the code ``media-changed``. A sync in between sees an image
changed under an unchanged post and checks and queues the post again.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.platforms.account import Account
from publisher.platforms.base import MediaFile, PermanentError, PublishRequest
from publisher.platforms.outbox import Outbox

from conftest import CY_BODY, Project
from pictures import photo, plain

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
QUEUED_AT = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)  # an hour before the post is due
DUE = datetime(2027, 1, 12, 10, 1, tzinfo=UTC)
SECRET = "root:x:0:0:root:/root:/bin/bash\n"


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _post_with_image(project: Project) -> Path:
    image = project.write("content/media/field.jpg", photo())
    media = (
        "media:\n  - {file: media/field.jpg, alt: Maes chwaraeon gwag ar fore heulog., "
        "consent: not-required, rights: own}\n"
    )
    project.post(
        cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [local]\n{REVIEWED}{media}",
        en_front="media:\n  - {file: media/field.jpg, alt: An empty sports field on a sunny morning.}\n",
    )
    return image


def _status(project: Project) -> dict:  # type: ignore[type-arg]
    return json.loads(_cli("status", "--format", "json").stdout)


def _outbox_files(project: Project) -> list[Path]:
    folder = project.root / "outbox"
    return sorted(folder.rglob("*")) if folder.exists() else []


def _outbox(tmp_path: Path) -> Outbox:
    return Outbox(Account(name="local", platform="outbox", path=str(tmp_path / "outbox")))


def _request(media: MediaFile) -> PublishRequest:
    return PublishRequest(text=CY_BODY, language="cy", idempotency_key="k" * 32, media=(media,))


def _queued(tmp_path: Path) -> tuple[Path, MediaFile]:
    root = tmp_path / "content"
    image = root / "media" / "field.jpg"
    image.parent.mkdir(parents=True)
    image.write_bytes(photo())
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    return image, MediaFile(path=image, alt="Maes chwaraeon.", root=root, sha256=digest)


def test_the_queued_image_is_uploaded(tmp_path: Path) -> None:
    _, media = _queued(tmp_path)
    _outbox(tmp_path).publish(_request(media))
    assert list((tmp_path / "outbox" / "media").iterdir()), "the prepared copy was written"


def test_an_image_swapped_for_a_link_to_etc_passwd_is_not_read(tmp_path: Path) -> None:
    image, media = _queued(tmp_path)
    secret = tmp_path / "passwd"
    secret.write_text(SECRET)
    image.unlink()
    image.symlink_to(secret)
    with pytest.raises(PermanentError, match=r"^media-changed: .*symbolic link"):
        _outbox(tmp_path).publish(_request(media))
    written = [f for f in (tmp_path / "outbox").rglob("*") if f.is_file()]
    assert written == [], "nothing was written, let alone uploaded"


def test_a_folder_swapped_for_a_link_out_of_the_content_folder_is_refused(tmp_path: Path) -> None:
    image, media = _queued(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "field.jpg").write_bytes(image.read_bytes())  # even the same bytes
    os.rename(image.parent, tmp_path / "old-media")
    image.parent.symlink_to(outside)
    with pytest.raises(PermanentError, match=r"^media-changed: .*outside the content folder"):
        _outbox(tmp_path).publish(_request(media))


def test_a_fifo_in_place_of_the_image_neither_hangs_nor_uploads(tmp_path: Path) -> None:
    image, media = _queued(tmp_path)
    image.unlink()
    os.mkfifo(image)
    with pytest.raises(PermanentError, match=r"^media-changed: .*not a regular file"):
        _outbox(tmp_path).publish(_request(media))


def test_other_bytes_under_the_same_name_are_refused(tmp_path: Path) -> None:
    image, media = _queued(tmp_path)
    image.write_bytes(plain())
    with pytest.raises(PermanentError, match=r"^media-changed: .*not the image checked"):
        _outbox(tmp_path).publish(_request(media))


def test_the_daemon_records_each_image_digest_when_it_queues(project: Project) -> None:
    image = _post_with_image(project)
    with time_machine.travel(QUEUED_AT, tick=False):
        assert _cli("run", "--once").exit_code == 0
    from sqlalchemy import select

    from publisher.queue import models as m
    from publisher.queue.db import open_existing

    with open_existing(project.config()) as db, db.sessions() as session:
        media = [d.media for d in session.scalars(select(m.Delivery))]
    assert media == [[{"file": "media/field.jpg", "alt": media[0][0]["alt"], "sha256": _sha(image)}]]


def test_a_link_put_in_place_of_a_queued_image_holds_the_post_and_nothing_is_uploaded(
    project: Project, tmp_path: Path
) -> None:
    image = _post_with_image(project)
    with time_machine.travel(QUEUED_AT, tick=False):
        assert _cli("run", "--once").exit_code == 0
    secret = tmp_path.parent / f"{tmp_path.name}-passwd"
    secret.write_text(SECRET)
    image.unlink()
    image.symlink_to(secret)
    with time_machine.travel(DUE, tick=False):
        result = _cli("run", "--once")
    assert result.exit_code == 1, result.output
    [post] = _status(project)["posts"]
    assert post["state"] == "held" and "media-missing" in post["held_codes"]
    assert all(SECRET not in f.read_text(errors="replace") for f in _outbox_files(project) if f.is_file())
    assert not _outbox_files(project), "nothing published"


def test_an_image_replaced_by_the_editor_is_checked_and_queued_again(project: Project) -> None:
    image = _post_with_image(project)
    with time_machine.travel(QUEUED_AT, tick=False):
        assert _cli("run", "--once").exit_code == 0
        before = [d["id"] for d in _status(project)["posts"][0]["deliveries"]]
    image.write_bytes(photo(size=(800, 600)))  # a better photo, same name; no post file changed
    with time_machine.travel(DUE, tick=False):
        result = _cli("run", "--once")
    assert result.exit_code == 0, result.output
    [post] = _status(project)["posts"]
    published = [d for d in post["deliveries"] if d["state"] == "published"]
    assert published and not {d["id"] for d in published} & set(before), "new deliveries, with the new digest"
    [record] = [json.loads(f.read_text()) for f in _outbox_files(project) if f.suffix == ".json"]
    assert record["media"][0]["file"].endswith("field.jpg")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
