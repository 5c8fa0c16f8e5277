"""Real images made by the tests with Pillow: posters with Welsh, English or bilingual text, and a
phone photo carrying GPS coordinates, the camera's make and model, XMP and a comment."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from PIL.ExifTags import GPS, IFD, Base

WELSH = ["Ffordd ar gau heddiw", "Gyrrwch yn ofalus ar y ffyrdd gwledig"]
ENGLISH = ["Road closed today", "Please drive carefully on rural roads"]
BILINGUAL = ["Ffordd ar gau heddiw", "Road closed today"]
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Llandrindod"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
LATITUDE = (52.0, 14.0, 30.0)


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def poster(lines: list[str], size: tuple[int, int] = (1200, 500), fmt: str = "PNG") -> bytes:
    """Dark text on a light background, large enough for Tesseract."""
    image = Image.new("RGB", size, (250, 250, 240))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=52)
    for number, line in enumerate(lines):
        draw.text((50, 60 + 110 * number), line, font=font, fill=(15, 15, 15))
    return encode(image, fmt)


def photo(size: tuple[int, int] = (640, 480), orientation: int = 1, quality: int = 90) -> bytes:
    """A "phone photo" JPEG: GPS position, make and model, an orientation tag, XMP with a town, a comment."""
    image = Image.new("RGB", size, (70, 130, 60))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(200, 30, 30))  # marks the top left
    exif = Image.Exif()
    exif[Base.Make] = "PhoneMaker"
    exif[Base.Model] = "Phone 12"
    exif[Base.Orientation] = orientation
    exif[IFD.GPSInfo] = {
        GPS.GPSLatitudeRef: "N",
        GPS.GPSLatitude: LATITUDE,
        GPS.GPSLongitudeRef: "W",
        GPS.GPSLongitude: (3.0, 22.0, 0.0),
    }
    return encode(image, "JPEG", exif=exif, xmp=XMP, comment=b"Ysgol Gynradd Llandrindod", quality=quality)


def noisy_photo(size: tuple[int, int], quality: int = 95) -> bytes:
    """A JPEG that compresses badly (random noise): large in bytes for its size."""
    return encode(Image.effect_noise(size, 90).convert("RGB"), "JPEG", quality=quality)


def plain(size: tuple[int, int] = (400, 300), fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    colour: tuple[int, ...] = (40, 90, 160, 255) if mode == "RGBA" else (40, 90, 160)
    return encode(Image.new(mode, size, colour), fmt)


def transparent_png(size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((50, 50, 200, 200), fill=(200, 0, 0, 255))
    return encode(image, "PNG")


def animated_gif(frames: int = 3, size: tuple[int, int] = (200, 200)) -> bytes:
    images = [Image.new("RGB", size, (60 * number % 256, 100, 200 - 40 * number % 200)) for number in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0, comment=b"where")


def metadata(data: bytes) -> dict[str, object]:
    """What a received image still says about where and how it was taken (empty: nothing)."""
    image = Image.open(io.BytesIO(data))
    found: dict[str, object] = {}
    exif = image.getexif()
    if len(exif):
        found["exif"] = dict(exif)
    if exif.get_ifd(IFD.GPSInfo):
        found["gps"] = exif.get_ifd(IFD.GPSInfo)
    for key in ("xmp", "XML:com.adobe.xmp", "comment", "exif"):
        if image.info.get(key):
            found[key] = image.info[key]
    for marker in (b"Exif\x00\x00", b"adobe:ns:meta", b"PhoneMaker", b"Llandrindod"):
        if marker in data:
            found[f"bytes {marker!r}"] = True
    return found
