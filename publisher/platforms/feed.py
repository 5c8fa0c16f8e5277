"""The ``feed`` channel: bilingual Atom feeds, one per language, for the council's website or newsletter.

Policy 7.2.10: what goes on social media must also go out by other means.
Each delivery becomes an entry in ``cy.atom`` or ``en.atom`` (a combined
text in both) in the account's ``path`` folder, where a website or newsletter
tool picks them up. A Welsh entry and its English partner link to each other
(``<link rel="alternate" hreflang="en">``), and each feed carries its
language as ``xml:lang`` (docs/platforms.md "The feed").

Exactly once: entries live in ``entries.json`` keyed by the delivery's
idempotency key, so a resend finds the entry it wrote (and rewrites the same
feeds) instead of adding a second. Every file is replaced atomically under
the folder's lock, so a reader never sees half a feed. Images are prepared as for any
platform (no location data) and written into the folder's ``media/``, linked
as enclosures titled with their alt text. The feeds are written with feedgen.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import (
    AccountIdentity,
    MediaFile,
    PermanentError,
    Platform,
    PublishRequest,
    RemotePost,
)
from publisher.platforms.files import atomic_write, folder_lock, make_folder, writable_folder
from publisher.platforms.media import write_copy

LANGUAGES = ("cy", "en")
LANGUAGE_ATTRIBUTE = "xml:lang"  # how each feed says its language (feedgen's ``language()``)
STORE = "entries.json"
MAX_STORE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 50
TITLE_LENGTH = 100
_DEFAULT_TITLES = {"cy": "{account} (Cymraeg)", "en": "{account} (English)"}


def entry_title(text: str) -> str:
    """The entry's title: its first line, cut at a word near ``TITLE_LENGTH`` characters."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_LENGTH:
        return first
    return first[:TITLE_LENGTH].rsplit(" ", 1)[0] + "…"


@dataclass
class Store:
    """The feed's entries, oldest first, as kept in ``entries.json``."""

    entries: list[dict[str, Any]]

    def find(self, key: str) -> dict[str, Any] | None:
        return next((entry for entry in self.entries if entry["key"] == key), None)

    def in_language(self, language: str) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if language in entry["language"].split("+")]

    def partner(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The same message in the other language: same post, same place among that post's entries."""
        if "+" in entry["language"] or not entry.get("post"):
            return None
        other = "en" if entry["language"] == "cy" else "cy"
        mine = [e for e in self.entries if e.get("post") == entry["post"] and e["language"] == entry["language"]]
        theirs = [e for e in self.entries if e.get("post") == entry["post"] and e["language"] == other]
        index = mine.index(entry)
        return theirs[index] if index < len(theirs) else None


class Feed(Platform):
    """Two Atom feeds in a folder: Welsh and English, each entry linked to its partner."""

    name: ClassVar[str] = "feed"

    @property
    def folder(self) -> Path:
        return Path(self.account.path or f"feeds/{self.account.name}")

    @property
    def base_url(self) -> str:
        """Where the folder is served (option ``base_url``); the folder itself when unset."""
        return (self.account.option("base_url") or self.folder.resolve().as_uri()).rstrip("/")

    @property
    def max_entries(self) -> int:
        value = self.account.option("max_entries")
        try:
            return max(1, int(value)) if value else DEFAULT_MAX_ENTRIES
        except ValueError:
            raise PermanentError(
                _("account '%(account)s': max_entries = %(value)r is not a number")
                % {"account": self.account.name, "value": value}
            ) from None

    def entry_id(self, key: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"publisher:{self.account.name}:{key}").urn

    def entry_url(self, entry: dict[str, Any], language: str | None = None) -> str:
        language = language or entry["language"].split("+")[0]
        return f"{self.base_url}/{language}.atom#{self.entry_id(entry['key']).rsplit(':', 1)[-1]}"

    # -- the store and the feeds -------------------------------------------------

    def _load(self) -> Store:
        path = self.folder / STORE
        if not path.exists():
            return Store(entries=[])
        if path.stat().st_size > MAX_STORE_BYTES:
            raise PermanentError(
                _("%(file)s is over %(size)d MiB: move old entries out of it")
                % {"file": path, "size": MAX_STORE_BYTES // (1024 * 1024)}
            )
        try:
            data = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise PermanentError(
                _("%(file)s is not the feed's JSON any more: restore it or remove it") % {"file": path}
            ) from None
        return Store(entries=list(data.get("entries", [])))

    def _save(self, store: Store) -> None:
        keep = self.max_entries * len(LANGUAGES)
        store.entries = store.entries[-keep:]
        text = json.dumps({"entries": store.entries}, ensure_ascii=False, indent=1)
        atomic_write(self.folder / STORE, text.encode("utf-8"))
        for language in LANGUAGES:
            atomic_write(self.folder / f"{language}.atom", self._render(store, language))

    def _render(self, store: Store, language: str) -> bytes:
        from feedgen.feed import FeedGenerator

        generator = FeedGenerator()
        generator.register_extension("links", _FeedLinks, _EntryLinks, atom=True, rss=False)
        generator.id(uuid.uuid5(uuid.NAMESPACE_URL, f"publisher:{self.account.name}:{language}").urn)
        title = self.account.option(f"title_{language}") or _DEFAULT_TITLES[language].format(account=self.account.name)
        generator.title(title)
        generator.language(language)
        generator.link(href=f"{self.base_url}/{language}.atom", rel="self")
        entries = store.in_language(language)[-self.max_entries :]
        generator.updated(max((e["updated"] for e in entries), default=datetime.now(UTC).isoformat()))
        for entry in entries:
            self._add_entry(generator, store, entry)
        data: bytes = generator.atom_str(pretty=True)
        return data

    def _add_entry(self, generator: Any, store: Store, entry: dict[str, Any]) -> None:
        item = generator.add_entry(order="append")
        item.id(self.entry_id(entry["key"]))
        item.title(entry["title"])
        item.content(entry["text"], type="text")
        item.published(entry["published"])
        item.updated(entry["updated"])
        partner = store.partner(entry)
        if partner is not None:
            other = partner["language"]
            item.links.add(rel="alternate", hreflang=other, href=self.entry_url(partner, other))
        for media in entry.get("media", []):
            item.links.add(
                rel="enclosure", href=media["url"], type=media["type"], title=media["alt"], length=media["length"]
            )

    # -- the interface ---------------------------------------------------------------

    def _media(self, media: MediaFile) -> dict[str, Any]:
        """The prepared image (no location data) written into the feed's ``media/`` folder and linked from there."""
        image = self.prepared(media)
        try:
            target = write_copy(image, self.folder / "media")
        except OSError as exc:
            raise PermanentError(
                _("cannot write the image into the %(what)s folder: %(problem)s")
                % {"what": "feed", "problem": exc.strerror}
            ) from None
        return {
            "url": f"{self.base_url}/media/{target.name}",
            "type": image.mime_type,
            "alt": self.alt_text(media),
            "length": str(len(image.data)),
        }

    def _remote(self, entry: dict[str, Any]) -> RemotePost:
        return RemotePost(id=entry["key"], url=self.entry_url(entry))

    def publish(self, request: PublishRequest) -> RemotePost:
        make_folder(self.folder, "feed")
        media = [self._media(m) for m in request.media]
        with folder_lock(self.folder):
            store = self._load()
            entry = store.find(request.idempotency_key)
            if entry is None:  # a resend finds its entry: it is written again, never twice
                now = datetime.now(UTC).isoformat()
                entry = {
                    "key": request.idempotency_key,
                    "post": request.post,
                    "language": request.language,
                    "title": entry_title(request.text),
                    "text": request.text,
                    "published": now,
                    "updated": now,
                    "media": media,
                    "reply_to": request.reply_to.id if request.reply_to else None,
                }
                store.entries.append(entry)
            self._save(store)
        return self._remote(entry)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        if not self.folder.is_dir():
            return None
        with folder_lock(self.folder):
            store = self._load()
            entry = store.find(request.idempotency_key)
            if entry is not None:
                self._save(store)  # a crash between the entries and the feeds: the feeds catch up here
        return self._remote(entry) if entry is not None else None

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        make_folder(self.folder, "feed")
        with folder_lock(self.folder):
            store = self._load()
            entry = store.find(post.id)
            if entry is None:
                raise PermanentError(
                    _("the feed entry %(id)s is no longer in %(file)s") % {"id": post.id, "file": self.folder / STORE}
                )
            if entry["text"] != text:
                entry.setdefault("edits", []).append({"at": entry["updated"], "previous_text": entry["text"]})
                entry.update(text=text, title=entry_title(text), updated=datetime.now(UTC).isoformat())
            self._save(store)
        return self._remote(entry)

    def verify(self) -> AccountIdentity:
        return writable_folder(self.folder, "feed")


class _FeedLinks:
    """feedgen's feed-level half of the links extension (nothing to add there)."""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, feed: Any) -> Any:
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _EntryLinks(_FeedLinks):
    """An entry's links, written with all their attributes.

    feedgen 1.0's own entry links keep only ``href`` (its issue 135), which
    would lose ``rel``, ``hreflang`` and ``title``: the partner link and the
    alt text of images. feedgen's extension hook writes them whole instead.
    """

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def add(self, **attributes: str) -> None:
        self.links.append(attributes)

    def extend_atom(self, entry: Any) -> Any:
        from lxml import etree

        for attributes in self.links:
            etree.SubElement(entry, "link", {k: v for k, v in attributes.items() if v})
        return entry
