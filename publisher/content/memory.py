"""Posts that never were files: emergency posts and recurring occurrences.

They go through the same rules and the same queue as repository posts, so
they are built as the same :class:`~publisher.content.post.Post`.
"""

from __future__ import annotations

from pathlib import Path

from publisher.content.post import Language, Post, PostFile, normalise
from publisher.content.schema import FileMeta, MediaItem, Translation


def in_memory_post(
    post_id: str,
    cy: str,
    en: str,
    accounts: list[str],
    folder: Path,
    publish_at: str,
    media: dict[str, MediaItem] | None = None,
    reviewer: str = "",
) -> Post:
    """A pair with the given texts, as if read from ``folder`` (media paths are relative to it)."""
    files = {}
    texts: tuple[tuple[Language, str], ...] = (("cy", cy), ("en", en))
    for language, text in texts:
        item = (media or {}).get(language)
        meta = FileMeta(
            present={"accounts", "publish_at"} | ({"media"} if item else set()),
            values={"accounts": list(accounts), "publish_at": publish_at},
            media=[item] if item else None,
            translation=Translation(reviewed=True, reviewer=reviewer or None) if language == "cy" else None,
        )
        name = "Welsh" if language == "cy" else "English"
        files[language] = PostFile(
            path=folder / f"{post_id.replace('/', '_')}.{language}.md",
            display=f"{post_id} ({name})",
            language=language,
            text=normalise(text),
            meta=meta,
            body_markdown=normalise(text),
            body_line=1,
            readable=True,
        )
    return Post(slug=post_id, cy=files["cy"], en=files["en"])
