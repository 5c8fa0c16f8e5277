"""LinkedIn Pages through the Posts API (``/rest/posts``), posting as the organisation.

Credentials: ``<prefix>_ACCESS_TOKEN``, a token of a Page administrator with
``w_organization_social`` and ``r_organization_social``; the organisation id
from the option ``organization_id`` or ``<prefix>_ORGANIZATION_ID``. Every
call carries ``LinkedIn-Version`` (option ``linkedin_version``) and
``X-Restli-Protocol-Version: 2.0.0``. LinkedIn tokens last 60 days and a
plain client cannot ask when one ends, so the option ``credentials_expire_on``
(the date LinkedIn gave) lets ``accounts check`` warn in time.

The text goes in LinkedIn's "little" format: its reserved characters are
escaped, or LinkedIn silently cuts the post at the first one; links and
#hashtags are left as they are so that they still work. Images go through the
Images API (initialise, then PUT the bytes), with their alt text in
``altText``. A reply (the thread strategy) is a comment; an edit is a
``PARTIAL_UPDATE`` of the commentary. No idempotency key: after an unknown
outcome the organisation's posts since the first attempt are searched before
any resend (docs/platforms.md "Exactly once").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from publisher.i18n import _
from publisher.platforms.base import (
    AccountIdentity,
    MediaFile,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PublishRequest,
    RemotePost,
)
from publisher.platforms.http import send
from publisher.platforms.matching import comparable

DEFAULT_API = "https://api.linkedin.com"
DEFAULT_VERSION = "202610"
PAGE_SIZE = 50
PAGES = 10
_RESERVED = re.compile(r"[\\|{}@\[\]()<>#*_~]")
_KEEP = re.compile(r"https?://\S+|(?<![\w#])#\w+")  # links and hashtags keep their characters
_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\?#\|([^}]*)\}")
_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")


def little_text(text: str) -> str:
    """``text`` in LinkedIn's little format: reserved characters escaped, links and hashtags kept."""
    out, start = [], 0
    for match in _KEEP.finditer(text):
        out.append(_RESERVED.sub(lambda m: "\\" + m.group(0), text[start : match.start()]))
        out.append(match.group(0))
        start = match.end()
    out.append(_RESERVED.sub(lambda m: "\\" + m.group(0), text[start:]))
    return "".join(out)


def plain_text(little: str) -> str:
    """What a little-format commentary reads as (LinkedIn hands hashtags back as templates)."""
    return _ESCAPED.sub(r"\1", _HASHTAG_TEMPLATE.sub(r"#\1", little))


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedIn(Platform):
    """A LinkedIn Page (organisation)."""

    name: ClassVar[str] = "linkedin"
    default_api_base: ClassVar[str] = DEFAULT_API

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = requests.Session()
        self.version = self.account.option("linkedin_version") or DEFAULT_VERSION

    @property
    def organization_urn(self) -> str:
        return f"urn:li:organization:{self.identifier('ORGANIZATION_ID')}"

    def call(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """One authorised, versioned Rest.li call, classified by :mod:`publisher.platforms.http`."""
        headers = {
            "Authorization": f"Bearer {self.credential('ACCESS_TOKEN')}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
            **kwargs.pop("headers", {}),
        }
        url = path_or_url if path_or_url.startswith("http") else self.api_base + path_or_url
        return send(self.session, method, url, timeout=self.timeout, redact=self.redact, headers=headers, **kwargs)

    # -- publishing ----------------------------------------------------------------

    def _upload(self, media: MediaFile) -> str:
        init = self.call(
            "POST",
            "/rest/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": self.organization_urn}},
        ).json()["value"]
        self.call(
            "PUT",
            str(init["uploadUrl"]),
            data=self.prepared(media).data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return str(init["image"])

    def _content(self, request: PublishRequest) -> dict[str, Any] | None:
        images = [{"id": self._upload(m), "altText": self.alt_text(m)} for m in self.attachable(request.media)]
        if not images:
            return None
        return {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}

    def _created_urn(self, response: requests.Response) -> str:
        """The new post's (or comment's) URN; without one, the post is out but unknown: find it before anything else."""
        urn = response.headers.get("x-restli-id")
        if not urn:
            try:
                body = response.json() if response.content else {}
            except ValueError:
                body = {}
            urn = body.get("id") or body.get("$URN") if isinstance(body, dict) else None
        if not urn:
            raise OutcomeUnknown(
                _("LinkedIn accepted the post but did not say its id; looking for it before any resend")
            )
        return str(urn)

    def _comment(self, request: PublishRequest) -> RemotePost:
        parent = request.reply_to
        assert parent is not None
        on = str(parent.extra.get("comment_on") or parent.id)
        body: dict[str, Any] = {
            "actor": self.organization_urn,
            "object": on,
            "message": {"text": little_text(request.text)},
        }
        if on != parent.id:  # answering a comment: a nested comment on the same post
            body["parentComment"] = parent.id
        response = self.call("POST", f"/rest/socialActions/{quote(on, safe='')}/comments", json=body)
        return RemotePost(id=self._created_urn(response), url=post_url(on), extra={"comment_on": on})

    def publish(self, request: PublishRequest) -> RemotePost:
        if request.reply_to is not None:
            return self._comment(request)
        body: dict[str, Any] = {
            "author": self.organization_urn,
            "commentary": little_text(request.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(request)
        if content is not None:
            body["content"] = content
        try:
            response = self.call("POST", "/rest/posts", json=body)
        except PermanentError as exc:
            duplicate = _URN.search(exc.message) if "duplicate" in exc.message.lower() else None
            if duplicate is None:
                raise
            return RemotePost(id=duplicate.group(0), url=post_url(duplicate.group(0)))  # an earlier attempt landed
        urn = self._created_urn(response)
        return RemotePost(id=urn, url=post_url(urn))

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        self.call(
            "POST",
            f"/rest/posts/{quote(post.id, safe='')}",
            json={"patch": {"$set": {"commentary": little_text(text)}}},
            headers={"X-RestLi-Method": "PARTIAL_UPDATE"},
        )
        return post

    # -- reconciling ---------------------------------------------------------------

    def _find_comment(self, request: PublishRequest, wanted: str) -> RemotePost | None:
        parent = request.reply_to
        assert parent is not None
        on = str(parent.extra.get("comment_on") or parent.id)
        elements = self.call(
            "GET", f"/rest/socialActions/{quote(on, safe='')}/comments", params={"count": str(PAGE_SIZE)}
        ).json()
        for item in elements.get("elements", []):
            if comparable(plain_text(str((item.get("message") or {}).get("text", "")))) == wanted:
                return RemotePost(
                    id=str(item.get("$URN") or item.get("id")), url=post_url(on), extra={"comment_on": on}
                )
        return None

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        wanted = comparable(request.text)
        if request.reply_to is not None:
            return self._find_comment(request, wanted)
        since_ms = since.timestamp() * 1000
        for page in range(PAGES):
            params = {
                "author": self.organization_urn,
                "q": "author",
                "count": str(PAGE_SIZE),
                "start": str(page * PAGE_SIZE),
                "sortBy": "CREATED",
            }
            elements = self.call("GET", "/rest/posts", params=params).json().get("elements", [])
            for item in elements:
                if comparable(plain_text(str(item.get("commentary", "")))) == wanted:
                    return RemotePost(id=str(item["id"]), url=post_url(str(item["id"])))
            older = [item for item in elements if float(item.get("createdAt") or 0) < since_ms]
            if len(elements) < PAGE_SIZE or older:
                return None  # newest first: nothing older than the first attempt can be ours
        return None

    # -- accounts check ------------------------------------------------------------

    def _organization(self) -> dict[str, Any]:
        organization_id = self.identifier("ORGANIZATION_ID")
        found: dict[str, Any] = self.call("GET", f"/rest/organizations/{organization_id}").json()
        return found

    def _expiry(self) -> tuple[datetime | None, str]:
        given = self.account.option("credentials_expire_on")
        if not given:
            return (
                None,
                _("LinkedIn does not say when a token expires (60 days after it was made): set credentials_expire_on"),
            )
        try:
            day = date.fromisoformat(given)
        except ValueError:
            raise PermanentError(
                _("account '%(account)s': credentials_expire_on = %(value)r is not a date like 2027-01-31")
                % {"account": self.account.name, "value": given}
            ) from None
        return datetime.combine(day, time(0, 0), UTC), _("the token (date from credentials_expire_on)")

    def verify(self) -> AccountIdentity:
        organization = self._organization()
        vanity = organization.get("vanityName")
        expires, note = self._expiry()
        return AccountIdentity(
            name=str(organization.get("localizedName") or vanity or organization.get("id")),
            id=str(organization.get("id") or "") or None,
            url=f"https://www.linkedin.com/company/{vanity}/" if vanity else None,
            token_expires_at=expires,
            token_note=note,
        )

    def profile(self) -> str:
        organization = self._organization()
        localized = (organization.get("description") or {}).get("localized") or {}
        texts = [str(value) for value in localized.values() if value] or [
            str(organization.get("localizedDescription") or "")
        ]
        return "\n".join(dict.fromkeys(texts))
