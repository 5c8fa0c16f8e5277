"""What each account will receive for a post, in order, with lengths as each platform counts them.

The same :func:`publisher.text.compose.compose` output the daemon publishes,
as data: ``publisher preview``, the emergency command's confirmation and the
web workspace show it (docs/commands.md "preview").
"""

from __future__ import annotations

from typing import Any

from publisher.config import Config
from publisher.content.post import Post
from publisher.text.compose import compose


def account_messages(config: Config, post: Post, account: str) -> list[dict[str, Any]]:
    """The messages ``account`` receives, numbered in publishing order."""
    messages = compose(post, config, account) if post.complete else []
    rendered = []
    for order, message in enumerate(messages, start=1):
        size = message.measure()
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
            }
        )
    return rendered


def describe(
    config: Config, post: Post, only: str | None, errors: list[str], publish_at: dict[str, str] | None
) -> dict[str, Any]:
    """The preview as data (also ``preview --format json``): when, which errors, and each account's messages."""
    targets = [only] if only else post.accounts
    accounts = [
        {"account": name, "messages": account_messages(config, post, name)}
        for name in targets
        if name in config.accounts
    ]
    return {
        "post": post.id,
        "publish_at": publish_at,
        "schedule": post.shared("schedule"),
        "errors": errors,
        "accounts": accounts,
    }
