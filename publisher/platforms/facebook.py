"""Facebook Pages through the Graph API.

Credentials: ``<prefix>_PAGE_TOKEN`` (a Page access token); the Page id from
the account option ``page_id`` or ``<prefix>_PAGE_ID``. Photos carry their
alt text in ``alt_text_custom``. Facebook allows editing a published post,
which is how an emergency post's Welsh is corrected in place. The Page's
"about" and description are its bio for the profile audit (policy 9.6).

The inbox reads the comments (replies included) on the Page's recent posts
in one call per 25 posts (field expansion), newest first, from the stored
time of the newest comment collected; the Page's own comments are left out.
A comment is hidden with ``is_hidden`` (docs/inbox.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from publisher.platforms.base import AccountIdentity, IncomingMessage, Page, PublishRequest, RemotePost
from publisher.platforms.graph import EPOCH, GraphPlatform, cursor_of, graph_time, latest, since_of
from publisher.platforms.matching import comparable

COMMENT_FIELDS = "id,message,from,created_time,parent{id},is_hidden,permalink_url"
STREAM = {"filter": "stream", "order": "reverse_chronological", "fields": COMMENT_FIELDS}
COMMENT_PAGE = 100  # comments per request when paging through one post's comments
POSTS_PER_PAGE = 25
MAX_POST_PAGES = 8  # the 200 most recent posts at most; older ones are passed over once none was updated


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

    # -- the inbox -------------------------------------------------------------

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Comments newer than the cursor on the Page's posts; the cursor moves only when the round is done."""
        since = since_of(cursor)
        newest = since
        expanded = f"id,updated_time,comments.filter(stream).order(reverse_chronological).limit(50){{{COMMENT_FIELDS}}}"
        params = {"fields": expanded, "limit": str(POSTS_PER_PAGE)}
        for index in range(MAX_POST_PAGES):
            body = self.graph("GET", f"{self.page_id}/posts", params=params)
            posts = body.get("data") or []
            messages = []
            for post in posts:
                for comment in self.comments(post, since):
                    if str((comment.get("from") or {}).get("id")) != self.page_id:
                        messages.append(self._incoming(comment, str(post["id"])))
            newest = latest(newest, messages)
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            # A post's updated_time moves with each new comment: a page of posts none of which moved is the end.
            stale = since is not None and all(graph_time(str(p.get("updated_time") or EPOCH)) < since for p in posts)
            last = since is None or stale or not after or index == MAX_POST_PAGES - 1
            yield Page(tuple(messages), cursor_of(newest) if last else cursor)
            if last:
                return
            params = {**params, "after": str(after)}

    def comments(self, post: dict[str, Any], since: datetime | None) -> Iterator[dict[str, Any]]:
        """The comments embedded in ``post`` (read with field expansion), newest first, then later pages.

        Paging stops once a page reaches comments older than ``since``; the
        first collection (no ``since``) takes only what was embedded.
        """
        edge = post.get("comments") or {}
        while True:
            items = edge.get("data") or []
            yield from (c for c in items if since is None or graph_time(str(c["created_time"])) >= since)
            after = ((edge.get("paging") or {}).get("cursors") or {}).get("after")
            older = any(since is not None and graph_time(str(c["created_time"])) < since for c in items)
            if since is None or older or not after or not (edge.get("paging") or {}).get("next"):
                return
            page = {**STREAM, "limit": str(COMMENT_PAGE), "after": after}
            edge = self.graph("GET", f"{post['id']}/comments", params=page)

    def _incoming(self, comment: dict[str, Any], post_id: str) -> IncomingMessage:
        """One comment (or reply to a comment) on a Page post as an inbox message."""
        author = comment.get("from") or {}
        parent = (comment.get("parent") or {}).get("id")
        url = comment.get("permalink_url") or f"https://www.facebook.com/{comment['id']}"
        return IncomingMessage(
            remote_id=str(comment["id"]),
            text=str(comment.get("message") or ""),
            created_at=graph_time(str(comment["created_time"])),
            author_id=str(author.get("id") or ""),
            author_handle=str(author.get("name") or author.get("id") or "unknown"),
            author_name=author.get("name"),
            kind="comment",
            url=url,
            parent_id=str(parent) if parent else post_id,
            root_id=post_id,
            # A reply to a reply joins the thread of the comment it is under.
            reply_target=RemotePost(id=str(parent or comment["id"]), url=url, extra={"comment_on": post_id}),
            notice_target=self._remote(post_id),
            hideable=True,
        )

    def hide(self, message: RemotePost) -> RemotePost:
        """Hide a comment on our Page: visible then only to its author and their friends (policy 12)."""
        self.graph("POST", message.id, data={"is_hidden": "true"})
        return message
