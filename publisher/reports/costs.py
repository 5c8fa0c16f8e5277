"""What publishing cost, per month and account, where a platform charges per post (docs/reports.md "Costs").

Every published delivery on a platform with a price table in the config
counts: posts, thread parts, correction replies and edits (an edit on X is a
new post). Each is priced with the table as it is now, by whether its text
carries a link; months are calendar months in the configured timezone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.states import DeliveryState
from publisher.text.cost import message_cost


@dataclass
class CostRow:
    """One account's priced posts in one month."""

    month: str  # YYYY-MM, local time
    account: str
    platform: str
    currency: str
    posts: int = 0
    with_link: int = 0
    amount: Decimal = field(default_factory=Decimal)


def first_month(now: datetime, config: Config, months: int) -> str:
    """The first month (YYYY-MM) of the ``months`` months up to and including this one."""
    local = now.astimezone(config.timezone)
    index = local.year * 12 + local.month - 1 - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def monthly_costs(config: Config, session: Session, now: datetime, months: int) -> list[CostRow]:
    """Per month and account, the priced posts published, oldest month first."""
    if not config.costs:
        return []
    start = first_month(now, config, months)
    rows: dict[tuple[str, str, str], CostRow] = {}
    published = session.scalars(
        select(m.Delivery).where(
            m.Delivery.state == DeliveryState.PUBLISHED, m.Delivery.platform.in_(tuple(config.costs))
        )
    ).all()
    for delivery in published:
        if delivery.published_at is None:
            continue
        month = f"{delivery.published_at.astimezone(config.timezone):%Y-%m}"
        cost = message_cost(config, delivery.platform, delivery.text)
        if month < start or cost is None:
            continue
        key = (month, delivery.account, cost.currency)
        row = rows.setdefault(key, CostRow(month, delivery.account, delivery.platform, cost.currency))
        row.posts += 1
        row.with_link += int(cost.with_link)
        row.amount += cost.amount
    return [rows[key] for key in sorted(rows)]


def month_totals(rows: list[CostRow]) -> dict[str, dict[str, Decimal]]:
    """Each month's total per currency."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        totals[row.month][row.currency] += row.amount
    return {month: dict(by_currency) for month, by_currency in sorted(totals.items())}
