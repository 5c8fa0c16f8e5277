"""Turn a post into the ordered messages each account receives (docs/content.md "Bilingual strategies").

This is the single place that decides what is sent, in what order: preview
shows it, ``too-long`` measures it and the daemon publishes it. Welsh always
comes first: in a ``combined`` text, in the order of ``separate`` posts, as
the root of a ``thread`` and as the first account of a language pair. Links
to the council's own sites carry ``utm_content=cy|en`` when ``[links]`` asks
(docs/configuration.md), so each language's clicks can be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from publisher.config import Config, LinkSettings
from publisher.content.post import Post
from publisher.content.schema import MediaItem
from publisher.platforms.account import Account
from publisher.text.length import Measure, fits, measure
from publisher.text.links import tag

COMBINED_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Attachment:
    """An image with its alt text in the message's language(s)."""

    file: str
    alt: str


@dataclass(frozen=True)
class Message:
    """One platform post: what, where, in which language, replying to which earlier message."""

    account: str
    platform: str
    language: str  # "cy", "en" or "cy+en" for a combined text
    part: int
    text: str
    reply_to: int | None  # index of the earlier message in the same list
    media: tuple[Attachment, ...] = ()

    @property
    def key(self) -> str:
        """Stable name of this delivery within its post (account, language, part)."""
        return f"{self.account}:{self.language}:{self.part}"

    def measure(self) -> Measure:
        return measure(self.platform, self.text)


def _attachments(cy: list[MediaItem], en: list[MediaItem], language: str) -> tuple[Attachment, ...]:
    """Each message's images: each language's own version where the pair has one per language (policy 8.2)."""
    out = []
    for index, cy_item in enumerate(cy):
        en_item = en[index] if index < len(en) else MediaItem()
        cy_file, en_file = cy_item.file or en_item.file, en_item.file or cy_item.file
        if not cy_file or not en_file:
            continue
        if language == "cy":
            out.append(Attachment(file=cy_file, alt=cy_item.alt or ""))
        elif language == "en":
            out.append(Attachment(file=en_file, alt=en_item.alt or ""))
        elif cy_file == en_file:
            out.append(Attachment(file=cy_file, alt=" / ".join(a for a in (cy_item.alt, en_item.alt) if a)))
        else:  # a combined text carries both language versions, Welsh first
            out.append(Attachment(file=cy_file, alt=cy_item.alt or ""))
            out.append(Attachment(file=en_file, alt=en_item.alt or ""))
    return tuple(out)


def _chain(
    account: Account, language: str, parts: list[str], media: tuple[Attachment, ...], start: int, reply_to: int | None
) -> list[Message]:
    """Messages for ``parts`` as a reply chain starting at list index ``start``."""
    messages = []
    for index, text in enumerate(parts):
        messages.append(
            Message(
                account=account.name,
                platform=account.platform or "",
                language=language,
                part=index,
                text=text,
                reply_to=reply_to if index == 0 else start + index - 1,
                media=media if index == 0 else (),
            )
        )
    return messages


def _for_account(post: Post, account: Account, languages: str, links: LinkSettings) -> list[Message]:
    cy_parts = [tag(part, "cy", links) for part in post.parts("cy")]
    en_parts = [tag(part, "en", links) for part in post.parts("en")]
    cy_media, en_media = post.media("cy"), post.media("en")
    if languages == "cy":
        return _chain(account, "cy", cy_parts, _attachments(cy_media, en_media, "cy"), 0, None)
    if languages == "en":
        return _chain(account, "en", en_parts, _attachments(cy_media, en_media, "en"), 0, None)
    if account.strategy == "combined":
        combined_parts = [
            COMBINED_SEPARATOR.join(p for p in (cy, en) if p) for cy, en in zip(cy_parts, en_parts, strict=False)
        ]
        combined = _chain(account, "cy+en", combined_parts, _attachments(cy_media, en_media, "cy+en"), 0, None)
        if not account.allow_split or all(fits(m.platform, m.text) for m in combined):
            return combined
        # The pair does not fit in one text and the account allows splitting.
    welsh = _chain(account, "cy", cy_parts, _attachments(cy_media, en_media, "cy"), 0, None)
    english_reply_to = len(welsh) - 1 if account.strategy == "thread" and welsh else None
    english = _chain(account, "en", en_parts, _attachments(cy_media, en_media, "en"), len(welsh), english_reply_to)
    return welsh + english


def compose(post: Post, config: Config, account_name: str) -> list[Message]:
    """The messages ``account_name`` (a configured account or pair) receives, in order."""
    messages: list[Message] = []
    for languages, account in config.platform_accounts(account_name):
        offset = len(messages)
        for message in _for_account(post, account, languages, config.links):
            if offset and message.reply_to is not None:
                message = replace(message, reply_to=message.reply_to + offset)
            messages.append(message)
    return messages
