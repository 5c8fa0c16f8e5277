"""The words for the codes the services return (states, roles, languages, actions), in the page's language."""

from __future__ import annotations

from publisher.i18n import N_, _

LABELS = {
    # the state of a post on an account (the calendar)
    "scheduled": N_("scheduled"),
    "published": N_("published"),
    "held": N_("held"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
    "retrying": N_("retrying"),
    "publishing": N_("publishing"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "paused": N_("paused"),
    # deliveries and posts as stored
    "queued": N_("queued"),
    "retry_wait": N_("waiting to retry"),
    "active": N_("active"),
    "unscheduled": N_("waiting for a slot"),
    "edited": N_("edited"),
    # where a post came from, and its Welsh
    "content": N_("content"),
    "emergency": N_("emergency"),
    "recurring": N_("recurring"),
    "reviewed": N_("reviewed"),
    "template": N_("word bank template"),
    "summary": N_("Welsh summary"),
    "machine": N_("machine translation"),
    # what a delivery does
    "publish": N_("post"),
    "edit": N_("edit"),
    "reply": N_("reply"),
    "correction": N_("correction reply"),
    "inbox_reply": N_("inbox answer"),
    "hide": N_("hide"),
    "by hand": N_("by hand"),
    # languages
    "cy": N_("Welsh"),
    "en": N_("English"),
    "cy+en": N_("Welsh and English"),
    "mixed": N_("Welsh and English"),
    # roles
    "viewer": N_("viewer"),
    "editor": N_("editor"),
    "translator": N_("translator"),
    "comms": N_("communications"),
    "admin": N_("administrator"),
    # inbox clock states and kinds
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "answered": N_("answered"),
    "closed": N_("closed"),
    "overdue": N_("overdue"),
    "all": N_("all"),
    "mention": N_("mention"),
    "comment": N_("comment"),
    "quote": N_("quote"),
    "ack": N_("holding statement"),
    "notice": N_("removal notice"),
    "needs:cy": N_("a Welsh answer"),
    "needs:en": N_("an answer in English or Welsh (or both)"),
    "needs:mixed": N_("a Welsh and an English answer, Welsh first"),
    "needs:unknown": N_("a Welsh and an English answer, Welsh first"),
}


def label(code: object) -> str:
    """The word for ``code`` in the page's language (the code itself if it has none)."""
    text = str(code)
    return _(LABELS[text]) if text in LABELS else text
