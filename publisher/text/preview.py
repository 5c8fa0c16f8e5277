"""What each account will receive for a post, in order, with lengths as each platform counts them.

The same :func:`publisher.text.compose.compose` output the daemon publishes,
as data, with what each message costs where the platform charges per post:
``publisher preview``, the emergency command's confirmation and the
web workspace show it (docs/commands.md "preview").
"""

from __future__ import annotations

from typing import Any

from publisher.config import Config
from publisher.content.post import Post
from publisher.text.compose import compose
from publisher.text.cost import Cost, as_json, message_cost, totals


def _cost(cost: Cost | None) -> dict[str, Any] | None:
    if cost is None:
        return None
    return {"amount": as_json(cost.amount), "currency": cost.currency, "with_link": cost.with_link}


def account_messages(config: Config, post: Post, account: str) -> list[dict[str, Any]]:
    """The messages ``account`` receives, numbered in publishing order."""
    messages = compose(post, config, account) if post.complete else []
    rendered = []
    for order, message in enumerate(messages, start=1):
        size = message.measure()
        cost = message_cost(config, message.platform, message.text)
        rendered.append(
            {
                "order": order,
                "account": message.account,
                "platform": message.platform,
                "language": message.language,
                "part": message.part,
                "reply_to": None if message.reply_to is None else message.reply_to + 1,
                "text": message.text,
                "length": size.length,
                "limit": size.limit,
                "media": [{"file": m.file, "alt": m.alt} for m in message.media],
                "cost": _cost(cost),
            }
        )
    return rendered


def account_cost(config: Config, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the account's messages cost, per currency (empty where no platform of it has a price)."""
    costs = [message_cost(config, m["platform"], m["text"]) for m in messages]
    priced = [c for c in costs if c is not None]
    return [
        {"amount": as_json(amount), "currency": currency, "posts": sum(1 for c in priced if c.currency == currency)}
        for currency, amount in sorted(totals(priced).items())
    ]


def describe(
    config: Config, post: Post, only: str | None, errors: list[str], publish_at: dict[str, str] | None
) -> dict[str, Any]:
    """The preview as data (also ``preview --format json``): when, which errors, and each account's messages."""
    targets = [only] if only else post.accounts
    accounts = []
    for name in targets:
        if name in config.accounts:
            messages = account_messages(config, post, name)
            accounts.append({"account": name, "messages": messages, "cost": account_cost(config, messages)})
    return {
        "post": post.id,
        "publish_at": publish_at,
        "schedule": post.shared("schedule"),
        "errors": errors,
        "accounts": accounts,
    }
