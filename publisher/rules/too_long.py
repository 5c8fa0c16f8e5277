"""``too-long``: each message must fit its platform, counted the platform's way, for the account's strategy.

The limit, the way of counting and the caps on hashtags and links come from
the platform table (:mod:`publisher.platforms.specs`).
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.messages import account_messages
from publisher.text.compose import Message
from publisher.text.length import fits, hashtags, urls

RULE = Rule(
    "too-long", "error", N_("shorten the text, or use an account strategy that sends Welsh and English separately")
)
# The message's name, a noun phrase that stands first in the sentence in either language.
_LABELS = {
    "cy": N_("the Welsh text"),
    "en": N_("the English text"),
    "cy+en": N_("the combined Welsh+English text"),
}
_PART_LABELS = {
    "cy": N_("the Welsh text part %(part)d"),
    "en": N_("the English text part %(part)d"),
    "cy+en": N_("the combined Welsh+English text part %(part)d"),
}
_CAPS = {
    "hashtags": N_("%(label)s for '%(account)s' has %(count)d hashtags; %(platform)s allows at most %(cap)d"),
    "links": N_("%(label)s for '%(account)s' has %(count)d links; %(platform)s allows at most %(cap)d"),
}


def _label(message: Message, thread: bool) -> str:
    """The message's name, made only when there is a problem to report (most messages have none)."""
    if thread:
        return _(_PART_LABELS[message.language]) % {"part": message.part + 1}
    return _(_LABELS[message.language])


def _length(message: Message, thread: bool, strategy: str) -> str | None:
    """The problem with the message's length, if it is over the platform's limit."""
    if fits(message.platform, message.text):
        return None
    size = message.measure()
    values = {
        "label": _label(message, thread),
        "account": message.account,
        "platform": message.platform,
        "strategy": strategy,
        "length": size.length,
        "limit": size.limit or 0,
        "over": size.length - (size.limit or 0),
    }
    if message.language == "cy+en":
        text = _(
            "%(label)s for '%(account)s' (%(platform)s, %(strategy)s) is %(length)d long as %(platform)s counts it; "
            "the limit is %(limit)d. Shorten it by %(over)d (or set allow_split = true on the account)"
        )
    else:
        text = _(
            "%(label)s for '%(account)s' (%(platform)s, %(strategy)s) is %(length)d long as %(platform)s counts it; "
            "the limit is %(limit)d. Shorten it by %(over)d"
        )
    return text % values


def _caps(message: Message, thread: bool) -> Iterator[str]:
    """Problems with the number of hashtags and links, where the platform caps them."""
    record = SPECS[message.platform]
    for what, cap, found in (("hashtags", record.hashtag_cap, hashtags), ("links", record.link_cap, urls)):
        if cap is None:
            continue
        count = len(found(message.text))
        if count > cap:
            values = {
                "label": _label(message, thread),
                "account": message.account,
                "count": count,
                "platform": record.title,
                "cap": cap,
            }
            yield _(_CAPS[what]) % values


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for message, post_file in account_messages(post, ctx):
        strategy = ctx.config.accounts[message.account].strategy
        problems = [_length(message, post.thread, strategy), *_caps(message, post.thread)]
        for problem in problems:
            if problem is not None:
                yield RULE.at(post, post_file, post_file.body_line, problem)
