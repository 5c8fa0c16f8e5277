"""Hashtags a screen reader can read: several words run together need CamelCase (#TywyddGaeaf).

A screen reader reads ``#tywyddgaeaf`` as one long unknown word and
``#TywyddGaeaf`` as two. Telling whether a lower-case tag is several words
needs a Welsh and an English word list: both come with the Tesseract data
``check`` already needs for reading images (tesseract-ocr-cym and
tesseract-ocr-eng ship their word lists inside the ``.traineddata`` files),
unpacked once with Tesseract's own tools and kept in ``.publisher-cache/``.
The word bank's proper names count as words too.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from publisher.text.image_text import tessdata_dir

LEXICON_VERSION = "1"
MIN_PART = 3  # shorter "words" in the lists are mostly abbreviations and OCR noise
MIN_TAG = 2 * MIN_PART
MAX_LEXICON_BYTES = 32 * 1024 * 1024
_LETTERS = re.compile(r"^[^\W\d_]+$")


def tessdata_files() -> list[Path]:
    """The Welsh and English ``.traineddata`` files, where Tesseract keeps them."""
    folder = tessdata_dir()
    if folder is None:
        return []
    files = [folder / f"{lang}.traineddata" for lang in ("cym", "eng")]
    return [f for f in files if f.is_file()]


def _unpack(traineddata: Path, work: Path) -> list[str]:
    """The word list inside ``traineddata`` (LSTM word DAWG), through combine_tessdata and dawg2wordlist."""
    stem = work / traineddata.stem
    dawg, unicharset, out = Path(f"{stem}.lstm-word-dawg"), Path(f"{stem}.lstm-unicharset"), Path(f"{stem}.txt")
    subprocess.run(
        ["combine_tessdata", "-e", str(traineddata), str(dawg), str(unicharset)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    subprocess.run(
        ["dawg2wordlist", str(unicharset), str(dawg), str(out)], capture_output=True, timeout=120, check=False
    )
    try:
        return out.read_text("utf-8", "replace").split()
    except OSError:
        return []


def _signature(files: list[Path]) -> str:
    parts = [f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files]
    return hashlib.sha256(("\n".join([LEXICON_VERSION, *parts])).encode()).hexdigest()[:16]


@lru_cache(maxsize=4)
def lexicon(cache_dir: Path | None) -> frozenset[str]:
    """Lower-case Welsh and English words (empty when Tesseract's tools or data are missing)."""
    files = tessdata_files()
    if not files or shutil.which("combine_tessdata") is None or shutil.which("dawg2wordlist") is None:
        return frozenset()
    cached = cache_dir / f"words-{_signature(files)}.txt" if cache_dir is not None else None
    if cached is not None and cached.is_file() and cached.stat().st_size <= MAX_LEXICON_BYTES:
        return frozenset(cached.read_text("utf-8").split())
    with tempfile.TemporaryDirectory(prefix="publisher-words-") as work:
        words = {w.lower() for f in files for w in _unpack(f, Path(work))}
    words = {w for w in words if len(w) >= MIN_PART and _LETTERS.match(w)}
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text("\n".join(sorted(words)), "utf-8")
        except OSError:
            pass
    return frozenset(words)


def needs_camel_case(tag: str) -> bool:
    """A tag (without ``#``) that shows no word boundaries: all one case and long enough for two words."""
    letters = tag.replace("_", "")
    return (
        len(letters) >= MIN_TAG
        and _LETTERS.match(letters) is not None
        and letters[1:]
        in (
            letters[1:].lower(),
            letters[1:].upper(),
        )
    )


def split_words(tag: str, words: frozenset[str], names: tuple[str, ...] = ()) -> list[str] | None:
    """``tag`` as two or more known words (fewest words wins), or None when it is one word or unknown."""
    lower = tag.lower()
    for name in names:
        parts = name.split()
        if "".join(parts).lower() == lower:
            return parts if len(parts) > 1 else None
    if lower in words:
        return None
    best: list[list[str] | None] = [None] * (len(lower) + 1)
    best[0] = []
    for end in range(MIN_PART, len(lower) + 1):
        for start in range(0, end - MIN_PART + 1):
            previous = best[start]
            if previous is not None and lower[start:end] in words:
                candidate = [*previous, lower[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    found = best[len(lower)]
    return found if found is not None and len(found) > 1 else None


def camel_case(parts: list[str]) -> str:
    """``["tywydd", "gaeaf"]`` → ``TywyddGaeaf``."""
    return "".join(part[:1].upper() + part[1:] for part in parts)
