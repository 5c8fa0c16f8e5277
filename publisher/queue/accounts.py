"""Accounts that stay healthy: credentials, token expiry and the profile audit (docs/commands.md "accounts check").

For each configured platform account: one read call that proves the
credentials work; the token's expiry where the platform says it (Graph's and
Threads' token debugger, or the date the config gives), a problem from
``expiry_warning`` (14 days) ahead; and the bio audited against policy 9.6
and Standard 58 (:mod:`publisher.text.bio`). The latest result per account is
kept in the database, so ``status`` can show what needs a person, and the
daemon runs it at start and daily.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from publisher.config import Config
from publisher.content.wordbank import load_wordbank
from publisher.platforms.base import AccountIdentity, NotSupported, PermanentError, Platform, PlatformError
from publisher.platforms.registry import make_adapter
from publisher.platforms.specs import SPECS
from publisher.queue import models as m
from publisher.text.bio import BioRules, audit_bio


@dataclass
class AccountReport:
    """One account's check: who the credentials act as, and what needs a person (``problems``)."""

    account: str
    platform: str
    languages: str  # what the account carries: "cy+en", or "cy"/"en" for half of a language pair
    checked_at: datetime
    identity: AccountIdentity | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_person(self) -> bool:
        return bool(self.problems)

    def as_json(self) -> dict[str, Any]:
        expires = self.identity.token_expires_at if self.identity else None
        return {
            "account": self.account,
            "platform": self.platform,
            "languages": self.languages,
            "checked_at": self.checked_at.isoformat(),
            "identity": self.identity.name if self.identity else None,
            "url": self.identity.url if self.identity else None,
            "token_expires_at": expires.isoformat() if expires else None,
            "needs_person": self.needs_person,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def roles(config: Config) -> dict[str, tuple[str, str | None]]:
    """Each platform account's languages, and for half of a language pair the other half's name."""
    found: dict[str, tuple[str, str | None]] = {}
    for account in config.accounts.values():
        if account.welsh_account and account.english_account:
            found[account.welsh_account] = ("cy", account.english_account)
            found[account.english_account] = ("en", account.welsh_account)
    return {name: found.get(name, ("cy+en", None)) for name, account in config.accounts.items() if not account.is_pair}


def _expiry(report: AccountReport, identity: AccountIdentity, config: Config) -> None:
    expires = identity.token_expires_at
    if expires is None:
        if identity.token_note:
            report.notes.append(identity.token_note)
        return
    what = identity.token_note or "the token"
    left = expires - report.checked_at
    day = f"{expires:%Y-%m-%d %H:%M} UTC"
    if left.total_seconds() <= 0:
        report.problems.append(f"{what} expired on {day}: make a new token and set it in the environment")
    elif left <= config.accounts_check.expiry_warning:
        report.problems.append(f"{what} expires on {day}, in {left.days} day(s): renew it before then")
    else:
        report.notes.append(f"{what} expires on {day}")


def _verify(report: AccountReport, adapter: Platform, config: Config) -> None:
    try:
        identity = adapter.verify()
    except NotSupported as exc:
        report.notes.append(exc.message)
        return
    except PermanentError as exc:
        report.problems.append(f"the credentials do not work: {exc.message}")
        return
    except PlatformError as exc:
        report.notes.append(f"could not reach {SPECS[report.platform].title} to check: {exc.message}")
        return
    report.identity = identity
    _expiry(report, identity, config)


def _rules(config: Config, report: AccountReport, other: AccountReport | None, names: tuple[str, ...]) -> BioRules:
    other_handle = other.identity.name if other is not None and other.identity is not None else None
    if other is not None and other_handle is None:
        report.notes.append(f"could not check that the bio names {other.account}: its own check failed")
    return BioRules(
        languages=report.languages,
        phrase_cy=config.accounts_check.service_phrase_cy,
        phrase_en=config.accounts_check.service_phrase_en,
        other_account=other_handle,
        names=names,
    )


def _audit(report: AccountReport, adapter: Platform, rules: BioRules) -> None:
    try:
        bio = adapter.profile()
    except PermanentError as exc:
        report.problems.append(f"could not read the bio: {exc.message}")
        return
    except PlatformError as exc:
        report.notes.append(f"could not read the bio now: {exc.message}")
        return
    report.problems.extend(f"bio: {problem}" for problem in audit_bio(bio, rules))


def check_accounts(
    config: Config,
    now: datetime,
    *,
    only: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> list[AccountReport]:
    """Check every platform account (or ``only`` those); each report says what needs a person."""
    timeout = config.daemon.request_timeout.total_seconds()
    reports: dict[str, AccountReport] = {}
    adapters: dict[str, Platform] = {}
    pairs = roles(config)
    for name, (languages, _) in pairs.items():
        if (only and name not in only) or stop():
            continue
        account = config.accounts[name]
        report = AccountReport(account=name, platform=account.platform or "", languages=languages, checked_at=now)
        adapters[name] = make_adapter(account, env=env, timeout=timeout)
        _verify(report, adapters[name], config)
        reports[name] = report
    names = load_wordbank(config.wordbank).names
    phrases = config.accounts_check
    for name, report in reports.items():
        if stop() or report.identity is None or not SPECS[report.platform].can_audit_profile:
            continue
        if not (phrases.service_phrase_cy or phrases.service_phrase_en):
            report.notes.append("set [accounts_check] service_phrase_cy and service_phrase_en to check policy 9.6")
        other_name = pairs[name][1]
        other = reports.get(other_name) if other_name else None
        _audit(report, adapters[name], _rules(config, report, other, names))
    return list(reports.values())


def record(sessions: sessionmaker[Session], reports: list[AccountReport]) -> None:
    """Keep each account's latest check (``status`` shows what needs a person).

    Several daemons may check at once (docs/commands.md, ``run``): the first to
    insert an account's row wins and the others update it on their retry.
    """
    for attempt in range(3):
        try:
            with sessions.begin() as session:
                for report in reports:
                    _store(session, report)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _store(session: Session, report: AccountReport) -> None:
    row = session.get(m.AccountCheck, report.account) or m.AccountCheck(account=report.account)
    row.platform = report.platform
    row.checked_at = report.checked_at
    row.identity = report.identity.name if report.identity else None
    row.token_expires_at = report.identity.token_expires_at if report.identity else None
    row.problems = list(report.problems)
    row.notes = list(report.notes)
    session.add(row)
    session.flush()


def latest(session: Session) -> list[m.AccountCheck]:
    """Every account's latest check, by account name."""
    return list(session.scalars(select(m.AccountCheck).order_by(m.AccountCheck.account)).all())
