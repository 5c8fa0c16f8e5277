"""Instagram (professional account) through the Graph API: container, poll, publish.

Credentials: ``<prefix>_ACCESS_TOKEN``; the Instagram user id from the option
``ig_user_id`` or ``<prefix>_USER_ID``. Instagram fetches images itself from a
public URL, so what it fetches must already be the prepared copy (a JPEG
without location data, docs/platforms.md "Images"): the adapter writes it into
the account's ``media_folder``, which the website serves at ``media_base_url``,
before creating the container. Instagram has no text-only posts, no edits and
no deletion through the API. The account's ``biography`` is its bio for the
profile audit (policy 9.6).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, ClassVar

from publisher.platforms.base import (
    AccountIdentity,
    PermanentError,
    PublishRequest,
    RemotePost,
    TransientError,
)
from publisher.platforms.graph import GraphPlatform
from publisher.platforms.matching import comparable


class Instagram(GraphPlatform):
    """An Instagram professional account."""

    name: ClassVar[str] = "instagram"
    poll_interval: float = 2.0
    poll_tries: int = 30

    def token(self) -> str:
        return self.credential("ACCESS_TOKEN")

    @property
    def user_id(self) -> str:
        return self.identifier("USER_ID")

    def _wait_until_ready(self, container: str) -> None:
        for _ in range(self.poll_tries):
            status = self.graph("GET", container, params={"fields": "status_code"}).get("status_code")
            if status == "FINISHED":
                return
            if status in ("ERROR", "EXPIRED"):
                raise PermanentError(f"Instagram could not process the image (container {container}: {status})")
            time.sleep(self.poll_interval)
        raise TransientError(f"Instagram is still processing the image (container {container}); will try again")

    def _container(self, request: PublishRequest) -> str:
        urls = [(self.public_copy(media), self.alt_text(media)) for media in self.attachable(request.media)]
        if len(urls) == 1:
            url, alt = urls[0]
            return str(
                self.graph(
                    "POST", f"{self.user_id}/media", data={"image_url": url, "caption": request.text, "alt_text": alt}
                )["id"]
            )
        children = []
        for url, alt in urls:
            child = str(
                self.graph(
                    "POST",
                    f"{self.user_id}/media",
                    data={"image_url": url, "is_carousel_item": "true", "alt_text": alt},
                )["id"]
            )
            self._wait_until_ready(child)
            children.append(child)
        body: dict[str, Any] = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": request.text}
        return str(self.graph("POST", f"{self.user_id}/media", data=body)["id"])

    def publish(self, request: PublishRequest) -> RemotePost:
        if request.reply_to is not None:  # thread strategy, corrections: a comment on the post
            body = self.graph("POST", f"{request.reply_to.id}/comments", data={"message": request.text})
            return RemotePost(id=str(body["id"]), url=request.reply_to.url, extra={"comment_on": request.reply_to.id})
        if not request.media:
            raise PermanentError(
                "Instagram has no text-only posts: add an image to the post (or use another account for it)"
            )
        container = self._container(request)
        self._wait_until_ready(container)
        media_id = str(self.graph("POST", f"{self.user_id}/media_publish", data={"creation_id": container})["id"])
        permalink = self.graph("GET", media_id, params={"fields": "permalink"}).get("permalink")
        return RemotePost(id=media_id, url=permalink)

    def verify(self) -> AccountIdentity:
        user = self.graph("GET", self.user_id, params={"fields": "id,username"})
        username = str(user.get("username") or self.user_id)
        expires, note = self.token_status()
        return AccountIdentity(
            name=f"@{username}",
            id=str(user.get("id") or self.user_id),
            url=f"https://www.instagram.com/{username}/",
            token_expires_at=expires,
            token_note=note,
        )

    def profile(self) -> str:
        return str(self.graph("GET", self.user_id, params={"fields": "biography"}).get("biography") or "")

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        wanted = comparable(request.text)
        if request.reply_to is not None:
            comments = self.pages(f"{request.reply_to.id}/comments", {"fields": "id,text,timestamp", "limit": "100"})
            for item in comments:
                if comparable(str(item.get("text", ""))) == wanted:
                    return RemotePost(id=str(item["id"]), url=request.reply_to.url)
            return None
        params = {"fields": "id,caption,permalink,timestamp", "limit": "100"}
        for item in self.pages(f"{self.user_id}/media", params):  # newest first: stop at the first attempt's time
            stamp = str(item.get("timestamp", ""))
            try:
                created = datetime.fromisoformat(stamp.replace("+0000", "+00:00"))
            except ValueError:
                created = since
            if created < since:
                return None
            if comparable(str(item.get("caption", ""))) == wanted:
                return RemotePost(id=str(item["id"]), url=item.get("permalink"))
        return None
