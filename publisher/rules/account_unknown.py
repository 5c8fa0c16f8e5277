"""``account-unknown``: every account a post names must be in the config."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context

RULE = Rule("account-unknown", "error", N_("use an account name from [accounts] in config/publisher.toml"))


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    where = post.where("accounts")
    if where is None:
        return
    post_file, line = where
    known = sorted(ctx.config.accounts)
    for name in post.accounts:
        if name not in ctx.config.accounts:
            match = difflib.get_close_matches(name, known, n=1)
            if match:
                message = _("account '%(name)s' is not in the config; did you mean '%(match)s'?")
            else:
                message = _("account '%(name)s' is not in the config; configured accounts: %(known)s")
            values = {"name": name, "match": match[0] if match else "", "known": ", ".join(known)}
            yield RULE.at(post, post_file, line, message % values)
