"""The ``outbox`` platform: the embedded default, needing no credentials.

Each delivery becomes one JSON file in the account's ``path`` folder, named
so that a directory listing shows publish order (UTC time first) and the
idempotency key makes a resend find the file it already wrote instead of
writing a second one.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher.platforms.base import PermanentError, Platform, PublishRequest, RemotePost, TransientError


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
        """Write atomically; a folder that cannot be written is an ordinary platform error naming the path.

        A full disk may free up (retried); a permission or a read-only file
        system needs a person (failed, with the path to fix).
        """
        tmp = path.with_suffix(".tmp")
        try:
            with tmp.open("w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            message = f"cannot write the outbox file {path}: {exc.strerror or exc}"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
                raise TransientError(message) from None
            raise PermanentError(message) from None

    def publish(self, request: PublishRequest) -> RemotePost:
        existing = self._existing(request.idempotency_key)
        if existing is not None:
            return self._remote(existing)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PermanentError(f"cannot create the outbox folder {self.folder}: {exc.strerror or exc}") from None
        now = datetime.now(UTC)
        path = self.folder / f"{now:%Y%m%dT%H%M%S%fZ}--{self.account.name}--{request.idempotency_key}.json"
        self._write(
            path,
            {
                "account": self.account.name,
                "published_at": now.isoformat(),
                "language": request.language,
                "text": request.text,
                "media": [{"file": str(m.path), "alt": m.alt} for m in request.media],
                "reply_to": request.reply_to.id if request.reply_to else None,
                "idempotency_key": request.idempotency_key,
            },
        )
        return self._remote(path)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        existing = self._existing(request.idempotency_key)
        return self._remote(existing) if existing is not None else None

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        existing = self._existing(post.id)
        if existing is None:
            raise PermanentError(f"outbox post {post.id} no longer exists")
        data = json.loads(existing.read_text("utf-8"))
        data.setdefault("edits", []).append({"at": datetime.now(UTC).isoformat(), "previous_text": data["text"]})
        data["text"] = text
        self._write(existing, data)
        return self._remote(existing)
