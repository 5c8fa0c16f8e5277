"""What a message costs where a platform charges per post, from the price table (docs/configuration.md "Costs").

X's pay-per-use tier charges for each post, more for one that carries a
link; the council writes the prices it pays in ``[costs.PLATFORM]``. A link
is found the way the platform finds one: X (twitter-text) also links a bare
domain such as ``example.gov.uk``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from publisher.config import Config
from publisher.platforms.specs import Counting, spec
from publisher.text.length import urls


@dataclass(frozen=True)
class Cost:
    """One message's price."""

    amount: Decimal
    currency: str
    with_link: bool


def has_link(platform: str, text: str) -> bool:
    """Whether the platform will see a link in ``text``."""
    if spec(platform).counting is Counting.X_WEIGHTED:
        from twitter_text.extract_urls import extract_urls_with_indices

        return bool(extract_urls_with_indices(text))
    return bool(urls(text))


def message_cost(config: Config, platform: str, text: str) -> Cost | None:
    """The price of sending ``text`` on ``platform``; None where the config has no price for it."""
    price = config.costs.get(platform)
    if price is None:
        return None
    link = has_link(platform, text)
    return Cost(amount=price.post_with_url if link else price.post, currency=price.currency, with_link=link)


def totals(costs: Iterable[Cost | None]) -> dict[str, Decimal]:
    """The sum of ``costs`` per currency (messages without a price add nothing)."""
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for cost in costs:
        if cost is not None:
            summed[cost.currency] += cost.amount
    return dict(summed)


def as_json(amount: Decimal) -> float:
    """A price for JSON output: a number, rounded to a hundredth of a penny (cent)."""
    return float(round(amount, 4))
