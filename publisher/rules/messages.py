"""The messages a post becomes on each of its configured accounts, with the file each comes from.

``too-long`` and ``image-unfit`` judge what each platform receives, not the
files: one walk over the composed messages serves both (docs/content.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post, PostFile
from publisher.rules.context import Context
from publisher.text.compose import Message, compose


def account_messages(post: Post, ctx: Context) -> Iterator[tuple[Message, PostFile]]:
    """Each message of a complete post, account by account (unknown accounts are account-unknown's)."""
    if not post.complete:
        return
    for name in post.accounts:
        if name not in ctx.config.accounts:
            continue
        for message in compose(post, ctx.config, name):
            post_file = post.file("en" if message.language == "en" else "cy")
            if post_file is not None:
                yield message, post_file
