"""Benchmark the web workspace: server-side render time of the calendar month and the queue page.

    python bench/web_bench.py [--posts 10000] [--runs 20]

Puts N posts (Welsh and English deliveries on one account, a mix of published,
scheduled, failed and held) into a fresh SQLite database, logs in, and times
GET /calendar (the busiest month) and GET /queue through the real application
(Flask's test client: the whole request, database queries and template, without
the network). Prints the median and the 95th percentile wall-clock time per page,
and the median CPU time (steadier on a shared machine); the goal is under 200 ms
each (docs/web.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from web_support import PASSWORD, SECRET, login, seed_posts  # noqa: E402

from publisher.config import load_config  # noqa: E402
from publisher.services.users import add_user  # noqa: E402

CONFIG = """\
timezone = "Europe/London"

[accounts.local]
platform = "outbox"
strategy = "combined"

[web]
secure_cookies = false
"""


def _time(client: object, path: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request (CPU time says less about a busy shared machine's load)."""
    wall, cpu = [], []
    for _run in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)  # type: ignore[attr-defined]
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ["PUBLISHER_WEB_SECRET_KEY"] = SECRET
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config").mkdir()
        (root / "content").mkdir()
        (root / "config" / "publisher.toml").write_text(CONFIG)
        os.chdir(root)
        config = load_config(root / "config" / "publisher.toml")
        start = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
        began = time.perf_counter()
        seed_posts(config, start, args.posts, timedelta(hours=1))
        print(f"seeded {args.posts} posts in {time.perf_counter() - began:.1f} s")
        add_user(config, "bench", "admin", PASSWORD, False, "bench", datetime.now(UTC))
        from publisher.web.app import create_app

        client = create_app(config).test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy"
        assert login(client, "bench").status_code == 302
        pages = {"calendar month (2027-02)": "/calendar?date=2027-02-15", "queue": "/queue"}
        for name, path in pages.items():
            _time(client, path, 2)  # warm: templates compiled, connections open
            wall, cpu = (sorted(times) for times in _time(client, path, args.runs))
            p95 = wall[min(len(wall) - 1, int(len(wall) * 0.95))]
            size = len(client.get(path).data)
            print(
                f"{name}: median {statistics.median(wall):.0f} ms, p95 {p95:.0f} ms wall; "
                f"median {statistics.median(cpu):.0f} ms CPU ({size // 1024} KiB of HTML)"
            )


if __name__ == "__main__":
    main()
