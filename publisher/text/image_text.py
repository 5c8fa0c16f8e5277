"""Text in pictures: read with Tesseract OCR (Welsh and English data), cached by the image's hash.

Tesseract is used through tesserocr, which keeps the Welsh and English
models loaded between images (four times faster than starting the
``tesseract`` program for each image), with the language data of the
system's Tesseract (Debian: tesseract-ocr-cym, tesseract-ocr-eng).

Policy 8.2 extends the bilingual principle to "all text within images/graphics",
so ``check`` reads every image's text and tells its language with the same
detector it uses for the posts (:mod:`publisher.text.language`). Reading an
image costs Tesseract a fraction of a second, so each result is kept in
``.publisher-cache/`` under the sha256 of the image's bytes: an unchanged
image is never read twice, whichever post uses it, in ``check`` or in the
daemon. The cache is a file of JSON lines, appended to, so parallel check
workers can all add to it. When Tesseract or its Welsh or English data is
missing, :meth:`ImageTextReader.read` says so (``None``) instead of guessing.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from publisher.i18n import N_, _
from publisher.platforms.media import ImageUnfit, open_image, read_source
from publisher.text.language import MIN_WORDS, WORD, Lang, detect, line_language

LANGUAGES = "cym+eng"
CACHE_FILE = "ocr-v1.jsonl"
MAX_CACHE_BYTES = 64 * 1024 * 1024
MIN_WORD_CONFIDENCE = 60  # Tesseract's 0-100 confidence; below it a "word" is usually texture or noise
OCR_MAX_SIDE = 2500  # larger pictures are scaled down first: text legible to people stays legible to OCR
READING = "3"  # changes when the reading below changes, so older cached results are not reused
_LOCK = threading.Lock()  # held while this process's Tesseract is loaded, reads an image or is freed
INSTALL_HINT = N_(
    "install tesseract-ocr with its Welsh and English data (Debian: tesseract-ocr-cym, tesseract-ocr-eng)"
)


@lru_cache(maxsize=1)
def tessdata_dir() -> Path | None:
    """The folder of Tesseract's language data, when it holds the Welsh and the English data."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        found = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'"([^"]+)"', found.stdout)
    if match is None or not {"cym", "eng"} <= set(found.stdout.split()):
        return None
    return Path(match.group(1))


@lru_cache(maxsize=1)
def engine() -> str | None:
    """What reads the images (the binding's build, the languages, this module's reading), or None when nothing can.

    Found without importing tesserocr (which loads Pillow), so a fully cached
    ``check`` stays fast.
    """
    folder = tessdata_dir()
    found = importlib.util.find_spec("tesserocr")
    if folder is None or found is None or found.origin is None:
        return None
    builds = sorted(f"{p.name}:{p.stat().st_size}" for p in Path(found.origin).parent.glob("*.so"))
    data = [(folder / f"{lang}.traineddata").stat().st_size for lang in ("cym", "eng")]
    return f"tesserocr {builds} {LANGUAGES} {data} r{READING}"


_apis: dict[int, Any] = {}  # this process's Tesseract instance, by process id (a forked child makes its own)


def _api() -> Any:
    """One Tesseract instance per process (loading the Welsh and English models costs a third of a second).

    Called with ``_LOCK`` held.
    """
    pid = os.getpid()
    if pid not in _apis:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per process: check already judges in parallel
        import tesserocr

        _apis[pid] = tesserocr.PyTessBaseAPI(path=str(tessdata_dir()) + os.sep, lang=LANGUAGES)
    return _apis[pid]


def release() -> None:
    """Free this process's Tesseract and hand its memory back to the system; the next image loads it again.

    A cold ``check`` calls it before forking its workers (docs/commands.md "check"): the images met
    while warming up are read by then, and a worker that meets another image loads its own instance
    anyway, so the parent's copy would only sit in memory, about 20 MB, until the end.
    """
    with _LOCK:
        api = _apis.pop(os.getpid(), None)
        if api is None:
            return
        api.End()
    with suppress(OSError, AttributeError):  # glibc only: elsewhere the freed memory stays with the process
        ctypes.CDLL(None).malloc_trim(0)


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class ImageText:
    """The text found in one image, line by line (NFC, whitespace normalised, noise left out)."""

    lines: tuple[str, ...] = ()
    error: str | None = None  # Tesseract failed on this image

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def words(self) -> int:
        return len(WORD.findall(self.text))

    @property
    def has_text(self) -> bool:
        """Enough words to be text rather than a stray sign in a photo."""
        return self.words >= MIN_WORDS

    @cached_property
    def by_language(self) -> dict[Lang, list[str]]:
        """The lines in each language; lines too short to tell are left out."""
        found: dict[Lang, list[str]] = {}
        for line in self.lines:
            language = line_language(line)
            if language is not None:
                found.setdefault(language, []).append(line)
        if not found and self.has_text:
            whole = detect(self.text).language
            if whole is not None:
                found[whole] = list(self.lines)
        return found

    @property
    def languages(self) -> frozenset[Lang]:
        """The languages the image's text is in (both: a bilingual image)."""
        return frozenset(lang for lang, lines in self.by_language.items() if len(WORD.findall(" ".join(lines))) >= 2)


def _lines(tsv: str) -> tuple[str, ...]:
    """Tesseract's words (its TSV output) grouped into lines, keeping confident words with letters in them."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        try:
            confidence = float(cells[10])
            key = (int(cells[2]), int(cells[3]), int(cells[4]))
        except ValueError:
            continue
        word = _clean(cells[11])
        if confidence >= MIN_WORD_CONFIDENCE and re.search(r"[^\W\d_]{2}", word):
            lines.setdefault(key, []).append(word)
    return tuple(" ".join(words) for _, words in sorted(lines.items()))


def ocr(data: bytes, name: str) -> ImageText:
    """Read the text in the image ``data`` (upright first: a phone photo's EXIF may say it is on its side)."""
    from PIL import Image, ImageOps

    try:
        image = ImageOps.exif_transpose(open_image(data, name)).convert("L")
    except (ImageUnfit, OSError, ValueError):
        return ImageText()  # media-missing / image-unfit report an unreadable image
    if max(image.size) > OCR_MAX_SIDE:
        image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE), Image.Resampling.LANCZOS)
    try:
        with _LOCK:  # one Tesseract instance per process, which must not read two images at once
            api = _api()
            api.SetImage(image)
            tsv = api.GetTSVText(0)
    except (RuntimeError, OSError) as exc:
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return ImageText(error=_("Tesseract could not read it (%(detail)s)") % {"detail": detail})
    return ImageText(lines=_lines(str(tsv)))


@dataclass
class ImageTextReader:
    """Reads images' text through the cache in ``cache_dir`` (None: no cache)."""

    cache_dir: Path | None
    _cache: dict[str, ImageText] | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return engine() is not None

    @property
    def _file(self) -> Path | None:
        return self.cache_dir / CACHE_FILE if self.cache_dir is not None else None

    def _load(self) -> dict[str, ImageText]:
        if self._cache is None:
            self._cache = dict(_read_cache(self._file, engine() or ""))
        return self._cache

    def read(self, path: Path) -> ImageText | None:
        """The text in the image at ``path``; None when Tesseract (or its Welsh/English data) is missing."""
        if engine() is None:
            return None
        try:
            data = read_source(path)
        except ImageUnfit:
            return ImageText()
        key = hashlib.sha256(data).hexdigest()
        cache = self._load()
        if key not in cache:
            with _claimed(self._file, key):
                cache.update(_read_cache(self._file, engine() or ""))  # another process may have read it meanwhile
                if key not in cache:
                    cache[key] = ocr(data, path.name)
                    if cache[key].error is None:
                        _append(self._file, engine() or "", key, cache[key])
        return cache[key]


@contextmanager
def _claimed(path: Path | None, key: str) -> Iterator[None]:
    """While held, no other process reads an image with this hash (or one sharing its lock byte).

    Parallel check workers meeting the same image (a campaign graphic on many
    posts) then read it once between them: the others wait and take the
    result from the cache, and do not load Tesseract's models (40 MB and a
    third of a second each) for it. The lock is a byte range of an empty file
    beside the cache (not of the cache file: closing any descriptor of a file
    drops a process's locks on it); without one it does not wait.
    """
    fd = None
    if path is not None:
        with suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o644)
    if fd is None:
        yield
        return
    try:
        with suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_EX, 1, int(key[:6], 16), os.SEEK_SET)
        yield
    finally:
        os.close(fd)  # which releases the lock


def _read_cache(path: Path | None, reading: str) -> Iterable[tuple[str, ImageText]]:
    """The cached results made by this same reading (Tesseract version, languages, filtering)."""
    if path is None:
        return
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return
    if len(raw) > MAX_CACHE_BYTES:
        path.unlink(missing_ok=True)  # start again rather than read without bound
        return
    for line in raw.decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
            if item["reading"] == reading:
                yield str(item["sha256"]), ImageText(lines=tuple(str(x) for x in item["lines"]))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash


def _append(path: Path | None, reading: str, key: str, result: ImageText) -> None:
    """Add one result as one appended line (several processes may append at once); failing only costs time."""
    if path is None:
        return
    line = json.dumps({"sha256": key, "reading": reading, "lines": list(result.lines)}, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass
