"""Prepare and publish an emergency post through the normal exactly-once queue, Welsh first (docs/emergency.md).

The post never touches the content folder: it is built in memory, validated
with the same rules as a repository post (language, length, alt text,
consent, rights), stored with ``source = "emergency"`` and its translation
source, given a review item due within ``review_within_working_days``, and
published at once by a dispatcher that claims only this post's deliveries.

Two steps, so a person (or the web workspace) can look before publishing:
:func:`prepare` checks who, when and what and shows what would go out;
:func:`publish` sends it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.config import Config, MachineTranslation
from publisher.content.memory import in_memory_post
from publisher.content.post import Post, normalise
from publisher.content.schema import MediaItem
from publisher.content.wordbank import load_wordbank
from publisher.emergency.authorisation import Refused, check_allowed
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.queue import models as m
from publisher.queue.audit import record
from publisher.queue.db import open_database
from publisher.queue.deliveries import create_deliveries
from publisher.queue.dispatcher import Dispatcher
from publisher.queue.pauses import Span, paused_for
from publisher.queue.states import PostSource, PostState, TranslationSource
from publisher.rules import build_context, run, welsh_parity
from publisher.text.preview import describe
from publisher.workdays import add_working_days

WAIVED = {"translation-unreviewed"}  # emergency posts are reviewed afterwards (policy 8.4, 8.5)

Translate = Callable[[MachineTranslation, str], str]


class InputError(ValueError):
    """What was asked for cannot be used (an unknown account or template, a missing text); ``option`` says which."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass
class EmergencyRequest:
    """What the person asked for, as the command line or the web form gathered it."""

    accounts: list[str]
    reason: str
    by: str
    english: str | None = None
    welsh: str | None = None
    template: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    machine_translate: bool = False
    public_safety: bool = False
    override_hours: bool = False
    media: Path | None = None
    alt_cy: str | None = None
    alt_en: str | None = None
    consent: str | None = None
    rights: str | None = None


@dataclass
class Prepared:
    """A checked emergency post, ready to publish once a person confirms."""

    request: EmergencyRequest
    post: Post
    source: TranslationSource
    findings: list[Finding]
    preview: dict[str, Any]
    paused: list[str] = field(default_factory=list)  # pauses in force for its accounts (it goes out anyway)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


@dataclass
class Published:
    """What went out: each delivery's outcome in publishing order (Welsh first), and the review item."""

    post_id: str
    deliveries: list[dict[str, str | None]]
    review_item: int

    @property
    def complete(self) -> bool:
        return all(outcome["state"] == "published" for outcome in self.deliveries)


def record_refusal(config: Config, request: EmergencyRequest, why: str, now: datetime) -> None:
    """Every refusal is on the record (the database and the audit log), with who asked and why it was refused."""
    detail = {"reason": request.reason, "why": why, "accounts": request.accounts, "english": request.english}
    with open_database(config) as db, db.sessions.begin() as session:
        record(session, request.by, "emergency_refused", at=now, detail=detail, log_file=config.audit_log)


def decline(config: Config, prepared: Prepared, why: str, now: datetime) -> None:
    """The post was not published (it has errors, or the person said no): recorded like any refusal."""
    codes = sorted({f.code for f in prepared.findings if f.severity == "error"})
    record_refusal(config, prepared.request, why + (f" ({', '.join(codes)})" if codes else ""), now)


def _source(request: EmergencyRequest) -> TranslationSource:
    given = [
        source
        for source, present in (
            (TranslationSource.TEMPLATE, request.template),
            (TranslationSource.SUMMARY, request.welsh),
            (TranslationSource.MACHINE, request.machine_translate),
        )
        if present
    ]
    if len(given) != 1:
        raise InputError(
            _("give exactly one Welsh source: --template NAME, --cy TEXT, or --machine-translate --public-safety")
        )
    return given[0]


def _from_template(config: Config, request: EmergencyRequest) -> tuple[str, str]:
    from publisher.text.templates import TemplateError, render

    bank = load_wordbank(config.wordbank, config.root)
    if request.template not in bank.templates:
        message = _("no template '%(template)s' in %(wordbank)s; try 'publisher wordbank search'")
        raise InputError(message % {"template": request.template, "wordbank": config.wordbank.name}, "--template")
    try:
        rendered = render(bank.templates[request.template], request.variables)
    except TemplateError as exc:
        raise InputError(str(exc)) from None
    return rendered.cy, rendered.en


def _texts(
    config: Config, request: EmergencyRequest, source: TranslationSource, translate: Translate
) -> tuple[str, str]:
    """(Welsh, English) from the source the person chose."""
    if source is TranslationSource.TEMPLATE:
        return _from_template(config, request)
    if request.english is None:
        raise InputError(_("--en is required (only --template supplies its own English)"))
    if source is TranslationSource.MACHINE:
        return translate(config.machine_translation, request.english), request.english
    assert request.welsh is not None
    return request.welsh, request.english


def _check_who_and_when(config: Config, request: EmergencyRequest, source: TranslationSource, now: datetime) -> None:
    for name in request.accounts:
        if name not in config.accounts:
            message = _("account '%(account)s' is not in the config") % {"account": name}
            record_refusal(config, request, message, now)
            raise InputError(message, "--account")
    try:
        check_allowed(config, request.by, now, request.override_hours)
        if source is TranslationSource.MACHINE and not request.public_safety:
            raise Refused(
                _(
                    "machine translation is only for immediate danger to public safety (policy 8.5): "
                    "add --public-safety, or write a Welsh summary with --cy"
                )
            )
    except Refused as exc:
        record_refusal(config, request, str(exc), now)
        raise


def build_post(config: Config, request: EmergencyRequest, cy: str, en: str, now: datetime) -> Post:
    """The emergency post as an in-memory pair, ready for the rules and the queue."""
    digest = hashlib.sha256(f"{now.isoformat()}\0{cy}\0{en}".encode()).hexdigest()[:8]
    post_id = f"emergency/{now.astimezone(config.timezone):%Y-%m-%d-%H%M}-{digest}"
    where = config.content_dir / "emergency"
    media = None
    if request.media is not None:
        # Relative to the (virtual) post file, so media-missing applies the content-root rule as for any post.
        relative = os.path.relpath(request.media.resolve(), where)
        media = {
            language: MediaItem(file=relative, alt=alt, consent=request.consent, rights=request.rights, line=1)
            for language, alt in (("cy", request.alt_cy), ("en", request.alt_en))
        }
    return in_memory_post(
        post_id, cy, en, request.accounts, where, now.isoformat(), media=media, reviewer="(emergency: awaiting review)"
    )


def validate(config: Config, post: Post, source: TranslationSource, now: datetime) -> list[Finding]:
    """The rules as for a repository post, less what the emergency path waives."""
    findings = [f for f in run(post, build_context(config, now)) if f.code not in WAIVED]
    if source in (TranslationSource.SUMMARY, TranslationSource.MACHINE):
        # A summary may be shorter than the English (policy 8.4).
        findings = [f for f in findings if not welsh_parity.is_short(f)]
    return findings


def prepare(config: Config, request: EmergencyRequest, now: datetime, translate: Translate | None = None) -> Prepared:
    """Check who, when and what; build and validate the post. Raises Refused (recorded) or InputError."""
    source = _source(request)
    _check_who_and_when(config, request, source, now)
    if translate is None:
        from publisher.emergency.translator import translate_to_welsh

        translate = translate_to_welsh
    cy, en = _texts(config, request, source, translate)
    post = build_post(config, request, normalise(cy), normalise(en), now)
    findings = validate(config, post, source, now)
    errors = sorted({f.code for f in findings if f.severity == "error"})
    local = f"{now.astimezone(config.timezone):%Y-%m-%d %H:%M} {config.timezone.key}"
    preview = describe(config, post, None, errors, {"local": local, "utc": now.isoformat()})
    paused = [_pause_note(span) for span in paused_for(config, request.accounts, now)]
    return Prepared(request=request, post=post, source=source, findings=findings, preview=preview, paused=paused)


def _pause_note(span: Span) -> str:
    values = {
        "account": span.account,
        "reason": span.reason,
        "until": f"{span.ended_at:%Y-%m-%d %H:%M}" if span.ended_at else "",
    }
    if span.account and span.ended_at:
        message = N_(
            "scheduled posts to %(account)s are paused until %(until)s UTC (%(reason)s); "
            "this emergency post goes out anyway"
        )
    elif span.account:
        message = N_(
            "scheduled posts to %(account)s are paused until resumed (%(reason)s); this emergency post goes out anyway"
        )
    elif span.ended_at:
        message = N_(
            "scheduled posts to every account are paused until %(until)s UTC (%(reason)s); "
            "this emergency post goes out anyway"
        )
    else:
        message = N_(
            "scheduled posts to every account are paused until resumed (%(reason)s); "
            "this emergency post goes out anyway"
        )
    return _(message) % values


def _store(session: Any, config: Config, prepared: Prepared, now: datetime) -> int:
    """The post, its deliveries (due now), its review item and the audit record; the review item's id."""
    post, request = prepared.post, prepared.request
    row = m.StoredPost(
        id=post.id,
        slug=post.slug,
        source=PostSource.EMERGENCY,
        content_hash=post.id,
        revision=1,
        state=PostState.ACTIVE,
        scheduled_at=now,
        local_time=f"{now.astimezone(config.timezone):%Y-%m-%dT%H:%M}",
        timezone=config.timezone.key,
        accounts=list(request.accounts),
        text_cy=post.text("cy"),
        text_en=post.text("en"),
        translation_source=prepared.source,
        first_seen=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    create_deliveries(session, config, row, post, now)
    due = add_working_days(config, now, config.translation_team.review_within_working_days)
    item = m.ReviewItem(post_id=post.id, translation_source=prepared.source, created_at=now, due_at=due)
    session.add(item)
    session.flush()
    detail = {
        "reason": request.reason,
        "override_hours": request.override_hours,
        "source": prepared.source.value,
        "template": request.template,
        "variables": request.variables,
        "accounts": request.accounts,
        "cy": post.text("cy"),
        "en": post.text("en"),
    }
    record(session, request.by, "emergency_post", post_id=post.id, at=now, detail=detail, log_file=config.audit_log)
    return int(item.id)


def publish(config: Config, prepared: Prepared, now: datetime) -> Published:
    """Queue the post (due now) with its review item, then publish it at once."""
    from sqlalchemy import select

    with open_database(config) as db:
        with db.sessions.begin() as session:
            item_id = _store(session, config, prepared, now)
        Dispatcher(config, db.sessions, dialect=db.dialect).run_due(post_id=prepared.post.id)
        with db.sessions() as session:
            rows = session.scalars(
                select(m.Delivery).where(m.Delivery.post_id == prepared.post.id).order_by(m.Delivery.seq)
            ).all()
            outcomes: list[dict[str, str | None]] = [
                {
                    "account": d.account,
                    "language": d.language,
                    "state": d.state.value,
                    "url": d.remote_url,
                    "error": d.last_error,
                }
                for d in rows
            ]
    return Published(post_id=prepared.post.id, deliveries=outcomes, review_item=item_id)
