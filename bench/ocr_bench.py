"""Benchmark ``publisher check`` with one image per post: the cost of reading text in images (OCR).

    python bench/ocr_bench.py [--posts 10000] [--images N]

Generates N valid post pairs, each with its own image (a bilingual poster
with the post's number on it, so no two images are the same and every one
must be read by Tesseract), and prints:

- cold: ``publisher check`` with empty caches (every image read by Tesseract);
- per post: the cold time divided by the posts, each with its image, on this machine's cores;
- unchanged re-run: ``publisher check`` again on the unchanged tree (goal < 0.5 s);
- config changed: the verdict cache is void (a new account), so every post is judged
  again, but the image text comes from the OCR cache (no Tesseract call).

``--images`` makes fewer distinct images (each used by several posts) for a quicker run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from check_bench import CONFIG, CY_SENTENCES, EN_SENTENCES  # noqa: E402

from publisher.text.image_text import CACHE_FILE, engine  # noqa: E402

REVIEW = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def poster(number: int) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 300), (250, 250, 240))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    draw.text((40, 50), f"Ffordd ar gau heddiw rhif {number}", font=font, fill=(15, 15, 15))
    draw.text((40, 160), f"Road closed today number {number}", font=font, fill=(15, 15, 15))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def generate(root: Path, posts: int, images: int) -> None:
    (root / "config").mkdir(parents=True)
    (root / "config" / "publisher.toml").write_text(CONFIG, "utf-8")
    media = root / "content" / "media"
    media.mkdir(parents=True)
    for number in range(images):
        (media / f"poster-{number}.png").write_bytes(poster(number))
    for index in range(posts):
        folder = root / "content" / f"{2027 + index // 5000}" / f"{index // 100 % 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        number = index % images
        picks = [index % 7, (index + 2) % 7, (index + 4) % 7]
        cy = " ".join(CY_SENTENCES[i] for i in picks) + f" Rhif {index}. https://www.example.gov.uk/n/{index} #Powys"
        en = " ".join(EN_SENTENCES[i] for i in picks) + f" Number {index}. https://www.example.gov.uk/m/{index} #Powys"
        front = f"publish_at: 2027-02-{1 + index % 28:02d}T10:{index % 60:02d}\naccounts: [local]\n"
        image = f"../../media/poster-{number}.png"
        media_cy = (
            f"media:\n  - file: {image}\n    alt: Arwydd dwyieithog. Ffordd ar gau heddiw rhif {number}.\n"
            "    consent: not-required\n    rights: own\n"
        )
        media_en = f"media:\n  - file: {image}\n    alt: A bilingual sign. Road closed today number {number}.\n"
        (folder / f"post-{index}.cy.md").write_text(f"---\n{front}{media_cy}{REVIEW}---\n{cy}\n", "utf-8")
        (folder / f"post-{index}.en.md").write_text(f"---\n{media_en}---\n{en}\n", "utf-8")


def check(root: Path) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "check", "--format", "json"], cwd=root, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    data = json.loads(result.stdout)
    codes = sorted({f["code"] for f in data["findings"]})
    return elapsed, {"posts": data["posts"], "errors": data["errors"], "warnings": data["warnings"], "codes": codes}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=None, help="distinct images (default: one per post)")
    args = parser.parse_args()
    if engine() is None:
        sys.exit("Tesseract with its Welsh and English data is not installed (see docs/configuration.md)")
    images = args.images or args.posts
    with tempfile.TemporaryDirectory(prefix="publisher-ocr-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate(root, args.posts, images)
        made = time.perf_counter() - started
        cold, counts = check(root)
        read = len((root / ".publisher-cache" / CACHE_FILE).read_text().splitlines())
        warm, again = check(root)
        config = root / "config" / "publisher.toml"
        config.write_text(config.read_text() + '\n[accounts.other]\nplatform = "outbox"\n', "utf-8")
        rejudged, third = check(root)
    assert counts == again == third, (counts, again, third)
    cores = os.cpu_count() or 1
    print(
        f"posts: {counts['posts']} pairs, {images} distinct images ({counts['errors']} errors, "
        f"{counts['warnings']} warnings {counts['codes']}); generated in {made:.1f} s"
    )
    print(
        f"cold check (every image read by Tesseract): {cold:.1f} s for {read} images read, "
        f"{cold / counts['posts'] * 1000:.0f} ms per post with its image, on {cores} cores"
    )
    print(f"unchanged re-run: {warm:.2f} s (goal < 0.5 s)")
    print(f"config changed (every post judged again, image text from the OCR cache): {rejudged:.1f} s")
    print(f"machine load (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
