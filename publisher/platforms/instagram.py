"""Instagram (professional account) through the Graph API: container, poll, publish.

Credentials: ``<prefix>_ACCESS_TOKEN``; the Instagram user id from the option
``ig_user_id`` or ``<prefix>_USER_ID``. Instagram fetches images itself from a
public URL, so what it fetches must already be the prepared copy (a JPEG
without location data, docs/platforms.md "Images"): the adapter writes it into
the account's ``media_folder``, which the website serves at ``media_base_url``,
before creating the container. Instagram has no text-only posts, no edits and
no deletion through the API. The account's ``biography`` is its bio for the
profile audit (policy 9.6).

The inbox reads the comments (and their replies) on the account's recent
media, one call per 25 media (field expansion). An answer to a comment goes
to its ``replies`` edge (Instagram threads replies under the top-level
comment); a comment is hidden with ``hide`` (docs/inbox.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import (
    AccountIdentity,
    IncomingMessage,
    Page,
    PermanentError,
    PublishRequest,
    RemotePost,
    TransientError,
)
from publisher.platforms.graph import GraphPlatform, graph_time, latest, since_of
from publisher.platforms.matching import comparable

COMMENT_FIELDS = "id,text,timestamp,username,from,hidden,parent_id"
MEDIA_PER_PAGE = 25
MEDIA_PAGES = 2  # comments on the 50 most recent media
COMMENT_PAGE = 100  # comments per request when paging through one media's comments
MAX_COMMENT_PAGES = 1000  # only a guard against a platform that pages for ever


def _replies(comment: dict[str, Any]) -> list[dict[str, Any]]:
    return list((comment.get("replies") or {}).get("data") or [])


def _edge(reply_to: RemotePost) -> str:
    """Where an answer to ``reply_to`` goes: a comment's replies, or a media object's comments."""
    return "replies" if reply_to.extra.get("comment") else "comments"


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
        for _step in range(self.poll_tries):
            status = self.graph("GET", container, params={"fields": "status_code"}).get("status_code")
            if status == "FINISHED":
                return
            if status in ("ERROR", "EXPIRED"):
                raise PermanentError(
                    _("%(platform)s could not process the image (container %(container)s: %(status)s)")
                    % {"platform": "Instagram", "container": container, "status": status}
                )
            time.sleep(self.poll_interval)
        raise TransientError(
            _("%(platform)s is still processing the image (container %(container)s); will try again")
            % {"platform": "Instagram", "container": container}
        )

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
        if request.reply_to is not None:  # thread strategy, corrections: a comment; the inbox: a reply to one
            path = f"{request.reply_to.id}/{_edge(request.reply_to)}"
            body = self.graph("POST", path, data={"message": request.text})
            return RemotePost(id=str(body["id"]), url=request.reply_to.url, extra={"comment_on": request.reply_to.id})
        if not request.media:
            raise PermanentError(
                _("Instagram has no text-only posts: add an image to the post (or use another account for it)")
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
            path = f"{request.reply_to.id}/{_edge(request.reply_to)}"
            comments = self.pages(path, {"fields": "id,text,timestamp", "limit": "100"})
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

    # -- the inbox -------------------------------------------------------------

    def _username(self, state: dict[str, Any]) -> str:
        """The account's own username (kept in the cursor): its own comments are not inbox messages."""
        if not state.get("me"):
            state["me"] = str(self.graph("GET", self.user_id, params={"fields": "username"}).get("username") or "")
        return str(state["me"])

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Comments and replies newer than the cursor on the recent media; the cursor moves when the round is done."""
        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        me, since = self._username(state), since_of(cursor)
        newest = since
        nested = f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}"
        params = {"fields": f"id,permalink,comments.limit(50){{{nested}}}", "limit": str(MEDIA_PER_PAGE)}
        pages = 1 if since is None else MEDIA_PAGES
        for index in range(pages):
            body = self.graph("GET", f"{self.user_id}/media", params=params)
            messages = [
                self._incoming(comment, media)
                for media in body.get("data") or []
                for comment in self._thread(media, since, nested)
                if comment.get("username") != me
            ]
            newest = latest(newest, messages)
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            last = not after or index == pages - 1
            moved = {"me": me, **({"since": newest.isoformat()} if newest else {})}
            yield Page(tuple(messages), json.dumps(moved if last else {**state, "me": me}))
            if last:
                return
            params = {**params, "after": str(after)}

    def _thread(self, media: dict[str, Any], since: datetime | None, nested: str) -> Iterator[dict[str, Any]]:
        """Each comment and reply newer than ``since``, newest page first; paging stops at a page with nothing new.

        A new reply can sit under an old comment, so every comment's replies are looked at.
        """
        edge = media.get("comments") or {}
        for _step in range(MAX_COMMENT_PAGES):
            fresh = False
            for comment in edge.get("data") or []:
                replies = [{**r, "parent_id": r.get("parent_id") or comment["id"]} for r in _replies(comment)]
                for item in (comment, *replies):
                    if since is None or graph_time(str(item["timestamp"])) >= since:
                        fresh = True
                        yield item
            paging = edge.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if since is None or not fresh or not after or not paging.get("next"):
                return
            params = {"fields": nested, "limit": str(COMMENT_PAGE), "after": after}
            edge = self.graph("GET", f"{media['id']}/comments", params=params)

    def _incoming(self, comment: dict[str, Any], media: dict[str, Any]) -> IncomingMessage:
        """One comment or reply on our media as an inbox message."""
        media_id, url = str(media["id"]), media.get("permalink")
        parent = comment.get("parent_id")
        author = comment.get("from") or {}
        return IncomingMessage(
            remote_id=str(comment["id"]),
            text=str(comment.get("text") or ""),
            created_at=graph_time(str(comment["timestamp"])),
            author_id=str(author.get("id") or ""),
            author_handle=str(comment.get("username") or author.get("username") or "unknown"),
            kind="comment",
            url=url,
            parent_id=str(parent) if parent else media_id,
            root_id=media_id,
            # Instagram threads every reply under the top-level comment.
            reply_target=RemotePost(id=str(parent or comment["id"]), url=url, extra={"comment": True}),
            notice_target=RemotePost(id=media_id, url=url),
            hideable=True,
        )

    def hide(self, message: RemotePost) -> RemotePost:
        """Hide a comment on our media: visible then only to its author (policy 12)."""
        self.graph("POST", message.id, data={"hide": "true"})
        return message
