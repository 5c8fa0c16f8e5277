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

from publisher.platforms.account import Account
from publisher.platforms.specs import PlatformSpec, spec


@dataclass(frozen=True)
class MediaFile:
    """An image to attach, with its alt text in the message's language."""

    path: Path
    alt: str
    mime_type: str  # image/jpeg, image/png, image/gif or image/webp
    public_url: str | None = None  # Instagram needs the image at a public URL


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

    @property
    def primary_language(self) -> str:
        """The language tag to give the platform: a combined text leads with Welsh."""
        return "cy" if self.language.startswith("cy") else "en"


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


class Platform(ABC):
    """An account on one platform. Subclasses set ``name`` and implement the calls."""

    name: ClassVar[str]
    default_api_base: ClassVar[str] = ""

    def __init__(self, account: Account, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> None:
        self.account = account
        self.env = os.environ if env is None else env
        self.timeout = timeout
        self.api_base = (account.api_base or self.default_api_base).rstrip("/")
        self._secrets: list[str] = []

    def credential(self, name: str) -> str:
        """The credential ``<credentials_env>_<name>`` from the environment.

        Raises PermanentError naming the variable (never its value) when unset.
        """
        prefix = self.account.credentials_env
        if not prefix:
            raise PermanentError(f"account '{self.account.name}' has no credentials_env in the config")
        variable = f"{prefix}_{name}"
        value = self.env.get(variable, "")
        if not value:
            raise PermanentError(f"account '{self.account.name}': environment variable {variable} is not set")
        self._secrets.append(value)
        return value

    def identifier(self, name: str) -> str:
        """An identifier (a Page id, a user id): the account option its record names, else the environment."""
        for item in self.spec.credentials:
            if item.name == name and item.option and self.account.option(item.option):
                return self.account.option(item.option)
        return self.credential(name)

    def redact(self, text: str) -> str:
        """``text`` with every credential this adapter has read replaced by ``***``."""
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

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
        raise NotSupported(f"{self.name}: the inbox cannot read this platform")

    def hide(self, message: RemotePost) -> RemotePost:
        """Hide a comment or reply from public view (policy 12); only platforms whose record says ``can_hide``.

        Hiding twice leaves it hidden, so a hide whose outcome is unknown is
        simply made again.
        """
        raise NotSupported(f"{self.name} does not let an account hide comments")

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        """Replace the text of a published post; only platforms whose record says ``can_edit`` implement it.

        Setting the same text twice leaves the same post, so an edit whose
        outcome is unknown is simply made again.
        """
        raise NotSupported(f"{self.name} does not allow editing a published post")
