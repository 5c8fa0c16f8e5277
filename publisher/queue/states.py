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
    INBOX = "inbox"  # the answers to one inbox message (docs/inbox.md): not a post of the content


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
    INBOX_REPLY = "inbox_reply"  # an answer to an inbox message: a reply, holding statement or removal notice
    HIDE = "hide"  # hide an inbox message (a comment) from public view (policy 12)


# Made again rather than reconciled after an unknown outcome: the same edit or hide twice leaves the same post.
REPEATABLE_ACTIONS = (Action.EDIT, Action.HIDE)


class AttemptKind(StrEnum):
    """What a claim does with the platform."""

    PUBLISH = "publish"  # send (publish or edit)
    RECONCILE = "reconcile"  # ask the platform whether an earlier send landed


class ReviewState(StrEnum):
    """A Translation Team review of an emergency post's Welsh."""

    OPEN = "open"
    APPROVED = "approved"
    CORRECTED = "corrected"


class MessageLanguage(StrEnum):
    """The language of a message from the public, as the inbox classified it (docs/inbox.md)."""

    WELSH = "cy"
    ENGLISH = "en"
    MIXED = "mixed"  # Welsh and English both: the answer is bilingual, Welsh first
    UNKNOWN = "unknown"  # too short or unclear to tell: the answer is bilingual, Welsh first


class MessageKind(StrEnum):
    """What a message from the public is, on its platform."""

    MENTION = "mention"
    REPLY = "reply"
    QUOTE = "quote"
    COMMENT = "comment"


class ResponseKind(StrEnum):
    """What the council did about an inbox message through the queue."""

    REPLY = "reply"  # an answer (stops the answer clock)
    ACK = "ack"  # a holding statement (stops the acknowledgement clock; policy 11.2)
    NOTICE = "notice"  # the removal notice under our post (policy 12)
    HIDE = "hide"  # the message hidden from public view (policy 12)
