"""Threads through the Threads API (``graph.threads.net``): a container, then publish.

Credentials: ``<prefix>_ACCESS_TOKEN``, a long-lived Threads user token (60
days; ``accounts check`` warns before it expires). The user id is the option
``threads_user_id``, else ``me``. Threads fetches images itself, so, as for
Instagram, the prepared copy (no location data) is written into the account's
``media_folder``, which the website serves at ``media_base_url``. Alt text goes as ``alt_text``. Replies (the
thread strategy, corrections) are containers with ``reply_to_id``. The API
has no edit, so corrections are Welsh replies.

Exactly once without an idempotency key: a container is published at most
once, in the call that created it, and after an unknown outcome the
account's threads (or replies) since the first attempt are searched for the
exact text before any resend (docs/platforms.md "Exactly once").
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import (
    AccountIdentity,
    PermanentError,
    PlatformError,
    PublishRequest,
    RemotePost,
    TransientError,
)
from publisher.platforms.graph import GraphPlatform
from publisher.platforms.matching import comparable

DEFAULT_API = "https://graph.threads.net"
DEFAULT_VERSION = "v1.0"
PAGES = 10  # up to 500 threads since the first attempt


class Threads(GraphPlatform):
    """A Threads profile."""

    name: ClassVar[str] = "threads"
    default_api_base: ClassVar[str] = DEFAULT_API
    version_option: ClassVar[str] = "threads_version"
    default_version: ClassVar[str] = DEFAULT_VERSION
    poll_interval: float = 2.0
    poll_tries: int = 30

    def token(self) -> str:
        return self.credential("ACCESS_TOKEN")

    @property
    def user_id(self) -> str:
        return self.account.option("threads_user_id") or "me"

    def _wait_until_ready(self, container: str) -> None:
        for _step in range(self.poll_tries):
            found = self.graph("GET", container, params={"fields": "status,error_message"})
            status = found.get("status")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                reason = found.get("error_message") or status
                raise PermanentError(
                    _("%(platform)s could not process the image (container %(container)s: %(status)s)")
                    % {"platform": "Threads", "container": container, "status": reason}
                )
            time.sleep(self.poll_interval)
        raise TransientError(
            _("%(platform)s is still processing the image (container %(container)s); will try again")
            % {"platform": "Threads", "container": container}
        )

    def _create(self, fields: dict[str, Any]) -> str:
        return str(self.graph("POST", f"{self.user_id}/threads", data=fields)["id"])

    def _container(self, request: PublishRequest) -> tuple[str, bool]:
        """The container for ``request`` and whether it holds images (which must be processed first)."""
        fields: dict[str, Any] = {"text": request.text}
        if request.reply_to is not None:
            fields["reply_to_id"] = request.reply_to.id
        media = self.attachable(request.media)
        if not media:
            return self._create({**fields, "media_type": "TEXT"}), False
        if len(media) == 1:
            image = {"image_url": self.public_copy(media[0]), "alt_text": self.alt_text(media[0])}
            return self._create({**fields, **image, "media_type": "IMAGE"}), True
        children = []
        for item in media:
            child = self._create(
                {
                    "media_type": "IMAGE",
                    "image_url": self.public_copy(item),
                    "alt_text": self.alt_text(item),
                    "is_carousel_item": "true",
                }
            )
            self._wait_until_ready(child)
            children.append(child)
        return self._create({**fields, "media_type": "CAROUSEL", "children": ",".join(children)}), True

    def _permalink(self, media_id: str) -> str | None:
        """The post's address; never an error, for the post is already out."""
        try:
            link = self.graph("GET", media_id, params={"fields": "permalink"}).get("permalink")
        except PlatformError:
            return None
        return str(link) if link else None

    def publish(self, request: PublishRequest) -> RemotePost:
        container, has_images = self._container(request)
        if has_images:
            self._wait_until_ready(container)
        media_id = str(self.graph("POST", f"{self.user_id}/threads_publish", data={"creation_id": container})["id"])
        extra = {"reply_to": request.reply_to.id} if request.reply_to is not None else {}
        return RemotePost(id=media_id, url=self._permalink(media_id), extra=extra)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        wanted = comparable(request.text)
        edge = "replies" if request.reply_to is not None else "threads"
        params = {"fields": "id,text,timestamp,permalink", "since": str(int(since.timestamp())), "limit": "50"}
        for _step in range(PAGES):
            body = self.graph("GET", f"{self.user_id}/{edge}", params=params)
            for item in body.get("data", []):
                if comparable(str(item.get("text", ""))) == wanted:
                    return RemotePost(id=str(item["id"]), url=item.get("permalink"))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not after or not paging.get("next"):
                return None
            params = {**params, "after": str(after)}
        return None

    def verify(self) -> AccountIdentity:
        me = self.graph("GET", self.user_id, params={"fields": "id,username"})
        username = str(me.get("username") or me.get("id") or self.user_id)
        expires, note = self.token_status()
        return AccountIdentity(
            name=f"@{username}",
            id=str(me.get("id") or "") or None,
            url=f"https://www.threads.net/@{username}",
            token_expires_at=expires,
            token_note=note,
        )

    def profile(self) -> str:
        return str(
            self.graph("GET", self.user_id, params={"fields": "threads_biography"}).get("threads_biography") or ""
        )
