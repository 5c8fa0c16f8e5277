"""Images as the platforms receive them: read once, turned upright, stripped of metadata, fitted to the platform.

Photos of people, and of children above all (policy 9.7), must not give away
where they were taken: a phone's JPEG carries GPS coordinates, the camera and
often the time in its EXIF, XMP and maker notes. So no adapter uploads the
file as it is on disk: each uploads :func:`prepare`'s bytes, which are the
pixels alone (orientation applied first, the ICC colour profile kept),
converted where that is safe and scaled down to the platform's limits
(docs/platforms.md "Images"). :func:`read_source` is the one place an
image file is read for upload or inspection.

What cannot be fixed without changing the picture (an aspect ratio outside
Instagram's range, an animated GIF where only still images are shown, an
image with transparency for a platform that takes only JPEG) is reported by
:func:`unfit`, which ``check`` and :func:`prepare` share.
"""

from __future__ import annotations

import errno
import hashlib
import io
import math
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.i18n import _
from publisher.platforms.specs import PlatformSpec

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_SOURCE_BYTES = 64 * 1024 * 1024  # a camera's largest JPEG is far smaller; anything bigger is refused
MIME = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
EXTENSION = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}
JPEG_QUALITY = 90
MIN_QUALITY = 70
SHRINK = 0.85  # each step down when an image is still too many bytes
MAX_STEPS = 30


class ImageUnfit(ValueError):
    """The image cannot be read, or a platform cannot take it and it cannot be safely converted."""


@dataclass(frozen=True)
class ImageFacts:
    """What the platform rules need to know about an image, read from its header."""

    kind: str  # jpeg, png, gif, webp
    width: int
    height: int
    animated: bool
    transparent: bool
    size: int


@dataclass(frozen=True)
class PreparedImage:
    """The bytes to upload: no EXIF, GPS, XMP, comments or maker notes."""

    data: bytes
    kind: str
    width: int
    height: int

    @property
    def mime_type(self) -> str:
        return MIME[self.kind]

    @property
    def filename(self) -> str:
        """A name that says nothing about the original file: the content hash."""
        return f"{hashlib.sha256(self.data).hexdigest()[:32]}.{EXTENSION[self.kind]}"


class MediaChanged(ImageUnfit):
    """The file at upload is not the one checked when the post was queued (code ``media-changed``).

    A queued image replaced by a symbolic link to ``/etc/passwd``, a FIFO or
    a different picture must not be uploaded (docs/platforms.md "Images").
    """

    code = "media-changed"


def _inside(path: Path, root: Path) -> Path:
    """``path`` with its folder resolved, refused if that folder lies outside ``root``."""
    folder = Path(os.path.realpath(path.parent))
    if not folder.is_relative_to(os.path.realpath(root)):
        raise MediaChanged(
            _("'%(file)s' now lies outside the content folder (a link was put in its way)") % {"file": path.name}
        )
    return folder / path.name


def read_source(path: Path, *, root: Path | None = None, sha256: str | None = None) -> bytes:
    """The image file's bytes, at most :data:`MAX_SOURCE_BYTES` (the one place image files are read).

    Opened without following a final symbolic link and without blocking on a
    FIFO, and refused unless it is a regular file. With ``root`` its folder
    must lie inside it; with ``sha256`` its bytes must be those recorded when
    the post was queued (:class:`MediaChanged` otherwise).
    """
    target = _inside(path, root) if root is not None else path
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.fdopen(os.open(target, flags), "rb")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MediaChanged(
                _("'%(file)s' is a symbolic link; put the image itself in the content folder") % {"file": path.name}
            ) from None
        raise ImageUnfit(
            _("'%(file)s' cannot be read (%(problem)s)") % {"file": path.name, "problem": exc.strerror}
        ) from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise MediaChanged(_("'%(file)s' is not a regular file") % {"file": path.name})
        data = handle.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise ImageUnfit(
            _("'%(file)s' is over %(size)d MiB; export a smaller image")
            % {"file": path.name, "size": MAX_SOURCE_BYTES // (1024 * 1024)}
        )
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise MediaChanged(_("'%(file)s' is not the image checked when the post was queued") % {"file": path.name})
    return data


def source_digest(path: Path, root: Path) -> str | None:
    """The SHA-256 of the image as it is now (recorded when a post is queued); None if it cannot be read safely."""
    try:
        return hashlib.sha256(read_source(path, root=root)).hexdigest()
    except ImageUnfit:
        return None


def open_image(data: bytes, name: str) -> Image:
    """A Pillow image of ``data``; ImageUnfit if Pillow cannot read it (a damaged or disguised file)."""
    from PIL import Image as PILImage

    try:
        image = PILImage.open(io.BytesIO(data))
        image.size  # noqa: B018 - the header is parsed lazily; make it fail here
    except (OSError, ValueError, PILImage.DecompressionBombError) as exc:
        raise ImageUnfit(
            _("'%(file)s' cannot be read as an image (%(error)s); export it again")
            % {"file": name, "error": type(exc).__name__}
        ) from None
    return image


def _kind(image: Image) -> str:
    fmt = (image.format or "").lower()
    return "jpeg" if fmt in ("jpeg", "mpo") else fmt


def _transparent(image: Image) -> bool:
    """True when some pixel is not fully opaque (flattening it onto a colour would change the picture)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        low = alpha.getextrema()[0]
        return isinstance(low, int | float) and low < 255
    return False


def _upright_size(image: Image) -> tuple[int, int]:
    """The size once the EXIF orientation is applied (5-8 turn the picture a quarter)."""
    orientation = image.getexif().get(0x0112, 1)
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def facts_of(image: Image, size: int) -> ImageFacts:
    """The facts of an opened image of ``size`` bytes."""
    width, height = _upright_size(image)
    return ImageFacts(
        kind=_kind(image),
        width=width,
        height=height,
        animated=bool(getattr(image, "is_animated", False)),
        transparent=_transparent(image),
        size=size,
    )


def inspect(path: Path) -> ImageFacts:
    """The facts of the image at ``path`` (ImageUnfit when it cannot be read)."""
    data = read_source(path)
    return facts_of(open_image(data, path.name), len(data))


def target_kind(facts: ImageFacts, spec: PlatformSpec) -> str | None:
    """The format to upload: the image's own if the platform takes it, else a safe conversion (None: none)."""
    if facts.kind in spec.image_formats:
        return facts.kind
    if facts.animated:
        return None
    if "jpeg" in spec.image_formats and not facts.transparent:
        return "jpeg"
    if "png" in spec.image_formats:
        return "png"  # lossless, keeps transparency
    return None


def unfit(facts: ImageFacts, spec: PlatformSpec) -> list[str]:
    """Why ``spec``'s platform cannot take this image even after conversion (empty: it can)."""
    problems = []
    accepted = ", ".join(sorted(f.upper() for f in spec.image_formats))
    if facts.animated and (facts.kind != "gif" or not spec.animated_gif):
        problems.append(
            _("it is an animated %(format)s, and %(platform)s takes only still images; use a still image")
            % {"format": facts.kind.upper(), "platform": spec.title}
        )
    elif target_kind(facts, spec) is None:
        message = (
            _("it is %(format)s with transparency, and %(platform)s takes only %(accepted)s; export it as such")
            if facts.transparent
            else _("it is %(format)s, and %(platform)s takes only %(accepted)s; export it as such")
        )
        problems.append(message % {"format": facts.kind.upper(), "platform": spec.title, "accepted": accepted})
    if spec.image_aspect is not None and facts.height > 0:
        narrowest, widest = spec.image_aspect
        ratio = facts.width / facts.height
        if not narrowest - 0.005 <= ratio <= widest + 0.005:
            problems.append(
                _(
                    "it is %(width)dx%(height)d (aspect ratio %(ratio).2f:1), and %(platform)s takes only "
                    "%(narrowest).2f:1 to %(widest).2f:1 (width to height); crop it to fit"
                )
                % {
                    "width": facts.width,
                    "height": facts.height,
                    "ratio": ratio,
                    "platform": spec.title,
                    "narrowest": narrowest,
                    "widest": widest,
                }
            )
    if facts.animated and spec.image_max_bytes is not None and facts.size > spec.image_max_bytes:
        problems.append(
            _(
                "it is an animated GIF of %(size).1f MB, over %(platform)s's limit of "
                "%(limit).1f MB, and cannot be scaled down safely; shorten it"
            )
            % {"size": facts.size / 1_000_000, "platform": spec.title, "limit": spec.image_max_bytes / 1_000_000}
        )
    return problems


def pixel_limit(spec: PlatformSpec, max_pixels: int | None) -> int | None:
    """The most pixels to upload: the platform's limit or the configuration's ``[media] max_pixels``."""
    limits = [n for n in (spec.image_max_pixels, max_pixels) if n]
    return min(limits) if limits else None


def _clean_still(image: Image, kind: str) -> Image:
    """The picture alone, upright, in a mode ``kind`` can hold; no metadata travels with it."""
    from PIL import ImageOps

    kept: dict[str, object] = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    upright = ImageOps.exif_transpose(image)
    if kind == "jpeg" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif kind in ("png", "webp") and upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA")
    clean = upright.copy()
    if clean.mode not in ("P", "L", "RGB"):
        kept.pop("transparency", None)
    clean.info.clear()
    clean.info.update(kept)
    return clean


def _encode(image: Image, kind: str, quality: int) -> bytes:
    out = io.BytesIO()
    options = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    if kind in ("jpeg", "webp"):
        options.pop("transparency", None)
    if kind == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=True, **options)
    elif kind == "webp":
        image.save(out, "WEBP", quality=quality, **options)
    elif kind == "png":
        image.save(out, "PNG", optimize=True, **options)
    else:
        image.save(out, "GIF")
    return out.getvalue()


def _scaled(image: Image, factor: float) -> Image:
    from PIL import Image as PILImage

    width, height = image.size
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    resized = image.resize(size, PILImage.Resampling.LANCZOS)
    resized.info = dict(image.info)
    return resized


def _animated_gif(image: Image) -> bytes:
    """The GIF's frames and timing, re-saved without comments or application extensions (XMP)."""
    from PIL import ImageSequence

    frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    for frame in frames:
        frame.info = {k: v for k, v in frame.info.items() if k in ("duration", "transparency", "disposal")}
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        loop=image.info.get("loop", 0),
        duration=[frame.info.get("duration", 100) for frame in frames],
        disposal=[frame.info.get("disposal", 0) for frame in frames],
    )
    return out.getvalue()


def _fit_bytes(image: Image, kind: str, limit: int | None, name: str) -> tuple[bytes, Image]:
    """Encode; while over ``limit`` bytes, lower the quality a little, then scale down step by step."""
    quality = JPEG_QUALITY
    for _step in range(MAX_STEPS):
        data = _encode(image, kind, quality)
        if limit is None or len(data) <= limit:
            return data, image
        if kind in ("jpeg", "webp") and quality > MIN_QUALITY:
            quality -= 10
        else:
            image = _scaled(image, SHRINK)
    raise ImageUnfit(_("'%(file)s' could not be made small enough; export a smaller image") % {"file": name})


def prepare(
    path: Path,
    spec: PlatformSpec,
    max_pixels: int | None = None,
    *,
    root: Path | None = None,
    sha256: str | None = None,
) -> PreparedImage:
    """The bytes to upload to ``spec``'s platform for the image at ``path`` (see the module docstring).

    ``root`` and ``sha256`` are checked by :func:`read_source` (the file must be the one queued).
    """
    data = read_source(path, root=root, sha256=sha256)
    image = open_image(data, path.name)
    facts = facts_of(image, len(data))
    problems = unfit(facts, spec)
    if problems:
        raise ImageUnfit(f"'{path.name}': " + "; ".join(problems))
    if facts.animated:
        return PreparedImage(_animated_gif(image), "gif", facts.width, facts.height)
    kind = target_kind(facts, spec) or "jpeg"
    clean = _clean_still(image, kind)
    limit = pixel_limit(spec, max_pixels)
    if limit is not None and clean.width * clean.height > limit:
        clean = _scaled(clean, math.sqrt(limit / (clean.width * clean.height)))
    encoded, final = _fit_bytes(clean, kind, spec.image_max_bytes, path.name)
    return PreparedImage(encoded, kind, final.width, final.height)


def write_copy(image: PreparedImage, folder: Path) -> Path:
    """Write ``image`` into ``folder`` under its content-hash name (atomically; writing it again is harmless)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / image.filename
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(image.data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return target


def publish_copy(image: PreparedImage, folder: Path, base_url: str) -> str:
    """Write ``image`` into ``folder`` (which the website serves at ``base_url``) and return its public URL.

    For platforms that fetch images themselves (Instagram): what they fetch
    must be the prepared copy, never the original with its location data.
    """
    return base_url.rstrip("/") + "/" + write_copy(image, folder).name
