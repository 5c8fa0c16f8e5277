"""Facebook Pages through the Graph API.

Credentials: ``<prefix>_PAGE_TOKEN`` (a Page access token); the Page id from
the account option ``page_id`` or ``<prefix>_PAGE_ID``. Photos carry their
alt text in ``alt_text_custom``. Facebook allows editing a published post,
which is how an emergency post's Welsh is corrected in place. The Page's
"about" and description are its bio for the profile audit (policy 9.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from publisher.platforms.base import AccountIdentity, PublishRequest, RemotePost
from publisher.platforms.graph import GraphPlatform
from publisher.platforms.matching import comparable


class Facebook(GraphPlatform):
    """A Facebook Page."""

    name: ClassVar[str] = "facebook"

    def token(self) -> str:
        return self.credential("PAGE_TOKEN")

    @property
    def page_id(self) -> str:
        return self.identifier("PAGE_ID")

    def _remote(self, post_id: str) -> RemotePost:
        return RemotePost(id=post_id, url=f"https://www.facebook.com/{post_id}")

    def publish(self, request: PublishRequest) -> RemotePost:
        if request.reply_to is not None:  # thread strategy, corrections: a comment on the post
            body = self.graph("POST", f"{request.reply_to.id}/comments", data={"message": request.text})
            return RemotePost(
                id=str(body["id"]),
                url=f"https://www.facebook.com/{body['id']}",
                extra={"comment_on": request.reply_to.id},
            )
        if len(request.media) == 1:
            media = request.media[0]
            image = self.prepared(media)
            body = self.graph(
                "POST",
                f"{self.page_id}/photos",
                data={"message": request.text, "alt_text_custom": self.alt_text(media)},
                files={"source": (image.filename, image.data, image.mime_type)},
            )
            return self._remote(str(body.get("post_id") or body["id"]))
        data: dict[str, str] = {"message": request.text}
        for index, media in enumerate(request.media):
            image = self.prepared(media)
            photo = self.graph(
                "POST",
                f"{self.page_id}/photos",
                data={"published": "false", "alt_text_custom": self.alt_text(media)},
                files={"source": (image.filename, image.data, image.mime_type)},
            )
            data[f"attached_media[{index}]"] = f'{{"media_fbid":"{photo["id"]}"}}'
        body = self.graph("POST", f"{self.page_id}/feed", data=data)
        return self._remote(str(body["id"]))

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        self.graph("POST", post.id, data={"message": text})
        return post

    def verify(self) -> AccountIdentity:
        page = self.graph("GET", self.page_id, params={"fields": "id,name,link"})
        expires, note = self.token_status()
        return AccountIdentity(
            name=str(page.get("name") or self.page_id),
            id=str(page.get("id") or self.page_id),
            url=page.get("link") or f"https://www.facebook.com/{self.page_id}",
            token_expires_at=expires,
            token_note=note,
        )

    def profile(self) -> str:
        page = self.graph("GET", self.page_id, params={"fields": "about,description"})
        return "\n".join(str(page[key]) for key in ("about", "description") if page.get(key))

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        wanted = comparable(request.text)
        path = f"{request.reply_to.id}/comments" if request.reply_to else f"{self.page_id}/posts"
        params = {"fields": "id,message,created_time", "limit": "100", "since": str(int(since.timestamp()))}
        for item in self.pages(path, params):  # only posts since the first attempt, however many
            if comparable(str(item.get("message", ""))) == wanted:
                return self._remote(str(item["id"]))
        return None
