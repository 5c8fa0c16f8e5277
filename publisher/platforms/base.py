"""The one interface every platform adapter implements (apprise-style: one module per service).

The queue never talks HTTP. It hands an adapter a :class:`PublishRequest` (a
reply when ``reply_to`` is set: threads, corrections) and
gets back a :class:`RemotePost` or one of the :class:`PlatformError`
subclasses, whose type alone decides the delivery's next state:

=====================  ==========================================================
exception              queue state
=====================  ==========================================================
``RateLimited``        ``retry_wait`` until ``retry_at`` (the platform's reset time)
``TransientError``     ``retry_wait`` with exponential backoff (5xx, connection refused)
``OutcomeUnknown``     ``unknown``: the request may have been applied (timeout after
                       sending); reconcile with :meth:`Platform.find_recent` before resending
``PermanentError``     ``failed`` with the platform's message (4xx, bad credentials)
=====================  ==========================================================

The replies inbox (docs/inbox.md) reads through two optional capabilities,
declared in the platform table: :meth:`Platform.collect` (``inbox``) pages
through what was addressed to the account from a stored cursor, and
:meth:`Platform.hide` (``can_hide``) hides a comment from public view. Both
raise the same error classes.

Secrets: adapters read credentials from environment variables named
``<credentials_env>_<NAME>``; no error message, log line or return value may
contain them (:func:`redact` scrubs the known values from any text).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.account import Account
from publisher.platforms.media import ImageUnfit, MediaChanged, PreparedImage, prepare, publish_copy
from publisher.platforms.specs import PlatformSpec, spec
from publisher.redaction import KNOWN, Secrets


@dataclass(frozen=True)
class MediaFile:
    """An image to attach, with its alt text in the message's language.

    Adapters never read ``path`` themselves: they upload :meth:`Platform.prepared`'s
    bytes, stripped of location and camera data (docs/platforms.md "Images").
    """

    path: Path
    alt: str
    max_pixels: int | None = None  # the configuration's [media] max_pixels
    root: Path | None = None  # the content folder the file must lie in
    sha256: str | None = None  # the file's digest when the post was queued: a different file is not uploaded


@dataclass(frozen=True)
class RemotePost:
    """A post as it exists on the platform."""

    id: str
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. Bluesky's uri and cid


@dataclass(frozen=True)
class PublishRequest:
    """One message to publish: a delivery of the queue."""

    text: str
    language: str  # "cy", "en" or "cy+en" (combined; Welsh first)
    idempotency_key: str  # fixed when the delivery is created; unique per delivery
    media: tuple[MediaFile, ...] = ()
    reply_to: RemotePost | None = None
    post: str = ""  # the post this message belongs to (the feed links its Welsh and English entries)

    @property
    def primary_language(self) -> str:
        """The language tag to give the platform: a combined text leads with Welsh."""
        return "cy" if self.language.startswith("cy") else "en"

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the text is in, Welsh first: ("cy", "en") for a combined text."""
        return tuple(self.language.split("+"))


@dataclass(frozen=True)
class AccountIdentity:
    """Who an account's credentials act as, from a read call that proves they work (``accounts check``)."""

    name: str  # the handle, Page or organisation name, as the platform shows it
    id: str | None = None
    url: str | None = None
    token_expires_at: datetime | None = None  # None: the platform does not say, or the token never expires
    token_note: str = ""  # with an expiry, what expires ("the token's data access"); without, why not (a sentence)


@dataclass(frozen=True)
class IncomingMessage:
    """A reply, comment or mention addressed to the account, as the inbox stores it.

    ``parent_id`` and ``root_id`` name the post it answers and its thread's
    first post in the form :class:`RemotePost` ids take on this platform, so
    the inbox can tell a message under one of our own posts. ``reply_target``
    is what an answer names as ``reply_to``; ``notice_target`` is our post a
    removal notice goes under (None when the message is not under ours).
    """

    remote_id: str
    text: str
    created_at: datetime
    author_id: str
    author_handle: str
    kind: str  # mention | reply | quote | comment
    reply_target: RemotePost
    author_name: str | None = None
    url: str | None = None
    parent_id: str | None = None
    root_id: str | None = None
    language_hint: str | None = None  # the language the author's app declared, if any
    notice_target: RemotePost | None = None
    hideable: bool = False


@dataclass(frozen=True)
class Page:
    """One page of collected messages and the cursor to store once they are stored.

    ``cursor`` is opaque to the inbox: the adapter alone reads it. ``reads``
    counts the items the platform charges for (X's pay-per-use reads).
    """

    messages: tuple[IncomingMessage, ...]
    cursor: str | None
    reads: int = 0


class PlatformError(Exception):
    """A failed platform call; the subclass tells the queue what to do next."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RateLimited(PlatformError):
    """429 or a posting cap: try again at ``retry_at`` (None: use backoff)."""

    def __init__(self, message: str, *, retry_at: datetime | None = None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at


class TransientError(PlatformError):
    """Nothing was applied (5xx, connection refused): safe to retry after backoff."""


class OutcomeUnknown(PlatformError):
    """The request may or may not have been applied: reconcile before any resend."""


class PermanentError(PlatformError):
    """Retrying cannot help (4xx other than 429, missing credentials): a person must act."""


class NotSupported(PermanentError):
    """The platform cannot do this (e.g. edit a post on X)."""


LOOKBACK_PAGES = 100  # pages of posts a reconciliation reads back (a page is 40-100 posts)


def looked_back_too_far(platform: str, pages: int) -> OutcomeUnknown:
    """Reconciling read every page it may and did not reach the attempt's time: a person must look."""
    return OutcomeUnknown(
        _(
            "%(platform)s: read %(pages)d pages of the account's posts without reaching the first attempt's time; "
            "cannot tell whether the post went out"
        )
        % {"platform": platform, "pages": pages}
    )


class Platform(ABC):
    """An account on one platform. Subclasses set ``name`` and implement the calls."""

    name: ClassVar[str]
    default_api_base: ClassVar[str] = ""

    def __init__(self, account: Account, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        self.account = account
        self.env = os.environ if env is None else env
        self.timeout = timeout
        self.api_base = (account.api_base or self.default_api_base).rstrip("/")
        self._secrets = Secrets()

    def _environment(self, name: str) -> str:
        """The variable ``<credentials_env>_<name>``; PermanentError naming it (never its value) when unset."""
        prefix = self.account.credentials_env
        if not prefix:
            raise PermanentError(
                _("account '%(account)s' has no credentials_env in the config") % {"account": self.account.name}
            )
        variable = f"{prefix}_{name}"
        value = self.env.get(variable, "")
        if not value:
            raise PermanentError(
                _("account '%(account)s': environment variable %(variable)s is not set")
                % {"account": self.account.name, "variable": variable}
            )
        return value

    def credential(self, name: str) -> str:
        """A secret from the environment: from now on scrubbed from every error text and log line."""
        value = self._environment(name)
        self._secrets.add(value)
        KNOWN.add(value)
        return value

    def identifier(self, name: str) -> str:
        """An identifier (a Page id, a user id): the account option its record names, else the environment."""
        for item in self.spec.credentials:
            if item.name == name and item.option and self.account.option(item.option):
                return self.account.option(item.option)
        return self._environment(name)

    def redact(self, text: str) -> str:
        """``text`` scrubbed of every credential this adapter has read (whole or cut), then shortened."""
        return self._secrets.scrub(text)

    @abstractmethod
    def publish(self, request: PublishRequest) -> RemotePost:
        """Create the post (with media and alt text, as a reply when asked)."""

    @abstractmethod
    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        """The post made for ``request`` since ``since``, if the platform has it.

        Used to reconcile an ``unknown`` delivery: match on the platform's
        idempotency record where it has one, else on the exact text.
        Raise OutcomeUnknown if the platform cannot answer.
        """

    @property
    def spec(self) -> PlatformSpec:
        """This platform's record in the platform table."""
        return spec(self.name)

    def attachable(self, media: tuple[MediaFile, ...]) -> tuple[MediaFile, ...]:
        """The images this platform takes in one post (``images_per_post``; the media rule reports any beyond)."""
        cap = self.spec.images_per_post
        return media if cap is None else media[:cap]

    def prepared(self, media: MediaFile) -> PreparedImage:
        """The bytes to upload for ``media``: upright, without EXIF/GPS/XMP, fitted to this platform's limits.

        An image that cannot be read or fitted is a PermanentError: ``check``
        reports it before publishing, so it means the file changed since. A
        file that is no longer the one queued (a link, a FIFO, other bytes) is
        refused with the code ``media-changed`` and never read for upload.
        """
        try:
            return prepare(media.path, self.spec, media.max_pixels, root=media.root, sha256=media.sha256)
        except MediaChanged as exc:
            raise PermanentError(
                _("%(code)s: image not uploaded: %(problem)s") % {"code": MediaChanged.code, "problem": exc}
            ) from None
        except ImageUnfit as exc:
            raise PermanentError(_("image not uploaded: %(problem)s") % {"problem": exc}) from None

    def public_copy(self, media: MediaFile) -> str:
        """Where a platform that fetches images itself (Instagram, Threads) finds the prepared copy.

        What it fetches must be the prepared image, never the original with its
        location data: the copy is written into the account's ``media_folder``,
        which the council's website serves at ``media_base_url`` (docs/platforms.md "Images").
        """
        base_url, folder = self.account.option("media_base_url"), self.account.option("media_folder")
        if not base_url or not folder:
            raise PermanentError(
                _(
                    "account '%(account)s': %(platform)s fetches images from a public URL; set "
                    "media_folder (a folder your website serves) and media_base_url (its address) on the account"
                )
                % {"account": self.account.name, "platform": self.spec.title}
            )
        image = self.prepared(media)
        try:
            return publish_copy(image, Path(folder), base_url)
        except OSError as exc:
            raise PermanentError(
                _("cannot write the image into media_folder %(folder)s: %(problem)s")
                % {"folder": folder, "problem": exc.strerror}
            ) from None

    def alt_text(self, media: MediaFile) -> str:
        """The image's alt text cut to the platform's limit (the media rule warns before it comes to that)."""
        limit = self.spec.alt_text_limit
        return media.alt if limit is None else media.alt[:limit]

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Pages of messages addressed to the account since ``cursor`` (None: the first collection).

        Only platforms whose record has ``inbox`` implement it. ``limit``
        caps the items read (a daily read cap on platforms that charge for
        reads). Each page's cursor may be stored as soon as its messages are.
        """
        raise NotSupported(_("%(platform)s: the inbox cannot read this platform") % {"platform": self.name})

    def hide(self, message: RemotePost) -> RemotePost:
        """Hide a comment or reply from public view (policy 12); only platforms whose record says ``can_hide``.

        Hiding twice leaves it hidden, so a hide whose outcome is unknown is
        simply made again.
        """
        raise NotSupported(_("%(platform)s does not let an account hide comments") % {"platform": self.name})

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        """Replace the text of a published post; only platforms whose record says ``can_edit`` implement it.

        Setting the same text twice leaves the same post, so an edit whose
        outcome is unknown is simply made again.
        """
        raise NotSupported(_("%(platform)s does not allow editing a published post") % {"platform": self.name})

    def verify(self) -> AccountIdentity:
        """One read call that proves the credentials work, with the token's expiry where the platform says it."""
        raise NotSupported(_("%(platform)s has no read call to prove the credentials") % {"platform": self.name})

    def profile(self) -> str:
        """The account's bio as the public sees it; only platforms whose record says ``can_audit_profile``."""
        raise NotSupported(_("%(platform)s has no profile to read") % {"platform": self.name})
