"""``too-long``: each message must fit its platform, counted the platform's way, for the account's strategy."""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Context, Rule
from publisher.text.compose import compose
from publisher.text.length import INSTAGRAM_MAX_HASHTAGS, fits, hashtags

RULE = Rule("too-long", "error", "shorten the text, or use an account strategy that sends Welsh and English separately")
_NAMES = {"cy": "Welsh", "en": "English", "cy+en": "combined Welsh+English"}


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    if not post.complete:
        return
    for name in post.accounts:
        if name not in ctx.config.accounts:
            continue
        for message in compose(post, ctx.config, name):
            post_file = post.file("en" if message.language == "en" else "cy")
            assert post_file is not None
            label = f"{_NAMES[message.language]} text" + (f" part {message.part + 1}" if post.thread else "")
            if not fits(message.platform, message.text):
                size = message.measure()
                strategy = ctx.config.accounts[message.account].strategy
                advice = " (or set allow_split = true on the account)" if message.language == "cy+en" else ""
                yield RULE.at(
                    post, post_file, post_file.body_line,
                    f"the {label} for '{message.account}' ({message.platform}, {strategy}) is {size.length} "
                    f"long as {message.platform} counts it; the limit is {size.limit}. Shorten it by {size.length - (size.limit or 0)}{advice}",
                )
            if message.platform == "instagram" and len(hashtags(message.text)) > INSTAGRAM_MAX_HASHTAGS:
                yield RULE.at(
                    post, post_file, post_file.body_line,
                    f"the {label} for '{message.account}' has {len(hashtags(message.text))} hashtags; Instagram allows at most {INSTAGRAM_MAX_HASHTAGS}",
                )
