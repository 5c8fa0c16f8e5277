"""``account-unknown``: every account a post names must be in the config."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("account-unknown", "error", "use an account name from [accounts] in config/publisher.toml")


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    where = post.where("accounts")
    if where is None:
        return
    post_file, line = where
    known = sorted(ctx.config.accounts)
    for name in post.accounts:
        if name not in ctx.config.accounts:
            match = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{match[0]}'?" if match else f"configured accounts: {', '.join(known)}"
            yield RULE.at(post, post_file, line, f"account '{name}' is not in the config; {hint}")
