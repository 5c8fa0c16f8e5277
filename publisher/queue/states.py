"""The states and kinds the queue records, as enums (docs/commands.md "status").

They are ``StrEnum``: stored as their text, compared equal to it, and shown
as it in ``status`` and the reports.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one delivery (one message to one account) stands."""

    QUEUED = "queued"
    PUBLISHING = "publishing"
    RETRY_WAIT = "retry_wait"
    UNKNOWN = "unknown"  # the call may have landed: reconcile before any resend
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN_STATES = (DeliveryState.QUEUED, DeliveryState.PUBLISHING, DeliveryState.RETRY_WAIT, DeliveryState.UNKNOWN)
WAITING_STATES = (DeliveryState.QUEUED, DeliveryState.RETRY_WAIT)


class PostState(StrEnum):
    """Where a post stands as a whole."""

    ACTIVE = "active"  # valid and queued (or done)
    HELD = "held"  # validation errors: not queued until fixed
    CANCELLED = "cancelled"  # file deleted before publishing
    EXPIRED = "expired"  # due more than max_lateness ago, never published
    UNSCHEDULED = "unscheduled"  # names a schedule; waits for a slot


class PostSource(StrEnum):
    """Where a post came from."""

    CONTENT = "content"  # a pair of files in the content repository
    EMERGENCY = "emergency"  # ``publisher emergency``
    RECURRING = "recurring"  # one occurrence of a schedule's recurring texts


class TranslationSource(StrEnum):
    """Where a post's Welsh came from (policy 8.3-8.5)."""

    REVIEWED = "reviewed"  # translated and reviewed before publishing
    TEMPLATE = "template"  # a pre-translated word bank template
    SUMMARY = "summary"  # a Welsh summary written out of hours
    MACHINE = "machine"  # Microsoft Translator, public safety only


class Action(StrEnum):
    """What a delivery does on the platform."""

    PUBLISH = "publish"  # a post of the content (a reply too, in a thread)
    EDIT = "edit"  # replace the text of an earlier delivery's post (a correction, where the platform can)
    CORRECTION_REPLY = "correction"  # a Welsh correction published as a reply (where the platform cannot edit)


class AttemptKind(StrEnum):
    """What a claim does with the platform."""

    PUBLISH = "publish"  # send (publish or edit)
    RECONCILE = "reconcile"  # ask the platform whether an earlier send landed


class ReviewState(StrEnum):
    """A Translation Team review of an emergency post's Welsh."""

    OPEN = "open"
    APPROVED = "approved"
    CORRECTED = "corrected"
