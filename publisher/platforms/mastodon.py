"""Mastodon through Mastodon.py.

Credentials: ``<prefix>_ACCESS_TOKEN``; the instance URL is the account's
``api_base`` (required). Each status carries ``language``: cy or en, and a
combined text the language of its first text, Welsh. Each also carries the
delivery's idempotency key as Mastodon's ``Idempotency-Key``, so a resend
after an unknown outcome returns the status already created instead of a
second one. ``ratelimit_method="throw"``: the queue, not the library, decides
when to retry.

The inbox reads mention notifications (a reply is a mention on Mastodon),
paging forward from the stored ``min_id`` so nothing is skipped; a reply to
a private mention or direct message keeps its visibility, so an answer to a
direct message never goes out in public (docs/inbox.md).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

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
    PublishRequest,
    RateLimited,
    RemotePost,
    TransientError,
    looked_back_too_far,
)
from publisher.platforms.matching import comparable, plain_text

T = TypeVar("T")
MASTODON_VERSION = "4.3.0"
PAGE_SIZE = 40  # notifications per request (the API's default; it allows up to 80)
MAX_PAGES = 25  # per collection; the next one carries on from the stored cursor
_PRIVATE = ("unlisted", "private", "direct")
_NOT_SENT = (
    "Connection refused",
    "NewConnectionError",
    "Failed to resolve",
    "Name or service not known",
    "ConnectTimeout",
)


class Mastodon(Platform):
    """A Mastodon account on one instance."""

    name: ClassVar[str] = "mastodon"
    media_poll_interval: float = 0.5
    media_poll_tries: int = 20

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api: Any = None
        self._me: str | None = None

    @property
    def api(self) -> Any:
        if self._api is None:
            if not self.api_base:
                raise PermanentError(
                    _("account '%(account)s': Mastodon needs api_base (the instance URL) in the config")
                    % {"account": self.account.name}
                )
            from mastodon import Mastodon as Client

            self._api = Client(
                access_token=self.credential("ACCESS_TOKEN"),
                api_base_url=self.api_base,
                ratelimit_method="throw",
                request_timeout=self.timeout,
                version_check_mode="none",
                # Pinned: Mastodon.py 2.3 otherwise asks the server its version before a media
                # upload and recurses without end when that lookup fails.
                mastodon_version=MASTODON_VERSION,
            )
        return self._api

    def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a Mastodon.py call, turning its exceptions into the queue's."""
        import mastodon as lib

        try:
            return function(*args, **kwargs)
        except lib.MastodonRatelimitError as exc:
            reset = getattr(self._api, "ratelimit_reset", None)
            retry_at = datetime.fromtimestamp(reset, UTC) if reset and reset > time.time() else None
            raise RateLimited(
                self.redact(_("Mastodon rate limit: %(detail)s") % {"detail": exc}), retry_at=retry_at
            ) from None
        except lib.MastodonServerError as exc:
            raise TransientError(self.redact(_("Mastodon server error: %(detail)s") % {"detail": exc})) from None
        except lib.MastodonNetworkError as exc:
            text = str(exc)
            if any(marker in text for marker in _NOT_SENT):
                raise TransientError(
                    self.redact(_("could not connect to the Mastodon instance: %(detail)s") % {"detail": text})
                ) from None
            raise OutcomeUnknown(
                self.redact(_("no answer from the Mastodon instance after sending: %(detail)s") % {"detail": text})
            ) from None
        except lib.MastodonAPIError as exc:
            raise PermanentError(self.redact(_("Mastodon refused it: %(detail)s") % {"detail": exc})) from None

    def _upload(self, media: MediaFile) -> str:
        image = self.prepared(media)
        attachment = self._call(
            self.api.media_post,
            io.BytesIO(image.data),
            mime_type=image.mime_type,
            description=self.alt_text(media),
            file_name=image.filename,
        )
        for _step in range(self.media_poll_tries):  # large images are processed asynchronously
            if attachment.get("url"):
                break
            time.sleep(self.media_poll_interval)
            attachment = self._call(self.api.media, attachment["id"])
        return str(attachment["id"])

    def publish(self, request: PublishRequest) -> RemotePost:
        media_ids = [self._upload(media) for media in self.attachable(request.media)]
        status = self._call(
            self.api.status_post,
            request.text,
            in_reply_to_id=request.reply_to.id if request.reply_to else None,
            visibility=_visibility(request),
            media_ids=media_ids or None,
            language=request.primary_language,
            idempotency_key=request.idempotency_key,
        )
        return RemotePost(id=str(status["id"]), url=status.get("url") or status.get("uri"))

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        status = self._call(self.api.status_update, post.id, text)
        return RemotePost(id=str(status["id"]), url=status.get("url") or post.url)

    def verify(self) -> AccountIdentity:
        me = self._call(self.api.account_verify_credentials)
        self._me = str(me["id"])
        return AccountIdentity(
            name=f"@{me.get('acct') or me.get('username')}",
            id=self._me,
            url=me.get("url"),
            token_note=_("Mastodon access tokens do not expire"),
        )

    def profile(self) -> str:
        me = self._call(self.api.account_verify_credentials)
        source = me.get("source") or {}
        if source.get("note"):
            return str(source["note"])  # the plain text the account wrote
        return comparable(str(me.get("note") or ""), html_content=True)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        if self._me is None:
            self._me = str(self._call(self.api.account_verify_credentials)["id"])
        wanted = comparable(request.text)
        max_id = None
        for _step in range(LOOKBACK_PAGES):  # newest first, 40 a page, back to the first attempt's time
            page = self._call(self.api.account_statuses, self._me, max_id=max_id, limit=40) or []
            for status in page:
                created = status.get("created_at")
                if isinstance(created, datetime) and created.astimezone(UTC) < since:
                    return None
                if comparable(str(status.get("content", "")), html_content=True) == wanted:
                    return RemotePost(id=str(status["id"]), url=status.get("url") or status.get("uri"))
            if not page:
                return None
            max_id = page[-1]["id"]
        raise looked_back_too_far(self.name, LOOKBACK_PAGES)

    # -- the inbox -------------------------------------------------------------

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Mention notifications after the stored ``min_id``, oldest page first.

        The first collection (no cursor) takes the newest page and starts from there.
        """
        min_id = json.loads(cursor).get("min_id") if cursor else None
        first = min_id is None
        for _step in range(MAX_PAGES):
            batch = self._call(self.api.notifications, types=["mention"], min_id=min_id, limit=PAGE_SIZE) or []
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
