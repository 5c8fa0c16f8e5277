"""Images as platforms receive them (publisher/platforms/media.py): no EXIF, GPS, XMP or comments;
orientation applied; converted where safe; fitted to each platform's limits; refused where not."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from publisher.errors import ConfigError
from publisher.platforms.media import ImageUnfit, inspect, prepare, publish_copy
from publisher.platforms.specs import SPECS

from conftest import BASE_CONFIG, Project
from pictures import animated_gif, metadata, noisy_photo, photo, plain, poster, transparent_png


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_the_source_photo_really_carries_location_and_camera_data(tmp_path: Path) -> None:
    found = metadata(photo())
    assert "gps" in found and "xmp" in found and "comment" in found, "the test photo must be a real GPS photo"


@pytest.mark.parametrize("platform", sorted(SPECS))
def test_every_platform_gets_the_photo_without_exif_gps_xmp_or_comment(tmp_path: Path, platform: str) -> None:
    source = write(tmp_path, "phone.jpg", photo())
    prepared = prepare(source, SPECS[platform])
    assert metadata(prepared.data) == {}
    assert opened(prepared.data).size == (640, 480)
    assert prepared.filename.endswith(".jpg") and "phone" not in prepared.filename


def test_orientation_is_applied_before_the_tag_is_dropped(tmp_path: Path) -> None:
    source = write(tmp_path, "sideways.jpg", photo(size=(640, 480), orientation=6))  # "rotate 90° clockwise"
    image = opened(prepare(source, SPECS["x"]).data)
    assert image.size == (480, 640)
    red, _, _ = image.convert("RGB").getpixel((image.width - 20, 20))  # the red corner is now top right
    assert isinstance(red, int) and red > 150
    assert inspect(source).width == 480, "check sees the upright size too"


def test_png_becomes_jpeg_for_instagram_and_stays_png_elsewhere(tmp_path: Path) -> None:
    source = write(tmp_path, "poster.png", poster(["Ffordd ar gau", "Road closed"], size=(1000, 800)))
    assert prepare(source, SPECS["instagram"]).kind == "jpeg"
    assert opened(prepare(source, SPECS["instagram"]).data).format == "JPEG"
    assert prepare(source, SPECS["x"]).kind == "png"


def test_transparency_is_not_flattened_for_a_jpeg_only_platform(tmp_path: Path) -> None:
    source = write(tmp_path, "logo.png", transparent_png(size=(800, 800)))
    with pytest.raises(ImageUnfit, match="transparency"):
        prepare(source, SPECS["instagram"])
    assert opened(prepare(source, SPECS["x"]).data).mode == "RGBA"
    opaque = write(tmp_path, "opaque.png", plain((800, 800), "PNG", mode="RGBA"))
    assert prepare(opaque, SPECS["instagram"]).kind == "jpeg", "an alpha channel with no transparency is safe"


def test_an_oversized_jpeg_is_re_encoded_under_the_byte_limit(tmp_path: Path) -> None:
    source = write(tmp_path, "big.jpg", noisy_photo((1600, 1200)))
    assert source.stat().st_size > SPECS["bluesky"].image_max_bytes  # type: ignore[operator]
    prepared = prepare(source, SPECS["bluesky"])
    assert len(prepared.data) <= 1_000_000
    assert metadata(prepared.data) == {}


def test_max_pixels_and_the_platform_pixel_limit_scale_down(tmp_path: Path) -> None:
    source = write(tmp_path, "wide.jpg", photo(size=(2000, 1000)))
    small = opened(prepare(source, SPECS["x"], max_pixels=500_000).data)
    assert small.width * small.height <= 500_000 and abs(small.width / small.height - 2) < 0.02
    assert opened(prepare(source, SPECS["x"]).data).size == (2000, 1000), "no max_pixels: full size"
    tiny_limit = replace(SPECS["mastodon"], image_max_pixels=100_000)
    scaled = opened(prepare(source, tiny_limit).data)
    assert scaled.width * scaled.height <= 100_000


def test_instagram_aspect_ratio_is_reported_not_cropped(tmp_path: Path) -> None:
    source = write(tmp_path, "banner.jpg", photo(size=(1500, 500)))
    with pytest.raises(ImageUnfit, match=r"aspect ratio 3.00:1"):
        prepare(source, SPECS["instagram"])
    assert prepare(write(tmp_path, "square.jpg", photo(size=(800, 800))), SPECS["instagram"]).kind == "jpeg"


def test_animated_gif_keeps_moving_where_allowed_and_is_refused_elsewhere(tmp_path: Path) -> None:
    source = write(tmp_path, "wave.gif", animated_gif(frames=4))
    prepared = prepare(source, SPECS["mastodon"])
    image = opened(prepared.data)
    assert image.format == "GIF" and getattr(image, "n_frames", 1) == 4
    assert b"where" not in prepared.data, "the GIF comment is dropped"
    for platform in ("bluesky", "instagram", "facebook"):
        with pytest.raises(ImageUnfit, match="still images"):
            prepare(source, SPECS[platform])


def test_a_damaged_or_disguised_file_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with pytest.raises(ImageUnfit, match="cannot be read as an image"):
        prepare(source, SPECS["x"])


def test_publish_copy_writes_the_prepared_image_for_platforms_that_fetch(tmp_path: Path) -> None:
    prepared = prepare(write(tmp_path, "phone.jpg", photo(size=(800, 800))), SPECS["instagram"])
    url = publish_copy(prepared, tmp_path / "served", "https://www.example.gov.uk/social/")
    name = url.rsplit("/", 1)[1]
    assert url == f"https://www.example.gov.uk/social/{name}"
    assert metadata((tmp_path / "served" / name).read_bytes()) == {}
    assert publish_copy(prepared, tmp_path / "served", "https://www.example.gov.uk/social") == url


def test_media_max_pixels_is_validated(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + "[media]\nmax_pixels = 4000000\n")
    assert project.config().media.max_pixels == 4_000_000
    project.write("config/publisher.toml", BASE_CONFIG + "[media]\nmax_pixels = 50\n")
    with pytest.raises(ConfigError, match=r"media\.max_pixels"):
        project.config()
    project.write("config/publisher.toml", BASE_CONFIG + "[media]\nmax_pxels = 50\n")
    with pytest.raises(ConfigError, match="did you mean 'max_pixels'"):
        project.config()
