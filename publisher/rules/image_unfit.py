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
from publisher.platforms.media import ImageFacts, ImageUnfit, inspect, unfit
from publisher.platforms.specs import SPECS
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.rules.images import language_images, target_platforms
from publisher.rules.messages import account_messages
from publisher.text.compose import Message

RULE = Rule(
    "image-unfit",
    "error",
    "crop or re-export the image as the message says, use fewer images, or shorten the alt text",
)
_NAMES = {"cy": "Welsh", "en": "English", "cy+en": "combined"}


def _images(post: Post, ctx: Context) -> Iterator[Finding]:
    """Each image, against each platform the post goes to."""
    platforms = sorted(target_platforms(post, ctx))
    seen: dict[str, ImageFacts | str] = {}
    for image in language_images(post, ctx):
        if image.path is None:
            continue
        key = str(image.path)
        if key not in seen:
            try:
                seen[key] = inspect(image.path)
            except ImageUnfit as exc:
                seen[key] = str(exc)
            facts = seen[key]
            if isinstance(facts, str):
                yield RULE.at(post, image.post_file, image.line, f"{image.label}: {facts}")
                continue
            for platform in platforms:
                for problem in unfit(facts, SPECS[platform]):
                    yield RULE.at(
                        post, image.post_file, image.line, f"{image.label} for {SPECS[platform].title}: {problem}"
                    )


def _message_problems(message: Message) -> Iterator[str]:
    record = SPECS[message.platform]
    who = f"the {_NAMES[message.language]} post to '{message.account}'"
    cap = record.images_per_post
    if cap is not None and len(message.media) > cap:
        yield (
            f"{who} has {len(message.media)} images; {record.title} takes at most {cap} in a post, "
            "so the rest would be left out: use fewer images"
        )
    limit = record.alt_text_limit
    for number, attachment in enumerate(message.media, start=1):
        if limit is not None and len(attachment.alt) > limit:
            yield (
                f"{who}: the alt text of image {number} is {len(attachment.alt)} characters; {record.title} takes "
                f"at most {limit}, and cutting it would lose what it describes: shorten it"
            )


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
