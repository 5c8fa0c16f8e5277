"""Benchmark ``publisher check`` against the floor of merely reading and YAML-parsing the files.

    python bench/check_bench.py [--posts 10000]

Generates N valid post pairs (varied Welsh/English bodies with URLs and
hashtags, some with images) in a temp project and prints:

- check: ``publisher check`` on them, first run (empty cache), as a subprocess so start-up counts;
- floor: reading every file and parsing its front matter with the same YAML loader (libyaml);
- ratio: check / floor (goal <= 2); also the floor with PyYAML's pure-Python loader, for scale;
- unchanged re-run: ``publisher check`` again on the unchanged tree (goal <= 0.5 s);
- language detection alone: the lingua calls the language rules make on every body, which a
  cold check cannot skip, to show how much of the ratio they account for.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.content import frontmatter  # noqa: E402
from publisher.content.post import decode  # noqa: E402

CONFIG = """\
[accounts.local]
platform = "outbox"
strategy = "combined"

[accounts.powys-x]
platform = "x"
strategy = "separate"
credentials_env = "POWYS_X"
"""
CY_SENTENCES = [
    "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol.",
    "Mae ein timau graeanu allan ers pedwar o'r gloch y bore.",
    "Gyrrwch yn ofalus ar ffyrdd gwledig a chaniatewch fwy o amser.",
    "Bydd casgliadau biniau ddiwrnod yn hwyrach yr wythnos nesaf.",
    "Diolch i bawb a ddaeth i'r digwyddiad yn y parc ddydd Sadwrn.",
    "Mae'r pwll nofio ar agor eto ar ôl y gwaith atgyweirio.",
    "Cofiwch gofrestru i bleidleisio cyn diwedd y mis.",
]
EN_SENTENCES = [
    "The library will be closed on Monday because of electrical work.",
    "Our gritting teams have been out since four in the morning.",
    "Please drive carefully on rural roads and allow extra time.",
    "Bin collections will be one day later next week.",
    "Thank you to everyone who came to the event in the park on Saturday.",
    "The swimming pool is open again after the repair work.",
    "Remember to register to vote before the end of the month.",
]


def jpeg() -> bytes:
    """A real photo-like JPEG (check opens every image): a gradient, no text in it."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((640, 360)).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def generate(root: Path, count: int) -> None:
    rng = random.Random(1)
    (root / "config").mkdir(parents=True)
    (root / "config" / "publisher.toml").write_text(CONFIG, "utf-8")
    content = root / "content"
    (content / "media").mkdir(parents=True)
    (content / "media" / "photo.jpg").write_bytes(jpeg())
    for index in range(count):
        folder = content / f"{2027 + index // 5000}" / f"{index // 100 % 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        picks = rng.sample(range(len(CY_SENTENCES)), 3)
        cy = " ".join(CY_SENTENCES[i] for i in picks) + f" Rhif {index}: https://www.example.gov.uk/n/{index} #Powys"
        en = " ".join(EN_SENTENCES[i] for i in picks) + f" Number {index}: https://www.example.gov.uk/n/{index} #Powys"
        day = 1 + index % 28
        front = (
            f"publish_at: 2027-02-{day:02d}T10:{index % 60:02d}\naccounts: [{'local' if index % 2 else 'powys-x'}]\n"
        )
        media_cy = media_en = ""
        if index % 10 == 0:
            depth = "../../media/photo.jpg"
            media_cy = (
                f"media:\n  - file: {depth}\n    alt: Y parc yn y gaeaf gyda choed ac eira.\n"
                "    consent: not-required\n    rights: own\n"
            )
            media_en = f"media:\n  - file: {depth}\n    alt: The park in winter with trees and snow.\n"
        review = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
        (folder / f"post-{index}.cy.md").write_text(f"---\n{front}{media_cy}{review}---\n{cy}\n", "utf-8")
        (folder / f"post-{index}.en.md").write_text(f"---\n{media_en}---\n{en}\n", "utf-8")


def floor(root: Path) -> float:
    """Read every post file and parse its front matter with the check's own (libyaml) loader."""
    started = time.perf_counter()
    for path in sorted((root / "content").rglob("*.md")):
        split = frontmatter.split_front_matter(decode(path.read_bytes()))
        frontmatter.parse_front_matter(split)
    return time.perf_counter() - started


def floor_pure_python(root: Path) -> float:
    """The same with PyYAML's pure-Python safe_load: the floor of a checker without libyaml."""
    import yaml

    started = time.perf_counter()
    for path in sorted((root / "content").rglob("*.md")):
        yaml.load(frontmatter.split_front_matter(decode(path.read_bytes())).yaml_text, Loader=yaml.SafeLoader)
    return time.perf_counter() - started


def language_detection(root: Path) -> float:
    """The two lingua calls the language rules make on every body, alone.

    That is the part of a check no cache can skip on a cold run.
    """
    from publisher.text.language import detect, foreign_runs

    bodies = []
    for path in sorted((root / "content").rglob("*.md")):
        bodies.append(
            (
                frontmatter.split_front_matter(decode(path.read_bytes())).body,
                "cy" if path.name.endswith(".cy.md") else "en",
            )
        )
    foreign_runs("Bydd y llyfrgell ar gau ddydd Llun. The library is closed on Monday.", "cy")  # load the models first
    started = time.perf_counter()
    for body, language in bodies:
        detect(body)
        foreign_runs(body, language)  # type: ignore[arg-type]
    return time.perf_counter() - started


def check(root: Path) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "check", "--format", "json"], cwd=root, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    data = json.loads(result.stdout)
    return elapsed, {"posts": data["posts"], "errors": data["errors"], "warnings": data["warnings"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="publisher-check-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.posts)
        floor_time = floor(root)
        pure_floor = floor_pure_python(root)
        lingua_time = language_detection(root)
        first, counts = check(root)
        second, again = check(root)
    assert counts == again, "the cached run must report the same"
    print(f"posts: {counts['posts']} pairs ({counts['errors']} errors, {counts['warnings']} warnings)")
    print(
        f"check: {first:.2f} s  floor (read + YAML): {floor_time:.2f} s  "
        f"ratio: {first / floor_time:.1f}  unchanged re-run: {second:.2f} s"
    )
    print(f"(floor with PyYAML's pure-Python loader: {pure_floor:.2f} s, ratio {first / pure_floor:.1f})")
    cores = os.cpu_count() or 1
    print(
        "language detection alone (lingua on every body, one core): "
        f"{lingua_time:.2f} s, {lingua_time / floor_time:.1f}x the floor; "
        f"spread over {cores} cores at best {lingua_time / cores:.2f} s"
    )


if __name__ == "__main__":
    main()
