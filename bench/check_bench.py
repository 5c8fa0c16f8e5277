"""Benchmark ``publisher check`` against the floor of merely reading and YAML-parsing the files.

    python bench/check_bench.py [--posts 10000]
    python bench/check_bench.py --compare-with /path/to/other/checkout [--posts 10000]

Generates N valid post pairs (varied Welsh/English bodies, each linking to the page in its own
language, with hashtags, some with images) in a temp project and prints:

- check: ``publisher check`` on them, first run (empty cache), as a subprocess so start-up counts
  (the better of two such runs, against the best of three floors);
- floor: reading every file and parsing its front matter with the same YAML loader (libyaml);
- ratio: check / floor (goal <= 3 on two cores, 2 the aim); also the floor with PyYAML's pure-Python loader;
- unchanged re-run: ``publisher check`` again on the unchanged tree (goal <= 0.5 s);
- CPU seconds of both checks (all their processes) and of the floor: on a machine shared with
  other work the wall times swing with the load, CPU time much less;
- peak memory of a cold check (a run of its own: sampling costs CPU): its largest process (RSS)
  and all its processes together (PSS, which counts pages the forked workers share once), goal < 150 MB;
- language detection alone: the lingua call the language rules cannot skip on a cold run (the
  whole-text verdict of every body), to show how much of the ratio it accounts for.

``--compare-with`` runs the check of this checkout and of another one (the base commit,
say: ``git worktree add /tmp/base <commit>``) on the same generated tree and on the
labelled language corpus (tests/corpus/language.yaml, one pair per post), and prints
every finding that differs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.content import frontmatter  # noqa: E402
from publisher.content.post import decode  # noqa: E402
from publisher.services.verdict_cache import CACHE_DIR  # noqa: E402

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
        page = f"https://www.example.gov.uk/{{}}/n/{index}"
        cy = " ".join(CY_SENTENCES[i] for i in picks) + f" Rhif {index}: {page.format('cy')} #Powys"
        en = " ".join(EN_SENTENCES[i] for i in picks) + f" Number {index}: {page.format('en')} #Powys"
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


def floor(root: Path) -> tuple[float, float]:
    """Read every post file and parse its front matter with the check's own (libyaml) loader: wall and CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in sorted((root / "content").rglob("*.md")):
        split = frontmatter.split_front_matter(decode(path.read_bytes()))
        frontmatter.parse_front_matter(split)
    return time.perf_counter() - started, time.process_time() - cpu


def floor_pure_python(root: Path) -> float:
    """The same with PyYAML's pure-Python safe_load: the floor of a checker without libyaml."""
    import yaml

    started = time.perf_counter()
    for path in sorted((root / "content").rglob("*.md")):
        yaml.load(frontmatter.split_front_matter(decode(path.read_bytes())).yaml_text, Loader=yaml.SafeLoader)
    return time.perf_counter() - started


def language_detection(root: Path) -> float:
    """The whole-text lingua verdict on every body, alone: what a cold check cannot skip."""
    from publisher.text.language import detector, strip_non_language

    bodies = [
        strip_non_language(frontmatter.split_front_matter(decode(path.read_bytes())).body)
        for path in sorted((root / "content").rglob("*.md"))
    ]
    detector().compute_language_confidence_values("Bydd y llyfrgell ar gau ddydd Llun.")  # load the models first
    started = time.perf_counter()
    for body in bodies:
        detector().compute_language_confidence_values(body)
    return time.perf_counter() - started


class MemoryWatch:
    """Samples a process and its children: the largest RSS of any one, and their PSS together."""

    def __init__(self, pid: int, sample: bool = True) -> None:
        self.pid = pid
        self.largest_rss = 0.0
        self.total_pss = 0.0
        self.cpu = 0.0  # CPU seconds of the process and its workers, once it has ended
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run if sample else self._stop.wait, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, queue = [], [self.pid]
        while queue:
            pid = queue.pop()
            pids.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    queue.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
        return pids

    @staticmethod
    def _field(pid: int, name: str, file: str) -> float:
        try:
            for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
                if line.startswith(name):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            pids = self._tree()
            self.largest_rss = max([self.largest_rss] + [self._field(p, "VmHWM:", "status") for p in pids])
            self.total_pss = max(self.total_pss, sum(self._field(p, "Pss:", "smaps_rollup") for p in pids))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def check(
    root: Path, other_code: Path | None = None, watch_memory: bool = False
) -> tuple[float, dict[str, object], MemoryWatch]:
    """``publisher check --format json`` on ``root`` (with another checkout's code, if given).

    The CPU seconds it and its workers used are kept in ``check.cpu``: on a shared machine the
    wall time swings with the load, the CPU time much less. Memory is sampled only when asked:
    reading ``smaps_rollup`` every 20 ms costs CPU the check would otherwise have, so timed runs
    go unwatched and the memory is taken from a run of its own.
    """
    env = dict(os.environ)
    if other_code is not None:
        env["PYTHONPATH"] = str(other_code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "check", "--format", "json"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watch = MemoryWatch(process.pid, sample=watch_memory)
    stdout, _ = process.communicate()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    watch.stop()
    watch.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, json.loads(stdout), watch


def counts(data: dict[str, object]) -> dict[str, object]:
    return {"posts": data["posts"], "errors": data["errors"], "warnings": data["warnings"]}


def corpus_tree(root: Path) -> None:
    """One pair per post of the labelled language corpus, the post in its file and a plain partner."""
    import yaml

    corpus = yaml.safe_load((ROOT / "tests" / "corpus" / "language.yaml").read_text("utf-8"))
    (root / "config").mkdir(parents=True)
    (root / "config" / "publisher.toml").write_text(CONFIG, "utf-8")
    (root / "config" / "wordbank.yaml").write_text(yaml.safe_dump({"names": corpus["names"]}), "utf-8")
    partner = {"cy": CY_SENTENCES[0], "en": EN_SENTENCES[0]}
    review = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
    for index, (label, text) in enumerate(corpus["posts"]):
        bodies = {**partner, ("cy" if label in ("cy", "mixed-cy-major") else "en"): text}
        folder = root / "content" / label
        folder.mkdir(parents=True, exist_ok=True)
        front = f"publish_at: 2027-02-01T10:00\naccounts: [local]\n{review}"
        (folder / f"c{index:03d}.cy.md").write_text(f"---\n{front}---\n{bodies['cy']}\n", "utf-8")
        (folder / f"c{index:03d}.en.md").write_text(f"---\n---\n{bodies['en']}\n", "utf-8")


def compare(root: Path, other_code: Path, what: str) -> None:
    """Print the findings of this checkout and ``other_code`` that differ on ``root``."""
    findings = {}
    for name, code in (("this", None), ("other", other_code)):
        data = check(root, code)[1]
        findings[name] = {json.dumps(f, sort_keys=True, ensure_ascii=False) for f in data["findings"]}  # type: ignore[attr-defined]
    only_this, only_other = findings["this"] - findings["other"], findings["other"] - findings["this"]

    def by_code(items: set[str]) -> str:
        codes = Counter(json.loads(item)["code"] for item in items)
        return ", ".join(f"{n} {code}" for code, n in sorted(codes.items())) or "none"

    print(
        f"{what}: {len(findings['this'])} findings here, {len(findings['other'])} with {other_code}; "
        f"only there: {by_code(only_other)}; only here: {by_code(only_this)}"
    )
    for label, items in (("only there", only_other), ("only here", only_this)):
        for item in sorted(items):
            finding = json.loads(item)
            print(f"  {label}: {finding['file']}:{finding['line']} {finding['code']}: {finding['message']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--compare-with", type=Path, help="another checkout whose findings to compare")
    args = parser.parse_args()
    if args.compare_with:
        with tempfile.TemporaryDirectory(prefix="publisher-check-bench-") as tmp:
            generate(Path(tmp) / "bench", args.posts)
            compare(Path(tmp) / "bench", args.compare_with.resolve(), "bench tree")
            corpus_tree(Path(tmp) / "corpus")
            compare(Path(tmp) / "corpus", args.compare_with.resolve(), "language corpus")
        return
    with tempfile.TemporaryDirectory(prefix="publisher-check-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.posts)
        # Best of several, both sides alike (as timeit does): the least disturbed run of each.
        floor_time, floor_cpu = min(floor(root) for _ in range(3))
        pure_floor = floor_pure_python(root)
        lingua_time = language_detection(root)
        colds = []
        for _ in range(2):
            shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
            colds.append(check(root))
        first, data, cold = min(colds, key=lambda run: run[0])
        second, again, again_memory = check(root)
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        _, _, memory = check(root, watch_memory=True)
    assert counts(data) == counts(again), "the cached run must report the same"
    print(f"posts: {data['posts']} pairs ({data['errors']} errors, {data['warnings']} warnings)")
    print(
        f"check: {first:.2f} s  floor (read + YAML): {floor_time:.2f} s  "
        f"ratio: {first / floor_time:.1f} (goal <= 3, aim 2)  unchanged re-run: {second:.2f} s (goal < 0.5)"
    )
    print(
        f"CPU seconds (load-proof): check {cold.cpu:.2f} s over all its processes, {again_memory.cpu:.2f} s "
        f"unchanged; floor {floor_cpu:.2f} s (one process); ratio {cold.cpu / floor_cpu:.1f}, "
        f"/ {os.cpu_count()} cores = {cold.cpu / floor_cpu / (os.cpu_count() or 1):.1f} "
        f"(the wall ratio on an idle machine at best; load now {Path('/proc/loadavg').read_text().split()[0]})"
    )
    print(
        f"peak memory of a cold check (a run of its own, sampled every 20 ms): "
        f"largest process {memory.largest_rss:.0f} MB (RSS), "
        f"all its processes {memory.total_pss:.0f} MB (PSS) (goal < 150 MB)"
    )
    print(f"(floor with PyYAML's pure-Python loader: {pure_floor:.2f} s, ratio {first / pure_floor:.1f})")
    cores = os.cpu_count() or 1
    print(
        "whole-text language verdicts alone (lingua on every body, one core): "
        f"{lingua_time:.2f} s, {lingua_time / floor_time:.1f}x the floor; "
        f"spread over {cores} cores at best {lingua_time / cores:.2f} s"
    )


if __name__ == "__main__":
    main()
