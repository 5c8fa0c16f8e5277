"""Benchmark the replies inbox: 10,000 messages collected and classified.

    python bench/inbox_bench.py [--messages 10000] [--database URL]

The fake server runs in its own process (zero latency, so the figures are the
publisher's own cost). One message per platform is collected first, so every
account has a cursor; then ``--messages`` messages from the public are spread
over the five platforms (a mix of Welsh, English, mixed and one-word or emoji
messages, some under our Welsh post) and one ``publisher inbox fetch`` collects
them all: pages read, each message classified with lingua, clocked in working
days and stored once. Printed: wall time and messages a second, the command's
CPU time and peak RSS, the languages found, and the classification alone
(in this process) per message.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from daemon_bench import free_port  # noqa: E402

from _crash import fake_env  # noqa: E402
from inbox_support import ENV, config_text  # noqa: E402
from pictures import plain  # noqa: E402

PLATFORMS = ("x", "facebook", "instagram", "mastodon", "bluesky")
WELSH = [
    "Pryd fydd y bin ailgylchu yn cael ei gasglu yr wythnos hon?",
    "Diolch am y newyddion, mae hyn yn ddefnyddiol iawn i ni yn y pentref.",
    "Ydy'r ganolfan hamdden ar agor dros y penwythnos hir?",
    "Mae'r ffordd heibio'r ysgol yn beryglus iawn yn y bore, allwch chi helpu?",
]
ENGLISH = [
    "When will the recycling bin be collected this week?",
    "Thanks for the update, this is really useful for us in the village.",
    "Is the leisure centre open over the long weekend?",
    "The road past the school is really dangerous in the morning, can you help?",
]
MIXED = ["Diolch am y newyddion! Thanks for letting us know.", "Ydy'r llyfrgell ar agor? Is the library open today?"]
SHORT = ["Diolch!", "👍", "Gwych", "Thanks!"]


def call(url: str, path: str, data: Any) -> Any:
    request = urllib.request.Request(
        url + path, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def our_posts(url: str) -> dict[str, str]:
    """Our Welsh post on each platform, put straight on the fake (as if published by hand)."""
    ids = {"facebook": "1234_1", "instagram": "777", "x": "888", "mastodon": "999", "bluesky": "3kroot"}
    platforms = {"facebook": "graph", "instagram": "instagram", "x": "x", "mastodon": "mastodon", "bluesky": "bluesky"}
    for platform, post_id in ids.items():
        post = {"id": post_id, "text": "Bydd y llyfrgell ar gau.", "reply_to": None, "platform": platforms[platform]}
        call(url, "/_seed_ours", post)
    return ids


def messages(count: int, ours: dict[str, str], rng: random.Random) -> list[dict[str, Any]]:
    """``count`` messages, each text different (a number in each sentence), so no detection is cached."""
    kinds = [WELSH] * 4 + [ENGLISH] * 4 + [MIXED] + [SHORT]
    out = []
    for index in range(count):
        platform = PLATFORMS[index % len(PLATFORMS)]
        text = rng.choice(rng.choice(kinds))
        if len(text) > 12:
            text = text.replace("?", f" {index}?").replace("!", f" {index}!").replace(".", f" {index}.")
        out.append({"platform": platform, "text": text, "author": f"person{index % 997}", "reply_to": ours[platform]})
    return out


def classify_alone(texts: list[str]) -> float:
    """Milliseconds per message for the classification by itself (the detector warm)."""
    from publisher.inbox.classify import classify
    from publisher.text.language import detect

    classify(texts[0])
    detect.cache_clear()
    started = time.perf_counter()
    for text in texts:
        classify(text)
    return (time.perf_counter() - started) * 1000 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database", default=None, help="database URL (default: SQLite in the temp project)")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeplatform.py"), str(port)], stdout=subprocess.PIPE
    )
    server.stdout.readline()  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    rng = random.Random(16)
    try:
        with tempfile.TemporaryDirectory(prefix="publisher-inbox-bench-") as tmp:
            project = Path(tmp)
            (project / "config").mkdir()
            (project / "content" / "media").mkdir(parents=True)
            (project / "content" / "media" / "llun.jpg").write_bytes(plain((400, 300), "JPEG"))
            database = f'database = "{args.database}"\n' if args.database else ""
            config = database + config_text(url).replace("fx = 500", f"fx = {args.messages * 2}")
            (project / "config" / "publisher.toml").write_text(config, "utf-8")
            env = {**fake_env(), **ENV}
            ours = our_posts(url)
            call(
                url,
                "/_inbox",
                {"messages": [{"platform": p, "text": "Cyntaf", "reply_to": ours[p]} for p in PLATFORMS]},
            )
            fetch = [sys.executable, "-m", "publisher", "inbox", "fetch", "--format", "json"]
            subprocess.run(fetch, cwd=project, env=env, check=True, capture_output=True)
            batch = messages(args.messages, ours, rng)
            for start in range(0, len(batch), 2000):
                call(url, "/_inbox", {"messages": batch[start : start + 2000]})
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started, rounds, new = time.monotonic(), 0, 0
            while True:  # as the daemon would, round after round, until nothing new is left
                done = subprocess.run(fetch, cwd=project, env=env, capture_output=True, text=True)
                got = json.loads(done.stdout)["new"]
                rounds, new = rounds + 1, new + got
                if not got:
                    break
            wall = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            listed = subprocess.run(
                [sys.executable, "-m", "publisher", "inbox", "list", "--state", "all", "--format", "json"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
            )
            found = json.loads(listed.stdout)["messages"]
    finally:
        server.terminate()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    languages: dict[str, int] = {}
    for message in found:
        languages[message["language"]] = languages.get(message["language"], 0) + 1
    print(f"collected {new} messages (of {args.messages}) on {len(PLATFORMS)} platforms in {rounds} fetches")
    print(f"wall {wall:.1f} s ({new / wall:.0f} messages/s), CPU {cpu:.1f} s, peak RSS {after.ru_maxrss / 1024:.0f} MB")
    stored = {p: sum(1 for m in found if m["platform"] == p) - 1 for p in PLATFORMS}
    print("per platform: " + ", ".join(f"{p} {n}" for p, n in stored.items()))
    print("by language: " + ", ".join(f"{k} {v}" for k, v in sorted(languages.items())))
    print(f"classification alone: {classify_alone([m['text'] for m in batch]):.2f} ms per message")


if __name__ == "__main__":
    main()
