"""``image-unfit``: an image a target platform refuses and the publisher cannot safely convert.

Most platform image limits are met at upload without anyone's help
(:mod:`publisher.platforms.media`): PNG becomes JPEG for Instagram, an
oversized image is re-encoded or scaled down. What is left changes the
picture or what it says, so a person must decide: an aspect ratio outside
the platform's range (cropping could cut off text or people), an animated
GIF where only still images are shown, transparency where only JPEG is
taken, more images than a post may carry, alt text over the platform's limit
(cutting it would lose what it describes). The facts come from the platform
table (docs/platforms.md "What each platform takes").
"""

from __future__ import annotations

from collections.abc import Iterator

from publisher.content.post import Post
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.platforms.media import unfit
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import image_facts, language_images, target_platforms
from publisher.rules.messages import account_messages
from publisher.text.compose import Message

RULE = Rule(
    "image-unfit",
    "error",
    N_("crop or re-export the image as the message says, use fewer images, or shorten the alt text"),
)
# Whole sentences per language of the message (Welsh word order and mutation differ).
_TOO_MANY = {
    "cy": N_(
        "the Welsh post to '%(account)s' has %(count)d images; %(platform)s takes at most %(cap)d in a post, "
        "so the rest would be left out: use fewer images"
    ),
    "en": N_(
        "the English post to '%(account)s' has %(count)d images; %(platform)s takes at most %(cap)d in a post, "
        "so the rest would be left out: use fewer images"
    ),
    "cy+en": N_(
        "the combined post to '%(account)s' has %(count)d images; %(platform)s takes at most %(cap)d in a post, "
        "so the rest would be left out: use fewer images"
    ),
}
_ALT_TOO_LONG = {
    "cy": N_(
        "the Welsh post to '%(account)s': the alt text of image %(number)d is %(length)d characters; %(platform)s "
        "takes at most %(limit)d, and cutting it would lose what it describes: shorten it"
    ),
    "en": N_(
        "the English post to '%(account)s': the alt text of image %(number)d is %(length)d characters; "
        "%(platform)s takes at most %(limit)d, and cutting it would lose what it describes: shorten it"
    ),
    "cy+en": N_(
        "the combined post to '%(account)s': the alt text of image %(number)d is %(length)d characters; "
        "%(platform)s takes at most %(limit)d, and cutting it would lose what it describes: shorten it"
    ),
}


def _images(post: Post, ctx: Context) -> Iterator[Finding]:
    """Each image, against each platform the post goes to."""
    platforms = sorted(target_platforms(post, ctx))
    seen: set[str] = set()
    for image in language_images(post, ctx):
        if image.path is None or str(image.path) in seen:
            continue
        seen.add(str(image.path))
        facts = image_facts(ctx, image.path)
        if isinstance(facts, str):
            yield RULE.at(post, image.post_file, image.line, f"{image.label}: {facts}")
            continue
        for platform in platforms:
            for problem in unfit(facts, SPECS[platform]):
                message = _("%(label)s for %(platform)s: %(problem)s")
                values = {"label": image.label, "platform": SPECS[platform].title, "problem": problem}
                yield RULE.at(post, image.post_file, image.line, message % values)


def _message_problems(message: Message) -> Iterator[str]:
    record = SPECS[message.platform]
    values: dict[str, object] = {"account": message.account, "platform": record.title}
    cap = record.images_per_post
    if cap is not None and len(message.media) > cap:
        yield _(_TOO_MANY[message.language]) % {**values, "count": len(message.media), "cap": cap}
    limit = record.alt_text_limit
    for number, attachment in enumerate(message.media, start=1):
        if limit is not None and len(attachment.alt) > limit:
            extra = {"number": number, "length": len(attachment.alt), "limit": limit}
            yield _(_ALT_TOO_LONG[message.language]) % {**values, **extra}


def _messages(post: Post, ctx: Context) -> Iterator[Finding]:
    """Images per post and alt-text length, as each account's messages carry them."""
    if not post.media_pairs():
        return
    for message, post_file in account_messages(post, ctx):
        if message.media:
            for problem in _message_problems(message):
                yield RULE.at(post, post_file, post_file.key_line("media"), problem)


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    yield from _images(post, ctx)
    yield from _messages(post, ctx)
