"""The ``outbox`` platform: the embedded default, needing no credentials.

Each delivery becomes one JSON file in the account's ``path`` folder (its
images, prepared as a platform would receive them, in ``media/``), named
so that a directory listing shows publish order (UTC time first) and the
idempotency key makes a resend find the file it already wrote instead of
writing a second one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import AccountIdentity, MediaFile, PermanentError, Platform, PublishRequest, RemotePost
from publisher.platforms.files import atomic_write, make_folder, writable_folder
from publisher.platforms.media import write_copy


class Outbox(Platform):
    """Writes posts to files: for trying the tool, for CI, and as an audit copy."""

    name: ClassVar[str] = "outbox"

    @property
    def folder(self) -> Path:
        """The account's folder (config resolves it against the project root)."""
        return Path(self.account.path or "outbox")

    def _existing(self, key: str) -> Path | None:
        matches = sorted(self.folder.glob(f"*--{key}.json")) if self.folder.is_dir() else []
        return matches[0] if matches else None

    def _remote(self, path: Path) -> RemotePost:
        return RemotePost(id=path.stem.split("--")[-1], url=path.resolve().as_uri())

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))

    def _image(self, media: MediaFile) -> dict[str, str]:
        """The prepared image (as a platform would receive it) written beside the post's file."""
        try:
            target = write_copy(self.prepared(media), self.folder / "media")
        except OSError as exc:
            raise PermanentError(
                _("cannot write the image into the %(what)s folder: %(problem)s")
                % {"what": "outbox", "problem": exc.strerror}
            ) from None
        return {"file": str(media.path), "uploaded": str(target), "alt": self.alt_text(media)}

    def publish(self, request: PublishRequest) -> RemotePost:
        existing = self._existing(request.idempotency_key)
        if existing is not None:
            return self._remote(existing)
        make_folder(self.folder, "outbox")
        now = datetime.now(UTC)
        path = self.folder / f"{now:%Y%m%dT%H%M%S%fZ}--{self.account.name}--{request.idempotency_key}.json"
        self._write(
            path,
            {
                "account": self.account.name,
                "published_at": now.isoformat(),
                "language": request.language,
                "text": request.text,
                "media": [self._image(m) for m in request.media],
                "reply_to": request.reply_to.id if request.reply_to else None,
                "idempotency_key": request.idempotency_key,
            },
        )
        return self._remote(path)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        existing = self._existing(request.idempotency_key)
        return self._remote(existing) if existing is not None else None

    def verify(self) -> AccountIdentity:
        return writable_folder(self.folder, "outbox")

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        existing = self._existing(post.id)
        if existing is None:
            raise PermanentError(_("outbox post %(id)s no longer exists") % {"id": post.id})
        data = json.loads(existing.read_text("utf-8"))
        data.setdefault("edits", []).append({"at": datetime.now(UTC).isoformat(), "previous_text": data["text"]})
        data["text"] = text
        self._write(existing, data)
        return self._remote(existing)
