"""A toy platform for the test that adding a platform takes one record and one adapter module.

It writes each post to a JSON file in the account's ``folder`` option and
needs a ``TOKEN`` credential, like a real platform needs its keys.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from publisher.platforms.base import Platform, PublishRequest, RemotePost
from publisher.platforms.specs import Counting, Credential, PlatformSpec

SPEC = PlatformSpec(
    name="toy",
    title="Toy",
    adapter="toy_platform",
    text_limit=160,
    counting=Counting.CHARACTERS,
    image_formats=frozenset({"png"}),
    image_max_bytes=1000,
    images_per_post=1,
    hashtag_cap=2,
    options=("folder",),
    credentials=(Credential("TOKEN"),),
    resend_safety="the file is named after the idempotency key",
)


class Toy(Platform):
    """Posts are files named after their idempotency key; replies name their parent."""

    name: ClassVar[str] = "toy"

    def _path(self, key: str) -> Path:
        return Path(self.account.option("folder")) / f"{key}.json"

    def publish(self, request: PublishRequest) -> RemotePost:
        self.credential("TOKEN")
        path = self._path(request.idempotency_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        reply_to = request.reply_to.id if request.reply_to else None
        record = {"text": request.text, "language": request.language, "reply_to": reply_to}
        path.write_text(json.dumps(record), encoding="utf-8")
        return RemotePost(id=request.idempotency_key, url=path.resolve().as_uri())

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        path = self._path(request.idempotency_key)
        return RemotePost(id=request.idempotency_key, url=path.resolve().as_uri()) if path.exists() else None
