"""``too-long``: each message must fit its platform, counted the platform's way, for the account's strategy.

The limit, the way of counting and the caps on hashtags and links come from
the platform table (:mod:`publisher.platforms.specs`).
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.messages import account_messages
from publisher.text.compose import Message
from publisher.text.length import fits, hashtags, urls

RULE = Rule("too-long", "error", "shorten the text, or use an account strategy that sends Welsh and English separately")
_NAMES = {"cy": "Welsh", "en": "English", "cy+en": "combined Welsh+English"}


def _length(message: Message, label: str, strategy: str) -> str | None:
    """The problem with the message's length, if it is over the platform's limit."""
    if fits(message.platform, message.text):
        return None
    size = message.measure()
    advice = " (or set allow_split = true on the account)" if message.language == "cy+en" else ""
    return (
        f"the {label} for '{message.account}' ({message.platform}, {strategy}) is {size.length} "
        f"long as {message.platform} counts it; the limit is {size.limit}. "
        f"Shorten it by {size.length - (size.limit or 0)}{advice}"
    )


def _caps(message: Message, label: str) -> Iterator[str]:
    """Problems with the number of hashtags and links, where the platform caps them."""
    record = SPECS[message.platform]
    for what, cap, found in (("hashtags", record.hashtag_cap, hashtags), ("links", record.link_cap, urls)):
        if cap is None:
            continue
        count = len(found(message.text))
        if count > cap:
            yield f"the {label} for '{message.account}' has {count} {what}; {record.title} allows at most {cap}"


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for message, post_file in account_messages(post, ctx):
        label = f"{_NAMES[message.language]} text" + (f" part {message.part + 1}" if post.thread else "")
        strategy = ctx.config.accounts[message.account].strategy
        problems = [_length(message, label, strategy), *_caps(message, label)]
        for problem in problems:
            if problem is not None:
                yield RULE.at(post, post_file, post_file.body_line, problem)
