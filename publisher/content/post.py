"""The post model: one Welsh file and one English file that make a post.

A :class:`PostFile` is one language file as read from disk (never raising:
anything unreadable becomes a :class:`~publisher.content.schema.Problem`), and
a :class:`Post` pairs the two and answers the questions rules and the
publisher ask, such as "which accounts?" and "what are the thread parts?".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from publisher.content import frontmatter, schema
from publisher.files import UnreadableFile, read_bounded
from publisher.i18n import _

Language = Literal["cy", "en"]
LANGUAGES: tuple[Language, Language] = ("cy", "en")
MAX_FILE_BYTES = 1024 * 1024

_THREAD_BREAK = re.compile(r"^---[ \t]*$", re.M)


def normalise(text: str) -> str:
    """NFC-normalise: Welsh ŵ, ŷ, â... have two encodings that must count the same."""
    return unicodedata.normalize("NFC", text)


def decode(raw: bytes) -> str:
    """Decode UTF-8 (BOM accepted), unify line endings and normalise to NFC.

    Raises UnicodeDecodeError for non-UTF-8 bytes and ValueError for a file
    with NUL bytes (a binary file given a ``.md`` name).
    """
    if b"\x00" in raw:
        raise ValueError("binary")
    text = raw.decode("utf-8-sig")
    return normalise(text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass
class PostFile:
    """One language file of a post."""

    path: Path
    display: str
    language: Language
    text: str = ""
    meta: schema.FileMeta = field(default_factory=schema.FileMeta)
    body_markdown: str = ""
    body_line: int = 1
    readable: bool = False

    @classmethod
    def read(cls, path: Path, display: str, language: Language, raw: bytes | None = None) -> PostFile:
        """Read and parse ``path``; every failure is recorded, never raised."""
        post_file = cls(path=path, display=display, language=language)
        try:
            if raw is None:
                raw = read_bounded(path, MAX_FILE_BYTES)
        except UnreadableFile as exc:
            post_file._problem(1, _("the file %(problem)s") % {"problem": exc})
            return post_file
        except OSError as exc:
            post_file._problem(1, _("cannot read the file: %(problem)s") % {"problem": exc.strerror})
            return post_file
        if len(raw) > MAX_FILE_BYTES:
            post_file._problem(
                1,
                _(
                    "the file is larger than 1 MiB; a social-media post is "
                    "far shorter: split it or remove what does not belong"
                ),
            )
            return post_file
        try:
            post_file.text = decode(raw)
        except ValueError as exc:
            if isinstance(exc, UnicodeDecodeError):
                line = raw[: exc.start].count(b"\n") + 1
                message = _("the file is not UTF-8 text (byte %(byte)s at line %(line)d); save it as UTF-8")
                post_file._problem(line, message % {"byte": f"0x{raw[exc.start]:02x}", "line": line})
            else:
                post_file._problem(1, _("the file is binary, not Markdown text; post files must be UTF-8 Markdown"))
            return post_file
        try:
            split = frontmatter.split_front_matter(post_file.text)
            parsed = frontmatter.parse_front_matter(split)
        except frontmatter.FrontMatterError as exc:
            post_file._problem(exc.line, exc.message)
            return post_file
        post_file.body_markdown = split.body
        post_file.body_line = split.body_line
        post_file.meta = schema.validate(parsed.data, parsed.key_lines, parsed.media_lines, language, parsed.start_line)
        post_file.readable = True
        return post_file

    def _problem(self, line: int, message: str) -> None:
        self.meta.problems.append(schema.Problem(line, message))

    def key_line(self, key: str) -> int:
        """The line where ``key`` stands, or the first front matter line."""
        return self.meta.key_lines.get(key, 2 if self.readable else 1)

    def body_line_of(self, fragment: str) -> int:
        """The line of the body where ``fragment`` first appears (else the first body line)."""
        index = self.body_markdown.find(fragment) if fragment else -1
        if index < 0:
            return self.body_line
        return self.body_line + self.body_markdown.count("\n", 0, index)

    def body_parts_markdown(self, thread: bool) -> list[str]:
        """The body as written, split on ``---`` lines when the post is a thread."""
        if not thread:
            return [self.body_markdown]
        return _THREAD_BREAK.split(self.body_markdown)


@dataclass
class Post:
    """A Welsh/English pair sharing a slug (``2026/12/gritting``)."""

    slug: str
    cy: PostFile | None = None
    en: PostFile | None = None
    schedule_accounts: list[str] | None = None  # its schedule's accounts, taken when it names none itself

    def files(self) -> list[PostFile]:
        """The files present, Welsh first."""
        return [f for f in (self.cy, self.en) if f is not None]

    def file(self, language: Language) -> PostFile | None:
        return self.cy if language == "cy" else self.en

    @property
    def id(self) -> str:
        """The stable id (front matter ``id``), defaulting to the slug."""
        value = self.shared("id")
        return str(value) if value else self.slug

    def shared(self, key: str) -> Any:
        """A shared key's value, Welsh file first (pair-mismatch reports disagreement)."""
        for post_file in (self.cy, self.en):
            if post_file is not None and key in post_file.meta.values:
                return post_file.meta.values[key]
        return None

    def where(self, key: str) -> tuple[PostFile, int] | None:
        """The file and line where a shared key stands (Welsh file first)."""
        for post_file in self.files():
            if key in post_file.meta.present:
                return post_file, post_file.key_line(key)
        return None

    @property
    def accounts(self) -> list[str]:
        """The accounts it names, else those of the schedule it names (docs/schedules.md)."""
        own = self.shared("accounts")
        return list(own) if own else list(self.schedule_accounts or [])

    @property
    def thread(self) -> bool:
        return bool(self.shared("thread"))

    @property
    def complete(self) -> bool:
        """Both files are present and readable."""
        return self.cy is not None and self.cy.readable and self.en is not None and self.en.readable

    @cached_property
    def _parts(self) -> dict[str, list[str]]:
        from publisher.content.markdown import to_plain_text  # markdown-it only when texts are needed

        parts: dict[str, list[str]] = {}
        for post_file in self.files():
            if post_file.readable:
                parts[post_file.language] = [to_plain_text(part) for part in post_file.body_parts_markdown(self.thread)]
        return parts

    def parts(self, language: Language) -> list[str]:
        """The plain-text parts (one unless ``thread: true``) of ``language``."""
        return self._parts.get(language, [])

    @cached_property
    def _texts(self) -> dict[str, str]:
        return {language: "\n\n".join(parts) for language, parts in self._parts.items()}

    def text(self, language: Language) -> str:
        """The whole plain text of ``language``, parts separated by blank lines."""
        return self._texts.get(language, "")

    def media(self, language: Language) -> list[schema.MediaItem]:
        post_file = self.cy if language == "cy" else self.en
        return list(post_file.meta.media) if post_file is not None and post_file.meta.media else []

    def media_pairs(self) -> list[tuple[schema.MediaItem | None, schema.MediaItem | None]]:
        """Media items side by side, Welsh then English, by position (the pair's order must match)."""
        if not (self.cy is not None and self.cy.meta.media) and not (self.en is not None and self.en.meta.media):
            return []  # most posts
        cy, en = self.media("cy"), self.media("en")
        return [(cy[i] if i < len(cy) else None, en[i] if i < len(en) else None) for i in range(max(len(cy), len(en)))]

    def media_shared(self, index: int, key: str) -> tuple[str | None, PostFile | None, int]:
        """A shared media key (file/consent/rights) of item ``index``: value, file and line.

        The value may stand in either file; where absent in both, the Welsh
        item's line is returned so the finding points at the item.
        """
        fallback: tuple[str | None, PostFile | None, int] = (None, None, 1)
        for language in LANGUAGES:
            post_file = self.file(language)
            items = self.media(language)
            if post_file is None or index >= len(items):
                continue
            item = items[index]
            value = getattr(item, key)
            if value:
                return value, post_file, item.line_of(key)
            if fallback[1] is None:
                fallback = (None, post_file, item.line)
        return fallback
