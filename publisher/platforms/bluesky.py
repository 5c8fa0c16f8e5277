"""Bluesky through the ``atproto`` client.

Credentials: ``<prefix>_HANDLE`` and ``<prefix>_APP_PASSWORD`` (an app
password); the PDS is the account's ``api_base`` (default https://bsky.social).

Exactly once without an idempotency header: the record key is a TID derived
from the delivery's idempotency key, so a resend after an unknown outcome
names the same record, and reconciling is one ``getRecord``. Each post sets
``langs`` (cy, en, or both for a combined text, Welsh first), link and
hashtag facets with UTF-8 byte offsets (Welsh ŵ and emoji make bytes differ
from characters), and alt text on images. App passwords do not expire.

The inbox reads notifications (replies, mentions, quotes) newest first down
to the stored high-water mark (Bluesky's cursor pages backwards only), and
hides a reply in one of our own threads by adding it to the thread root's
threadgate ``hiddenReplies``, keeping whatever reply rules the gate already
has (docs/inbox.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import (
    AccountIdentity,
    IncomingMessage,
    OutcomeUnknown,
    Page,
    PermanentError,
    Platform,
    PublishRequest,
    RateLimited,
    RemotePost,
    TransientError,
)
from publisher.platforms.http import parse_reset

DEFAULT_API = "https://bsky.social"
COLLECTION = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
MAX_HIDDEN = 300  # the lexicon's limit on a threadgate's hiddenReplies
REASONS = {"reply": "reply", "mention": "mention", "quote": "quote"}
PAGE_SIZE = 100
MAX_PAGES = 20
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")
_TAG = re.compile(r"(?<![\w#])#(\w+)")


def record_key(idempotency_key: str) -> str:
    """A valid TID (13 base32-sortable characters) derived from ``idempotency_key``.

    The timestamp part is kept between 2023 and 2033 so it looks like any
    other TID; the top bit is 0 as the spec requires.
    """
    value = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    micros = 1_700_000_000_000_000 + (value >> 10) % 315_000_000_000_000
    number = (micros << 10) | (value & 0x3FF)
    chars = []
    for _step in range(13):
        chars.append(TID_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def facets(text: str) -> list[dict[str, Any]]:
    """Link and tag facets for ``text``, indexed in UTF-8 bytes as the lexicon requires."""
    found = []
    for match in _URL.finditer(text):
        start = len(text[: match.start()].encode())
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group(0)}],
            }
        )
    for match in _TAG.finditer(text):
        start = len(text[: match.start()].encode())
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}],
            }
        )
    return sorted(found, key=lambda f: f["index"]["byteStart"])


class Bluesky(Platform):
    """A Bluesky account."""

    name: ClassVar[str] = "bluesky"
    default_api_base: ClassVar[str] = DEFAULT_API
    http_transport: Any = None  # an httpx transport, for tests

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: Any = None
        self._did: str | None = None
        self._handle: str | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from atproto import Client
            from atproto_client.request import Request

            options: dict[str, Any] = {"timeout": self.timeout}
            if self.http_transport is not None:
                options["transport"] = self.http_transport
            client = Client(base_url=self.api_base + "/xrpc", request=Request(**options))
            profile = self._call(client.login, self.credential("HANDLE"), self.credential("APP_PASSWORD"))
            self._did, self._handle = profile.did, profile.handle
            self._client = client
        return self._client

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an atproto call, turning its exceptions into the queue's."""
        import httpx
        from atproto_client import exceptions as x

        try:
            return function(*args, **kwargs)
        except x.RequestErrorBase as exc:
            response = exc.response
            if response is None:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout):
                    raise TransientError(
                        self.redact(_("could not connect to %(host)s") % {"host": self.api_base})
                    ) from None
                raise OutcomeUnknown(
                    self.redact(
                        _("no answer from %(host)s after sending (%(error)s)")
                        % {"host": self.api_base, "error": type(cause).__name__}
                    )
                ) from None
            message = self.redact(f"HTTP {response.status_code}: {exc}")
            if response.status_code == 429:
                headers = {k.lower(): v for k, v in (response.headers or {}).items()}
                raise RateLimited(message, retry_at=parse_reset(headers.get("ratelimit-reset"))) from None
            if response.status_code >= 500:
                raise TransientError(message, status=response.status_code) from None
            raise PermanentError(message, status=response.status_code) from None

    def _url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self._handle}/post/{rkey}"

    def _record(self, request: PublishRequest) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": request.text,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "langs": list(request.languages),
        }
        found = facets(request.text)
        if found:
            record["facets"] = found
        if request.media:
            images = []
            for media in self.attachable(request.media):
                blob = self._call(self.client.upload_blob, self.prepared(media).data).blob
                images.append({"alt": self.alt_text(media), "image": blob.model_dump(by_alias=True, exclude_none=True)})
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        if request.reply_to is not None:
            parent = {"uri": request.reply_to.extra["uri"], "cid": request.reply_to.extra["cid"]}
            root = request.reply_to.extra.get("root") or parent
            record["reply"] = {"root": root, "parent": parent}
        return record

    def _remote(self, rkey: str, uri: str, cid: str, request: PublishRequest) -> RemotePost:
        root = {"uri": uri, "cid": cid}  # a new thread starts here ...
        if request.reply_to is not None:  # ... a reply keeps its thread's root
            parent = request.reply_to.extra
            root = parent.get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
        return RemotePost(id=rkey, url=self._url(rkey), extra={"uri": uri, "cid": cid, "root": root})

    def publish(self, request: PublishRequest) -> RemotePost:
        from atproto import models

        rkey = record_key(request.idempotency_key)
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._did or self.client.me.did, collection=COLLECTION, rkey=rkey, record=self._record(request)
        )
        try:
            created = self._call(self.client.com.atproto.repo.create_record, data)
        except PermanentError as exc:
            if "already exists" not in exc.message.lower():
                raise
            existing = self.find_recent(request, datetime.now(UTC))  # the earlier attempt did land
            if existing is None:
                raise
            return existing
        return self._remote(rkey, created.uri, created.cid, request)

    def verify(self) -> AccountIdentity:
        client = self.client  # logging in is the read call that proves the app password
        did = self._did or client.me.did
        handle = self._handle or did
        return AccountIdentity(
            name=f"@{handle}",
            id=did,
            url=f"https://bsky.app/profile/{handle}",
            token_note=_("app passwords do not expire"),
        )

    def profile(self) -> str:
        client = self.client
        found = self._call(client.get_profile, actor=self._did or client.me.did)
        return str(getattr(found, "description", None) or "")

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        from atproto import models
        from atproto_client import exceptions as x

        rkey = record_key(request.idempotency_key)
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self._did or self.client.me.did, collection=COLLECTION, rkey=rkey
        )
        try:
            found = self._call(self.client.com.atproto.repo.get_record, params)
        except PermanentError as exc:
            text = exc.message.lower()
            if exc.status in (400, 404) and ("recordnotfound" in text or "could not locate record" in text):
                return None
            raise
        except x.AtProtocolError:
            return None
        return self._remote(rkey, found.uri, found.cid or "", request)

    # -- the inbox -------------------------------------------------------------

    def _query(self, nsid: str, params: Any) -> dict[str, Any]:
        """One XRPC query, its JSON body as a dict."""
        response = self._call(self.client.invoke_query, nsid, params=params)
        return response.content if isinstance(response.content, dict) else {}

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Notifications newer than the stored mark, newest first; a round cut short resumes where it stopped."""
        from atproto import models

        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        seen, resume, top = state.get("seen"), state.get("resume"), state.get("top")
        for _step in range(MAX_PAGES):
            params = models.AppBskyNotificationListNotifications.Params(
                limit=PAGE_SIZE, reasons=list(REASONS), cursor=resume
            )
            body = self._query("app.bsky.notification.listNotifications", params)
            notes = [n for n in body.get("notifications") or [] if n.get("reason") in REASONS]
            fresh = [n for n in notes if seen is None or str(n["indexedAt"]) > seen]
            top = max([top or "", *(str(n["indexedAt"]) for n in notes)]) or None
            resume = body.get("cursor")
            done = seen is None or not resume or len(fresh) < len(notes)  # the first collection reads one page
            state = {"seen": top} if done else {"seen": seen, "resume": resume, "top": top}
            yield Page(tuple(self._incoming(n) for n in fresh), json.dumps(state))
            if done:
                return

    def _ours(self, uri: str | None) -> str | None:
        """A post URI as RemotePost ids take it: the record key for our own posts, else the URI."""
        if not uri:
            return None
        did, _sep, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
        return rkey if did == (self._did or self.client.me.did) else uri

    def _incoming(self, note: dict[str, Any]) -> IncomingMessage:
        """One reply, mention or quote notification as an inbox message."""
        record, author = note.get("record") or {}, note.get("author") or {}
        uri, cid = str(note["uri"]), str(note["cid"])
        reply = record.get("reply") or {}
        root, parent = reply.get("root") or {}, reply.get("parent") or {}
        quoted = ((record.get("embed") or {}).get("record") or {}).get("uri")
        handle = str(author.get("handle") or author.get("did"))
        url = f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"
        ours = bool(root) and self._ours(root.get("uri")) != root.get("uri")  # a thread we started
        langs = record.get("langs") or []
        return IncomingMessage(
            remote_id=uri,
            text=str(record.get("text") or ""),
            created_at=datetime.fromisoformat(str(note["indexedAt"]).replace("Z", "+00:00")),
            author_id=str(author.get("did") or ""),
            author_handle=handle,
            author_name=author.get("displayName") or None,
            kind=REASONS[str(note["reason"])],
            url=url,
            parent_id=self._ours(parent.get("uri") or quoted),
            root_id=self._ours(root.get("uri")),
            language_hint=str(langs[0]) if langs else None,
            reply_target=RemotePost(
                id=uri, url=url, extra={"uri": uri, "cid": cid, "root": root or {"uri": uri, "cid": cid}}
            ),
            notice_target=RemotePost(id=root["uri"], extra={"uri": root["uri"], "cid": root["cid"]}) if ours else None,
            hideable=ours,
        )

    def hide(self, message: RemotePost) -> RemotePost:
        """Add the reply to its thread root's threadgate ``hiddenReplies`` (our own threads only)."""
        from atproto import models

        root = str((message.extra.get("root") or {}).get("uri") or "")
        did = self._did or self.client.me.did
        if not root.startswith(f"at://{did}/"):
            raise PermanentError(_("Bluesky lets an account hide replies only in threads it started"))
        rkey = root.rsplit("/", 1)[-1]
        gate = self._threadgate(did, rkey) or {"$type": THREADGATE, "post": root}
        hidden = list(gate.get("hiddenReplies") or [])
        if message.id not in hidden:
            if len(hidden) >= MAX_HIDDEN:
                raise PermanentError(
                    _("this Bluesky thread already hides %(limit)d replies, the most it can") % {"limit": MAX_HIDDEN}
                )
            hidden.append(message.id)
        record = {**gate, "hiddenReplies": hidden, "createdAt": gate.get("createdAt") or _now()}
        data = models.ComAtprotoRepoPutRecord.Data(repo=did, collection=THREADGATE, rkey=rkey, record=record)
        self._call(self.client.com.atproto.repo.put_record, data)
        return message

    def _threadgate(self, did: str, rkey: str) -> dict[str, Any] | None:
        """The thread root's threadgate record, if it has one."""
        from atproto import models

        params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=THREADGATE, rkey=rkey)
        try:
            value = self._query("com.atproto.repo.getRecord", params).get("value")
        except PermanentError as exc:
            text = exc.message.lower()
            if exc.status in (400, 404) and ("recordnotfound" in text or "could not locate record" in text):
                return None
            raise
        return dict(value) if isinstance(value, dict) else None


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
