"""Mastodon through its REST API, called with ``requests`` (publisher/platforms/http.py).

Credentials: ``<prefix>_ACCESS_TOKEN``; the instance URL is the account's
``api_base`` (required). Each status carries ``language``: cy or en, and a
combined text the language of its first text, Welsh. Each also carries the
delivery's idempotency key as Mastodon's ``Idempotency-Key``, so a resend
after an unknown outcome returns the status already created instead of a
second one. A rate limit is handed to the queue with the instance's
``X-RateLimit-Reset``: the queue, not the adapter, decides when to retry.

The endpoints are called directly rather than through a client library: one
kept-alive session per account, and the JSON as it comes. Building a
library's objects out of every answer cost more CPU than the rest of a
delivery (docs/architecture.md "Exactly once").

The inbox reads mention notifications (a reply is a mention on Mastodon),
paging forward from the stored ``min_id`` so nothing is skipped; a reply to
a private mention or direct message keeps its visibility, so an answer to a
direct message never goes out in public (docs/inbox.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from publisher.i18n import _
from publisher.platforms.base import (
    LOOKBACK_PAGES,
    AccountIdentity,
    IncomingMessage,
    MediaFile,
    OutcomeUnknown,
    Page,
    PermanentError,
    Platform,
    PlatformError,
    PublishRequest,
    RateLimited,
    RemotePost,
    TransientError,
    looked_back_too_far,
)
from publisher.platforms.http import pinned_session, send
from publisher.platforms.matching import comparable, plain_text

PAGE_SIZE = 40  # notifications per request (the API's default; it allows up to 80)
MAX_PAGES = 25  # per collection; the next one carries on from the stored cursor
_PRIVATE = ("unlisted", "private", "direct")
_RESET = ("x-ratelimit-reset", "retry-after")


class Mastodon(Platform):
    """A Mastodon account on one instance."""

    name: ClassVar[str] = "mastodon"
    media_poll_interval: float = 0.5
    media_poll_tries: int = 20

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: requests.Session | None = None
        self._me: str | None = None

    def _api(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Call ``/api/...`` on the instance with the account's token; the JSON answer, errors classified."""
        if not self.api_base:
            raise PermanentError(
                _("account '%(account)s': Mastodon needs api_base (the instance URL) in the config")
                % {"account": self.account.name}
            )
        if self._session is None:
            self._session = pinned_session(self.api_base)
        authorization = {"Authorization": f"Bearer {self.credential('ACCESS_TOKEN')}", **(headers or {})}
        try:
            response = send(
                self._session,
                method,
                f"{self.api_base}{path}",
                timeout=self.timeout,
                redact=self.redact,
                reset_headers=_RESET,
                headers=authorization,
                params=params,
                data=data,
                files=files,
            )
        except PlatformError as exc:
            raise self._framed(exc) from None
        try:
            return response.json()
        except ValueError:
            raise PermanentError(
                self.redact(_("Mastodon refused it: %(detail)s") % {"detail": response.text[:200]})
            ) from None

    def _framed(self, exc: PlatformError) -> PlatformError:
        """The same error class, its text saying it was Mastodon (a reset time already past is dropped)."""
        detail = {"detail": exc.message}
        if isinstance(exc, RateLimited):
            future = exc.retry_at if exc.retry_at is not None and exc.retry_at.timestamp() > time.time() else None
            return RateLimited(self.redact(_("Mastodon rate limit: %(detail)s") % detail), retry_at=future)
        if isinstance(exc, TransientError):
            text = (
                _("Mastodon server error: %(detail)s")
                if exc.status
                else _("could not connect to the Mastodon instance: %(detail)s")
            )
            return TransientError(self.redact(text % detail), status=exc.status)
        if isinstance(exc, OutcomeUnknown):
            text = _("no answer from the Mastodon instance after sending: %(detail)s")
            return OutcomeUnknown(self.redact(text % detail), status=exc.status)
        return PermanentError(self.redact(_("Mastodon refused it: %(detail)s") % detail), status=exc.status)

    def _upload(self, media: MediaFile) -> str:
        image = self.prepared(media)
        attachment = self._api(
            "POST",
            "/api/v1/media",
            data={"description": self.alt_text(media)},
            files={"file": (image.filename, image.data, image.mime_type)},
        )
        for _step in range(self.media_poll_tries):  # large images are processed asynchronously
            if attachment.get("url"):
                break
            time.sleep(self.media_poll_interval)
            attachment = self._api("GET", f"/api/v1/media/{attachment['id']}")
        return str(attachment["id"])

    def publish(self, request: PublishRequest) -> RemotePost:
        media_ids = [self._upload(media) for media in self.attachable(request.media)]
        fields: dict[str, Any] = {"status": request.text, "language": request.primary_language}
        if request.reply_to:
            fields["in_reply_to_id"] = request.reply_to.id
        visibility = _visibility(request)
        if visibility:
            fields["visibility"] = visibility
        if media_ids:
            fields["media_ids[]"] = media_ids
        status = self._api(
            "POST", "/api/v1/statuses", data=fields, headers={"Idempotency-Key": request.idempotency_key}
        )
        return RemotePost(id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        status = self._api("PUT", f"/api/v1/statuses/{post.id}", data={"status": text})
        return RemotePost(id=str(status["id"]), url=status.get("url") or post.url)

    def verify(self) -> AccountIdentity:
        me = self._api("GET", "/api/v1/accounts/verify_credentials")
        self._me = str(me["id"])
        return AccountIdentity(
            name=f"@{me.get('acct') or me.get('username')}",
            id=self._me,
            url=me.get("url"),
            token_note=_("Mastodon access tokens do not expire"),
        )

    def profile(self) -> str:
        me = self._api("GET", "/api/v1/accounts/verify_credentials")
        source = me.get("source") or {}
        if source.get("note"):
            return str(source["note"])  # the plain text the account wrote
        return comparable(str(me.get("note") or ""), html_content=True)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        if self._me is None:
            self._me = str(self._api("GET", "/api/v1/accounts/verify_credentials")["id"])
        wanted = comparable(request.text)
        params: dict[str, Any] = {"limit": 40}
        for _step in range(LOOKBACK_PAGES):  # newest first, 40 a page, back to the first attempt's time
            page = self._api("GET", f"/api/v1/accounts/{self._me}/statuses", params=params) or []
            for status in page:
                created = status.get("created_at")
                if created and _when(created) < since:
                    return None
                if comparable(str(status.get("content", "")), html_content=True) == wanted:
                    return RemotePost(id=str(status["id"]), url=status.get("url") or status.get("uri"))
            if not page:
                return None
            params = {"max_id": page[-1]["id"], "limit": 40}
        raise looked_back_too_far(self.name, LOOKBACK_PAGES)

    # -- the inbox -------------------------------------------------------------

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Mention notifications after the stored ``min_id``, oldest page first.

        The first collection (no cursor) takes the newest page and starts from there.
        """
        min_id = json.loads(cursor).get("min_id") if cursor else None
        first = min_id is None
        for _step in range(MAX_PAGES):
            params = {"types[]": ["mention"], "limit": PAGE_SIZE, **({"min_id": min_id} if min_id else {})}
            batch = self._api("GET", "/api/v1/notifications", params=params) or []
            if not batch:
                return
            min_id = max((str(item["id"]) for item in batch), key=_id_order)
            messages = tuple(_incoming(item) for item in batch if item.get("type") == "mention" and item.get("status"))
            yield Page(messages, json.dumps({"min_id": min_id}))
            if first or len(batch) < PAGE_SIZE:
                return


def _visibility(request: PublishRequest) -> str | None:
    """A reply to a private mention or direct message stays as private as it (None: the account's default)."""
    wanted = request.reply_to.extra.get("visibility") if request.reply_to else None
    return wanted if wanted in _PRIVATE else None


def _id_order(value: str) -> tuple[int, str]:
    """Mastodon ids are numbers written as text: a longer one is newer."""
    return len(value), value


def _when(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _incoming(notification: Any) -> IncomingMessage:
    """One mention notification as an inbox message (the status is the message)."""
    status, author = notification["status"], notification["account"]
    status_id, parent = str(status["id"]), status.get("in_reply_to_id")
    url = status.get("url") or status.get("uri")
    return IncomingMessage(
        remote_id=status_id,
        text=plain_text(str(status.get("content") or "")),
        created_at=_when(status.get("created_at") or notification.get("created_at")),
        author_id=str(author["id"]),
        author_handle=str(author["acct"]),
        author_name=author.get("display_name") or None,
        kind="reply" if parent else "mention",
        url=url,
        parent_id=str(parent) if parent else None,
        language_hint=status.get("language"),
        reply_target=RemotePost(id=status_id, url=url, extra={"visibility": status.get("visibility")}),
    )
