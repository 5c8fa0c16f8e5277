"""``accessibility``: posts that read well aloud (a warning; each check can be turned off in ``[accessibility]``).

Following the Government Communication Service's guidance on accessible
social media (docs/content.md "Accessibility"): a screen reader reads
``#tywyddgaeaf`` as one unknown word, reads out every emoji's name, stops
a sentence at a hashtag in its middle, and spells out words in capitals;
several links crowd a post; and alt text that is a file name or begins
"image of" / "llun o" tells a listener nothing the screen reader has not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from publisher.config import AccessibilitySettings
from publisher.content.post import LANGUAGES, Post, PostFile
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule
from publisher.rules.context import Context
from publisher.text.hashtags import camel_case, lexicon, needs_camel_case, split_words
from publisher.text.language import HASHTAG, MENTION, URL
from publisher.text.length import urls

RULE = Rule(
    "accessibility",
    "warning",
    N_("write hashtags in CamelCase at the end, use few emoji, one link, no capitals, and alt text that describes"),
)
_TAG = re.compile(r"#(?<![\w#]#)(\w+)")  # "(?<![\w#])#": see publisher.text.language.HASHTAG
_CAPITAL_LETTERS = "A-ZÂÊÎÔÛŴŶÁÉÍÓÚẀÝÄËÏÖÜẄŸ"
_CAPITALS = re.compile(rf"(?<![\w#@/.])[{_CAPITAL_LETTERS}]{{5,}}(?![\w/.])")
_HASH_TOKEN = re.compile(r"#(?<!\S#)\S*")  # a word (as str.split cuts them) beginning with "#"
_WORD_CHARACTER = re.compile(r"\w")
_FIVE_CAPITALS = re.compile(rf"[{_CAPITAL_LETTERS}]{{5}}")  # what any match needs: a quick first look
_FILE_NAME = re.compile(r"^\S+\.(jpe?g|png|gif|webp|heic|tiff?)$|^(img|dsc|dscn|pxl|photo|image)[-_ ]?\d+", re.I)
_IMAGE_OF = re.compile(
    r"^(an? )?(image|picture|photo|photograph|graphic|screenshot) of\b|^(llun|delwedd|ffotograff|graffeg) o\b", re.I
)


def _hashtag_case(text: str, ctx: Context) -> Iterator[tuple[str, str]]:
    names = ctx.wordbank.names if ctx.wordbank else ()
    for tag in dict.fromkeys(_TAG.findall(text)):
        if not needs_camel_case(tag):
            continue
        parts = split_words(tag, lexicon(ctx.config.cache_dir), tuple(names))
        if parts:
            yield (
                f"#{tag}",
                _(
                    "#%(tag)s runs %(count)d words together; write it in CamelCase, #%(camel)s, "
                    "so screen readers read the words"
                )
                % {"tag": tag, "count": len(parts), "camel": camel_case(parts)},
            )


@lru_cache(maxsize=1)
def _emoji_characters() -> frozenset[str]:
    """Every character some emoji is made of, but ASCII ones where the emoji has others.

    Every emoji has a character outside ASCII (the keycaps' digits come with
    U+20E3), so a text with none of these holds no emoji, and the emoji
    library's character-by-character scan (a quarter of a cold ``check``) is
    spared for it.
    """
    import emoji

    return frozenset(c for key in emoji.EMOJI_DATA for c in key if key.isascii() or not c.isascii())


def _emoji(text: str, settings: AccessibilitySettings) -> Iterator[tuple[str, str]]:
    if _emoji_characters().isdisjoint(text):
        return
    import emoji

    found = emoji.emoji_list(text)
    if len(found) > settings.max_emoji:
        yield (
            found[0]["emoji"],
            _("%(count)d emoji; screen readers read each one's name aloud: keep to %(max)d or fewer")
            % {"count": len(found), "max": settings.max_emoji},
        )
    for item in found:
        before = text[: item["match_start"]].rstrip(" \t")
        after = text[item["match_end"] :].lstrip(" \t")
        if before and after and re.search(r"[\w,]$", before) and re.match(r"\w", after):
            yield (
                item["emoji"],
                _(
                    "%(emoji)s stands in the middle of a sentence, where its name interrupts it when read "
                    "aloud; move it to the end of the sentence"
                )
                % {"emoji": item["emoji"]},
            )


def _trails(token: str) -> bool:
    """A hashtag, a link or bare punctuation: what may stand after the last sentence."""
    return bool(HASHTAG.fullmatch(token.rstrip(".,!?;:")) or URL.match(token) or not _WORD_CHARACTER.search(token))


def _hashtag_position(text: str) -> Iterator[tuple[str, str]]:
    """The first hashtag with more than hashtags, links and punctuation after it."""
    for token in _HASH_TOKEN.finditer(text):
        tag = HASHTAG.match(token.group())
        if not tag:
            continue
        if not all(_trails(rest) for rest in text[token.start() :].split()):
            yield (
                tag.group(0),
                _(
                    "%(tag)s stands in the middle of the text; screen readers read it as a hashtag "
                    "mid-sentence: put hashtags at the end"
                )
                % {"tag": tag.group(0)},
            )
        return


def _links(text: str) -> Iterator[tuple[str, str]]:
    found = urls(text)
    if len(found) > 1:
        message = _("%(count)d links; give one link, so the post is clear to follow and to listen to")
        yield found[1], message % {"count": len(found)}


def _capitals(text: str, ctx: Context) -> Iterator[tuple[str, str]]:
    if not _FIVE_CAPITALS.search(text):
        return
    names = {n.upper() for n in (ctx.wordbank.names if ctx.wordbank else ())}
    plain = MENTION.sub(" ", URL.sub(" ", text))
    words = [w for w in dict.fromkeys(_CAPITALS.findall(plain)) if w not in names]
    if words:
        yield (
            words[0],
            _(
                "words in capitals (%(words)s) are hard to read and screen readers may spell "
                "them out; write them in ordinary case"
            )
            % {"words": ", ".join(words[:3])},
        )


def _body(text: str, ctx: Context) -> Iterator[tuple[str, str]]:
    settings = ctx.config.accessibility
    if settings.hashtag_case:
        yield from _hashtag_case(text, ctx)
    if settings.emoji:
        yield from _emoji(text, settings)
    if settings.hashtag_position:
        yield from _hashtag_position(text)
    if settings.links:
        yield from _links(text)
    if settings.capitals:
        yield from _capitals(text, ctx)


def _alt_texts(post: Post, post_file: PostFile) -> Iterator[Finding]:
    for index, item in enumerate(post.media(post_file.language)):
        alt = (item.alt or "").strip()
        if _FILE_NAME.search(alt):
            message = _("media item %(number)d: the alt text looks like a file name; describe what the image shows")
        elif _IMAGE_OF.search(alt):
            message = _(
                "media item %(number)d: the alt text starts by saying it is an image, which screen readers "
                "already say; describe what the image shows"
            )
        else:
            continue
        yield RULE.at(post, post_file, item.line_of("alt"), message % {"number": index + 1})


def check(post: Post, ctx: Context) -> Iterator[Finding]:
    for language in LANGUAGES:
        post_file = post.file(language)
        if post_file is None or not post_file.readable:
            continue
        for part in post.parts(language):
            for fragment, message in _body(part, ctx):
                yield RULE.at(post, post_file, post_file.body_line_of(fragment), message)
        if ctx.config.accessibility.alt_text:
            yield from _alt_texts(post, post_file)
