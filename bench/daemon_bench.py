"""Benchmark ``publisher run``: lateness, idle CPU and memory with 10,000 posts.

    python bench/daemon_bench.py [--posts 10000] [--platform mastodon] [--database URL]

Half the posts are due in one burst, half spread evenly over a minute after
it, all against the zero-latency fake server (run in its own process, so it
does not share the daemon's CPU). The posts are queued first with
``publisher run --once`` (they are not yet due), then the real daemon is
started and measured:

- lateness: ``published_at - scheduled_at`` per post (p50, p99, max), for the burst and the spread;
- idle CPU: the daemon's CPU time over a quiet window between the two, as % of one core;
- peak RSS: the daemon's VmHWM.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _crash import fake_config, fake_env, set_faults  # noqa: E402

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
DAEMON = 'sync_interval = "60s"\nworkers = 8\nrequest_timeout = "10s"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_posts(content: Path, account: str, times: list[datetime]) -> None:
    for index, when in enumerate(times):
        folder = content / f"{index // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        front = f"publish_at: {when.isoformat(timespec='milliseconds')}\naccounts: [{account}]\n{REVIEWED}"
        (folder / f"b{index:05d}.cy.md").write_text(
            f"---\n{front}---\nBydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol (neges {index}).\n", "utf-8"
        )
        (folder / f"b{index:05d}.en.md").write_text(
            f"---\n---\nThe library will be closed on Monday because of electrical work (message {index}).\n", "utf-8"
        )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def lateness(database_url: str, ids: list[str]) -> list[float]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from publisher.queue import models as m
    from publisher.queue.states import DeliveryState

    engine = create_engine(database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(m.StoredPost.id, m.StoredPost.scheduled_at, m.Delivery.published_at)
            .join(m.Delivery, m.Delivery.post_id == m.StoredPost.id)
            .where(m.Delivery.state == DeliveryState.PUBLISHED)
        ).all()
    engine.dispose()
    wanted = set(ids)
    return [
        (published - scheduled).total_seconds() * 1000 for post_id, scheduled, published in rows if post_id in wanted
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--platform", choices=["mastodon", "x", "facebook", "threads", "linkedin"], default="mastodon")
    parser.add_argument("--database", default=None, help="database URL (default: SQLite in the temp project)")
    parser.add_argument(
        "--lead", type=float, default=0, help="seconds before the burst (default: estimated from the post count)"
    )
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeplatform.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    server.stdout.readline()  # type: ignore[union-attr]
    server_url = f"http://127.0.0.1:{port}"
    set_faults(server_url)
    account = f"fake-{args.platform}"
    half = args.posts // 2
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        project = Path(tmp)
        (project / "config").mkdir()
        config = fake_config(server_url, DAEMON, args.database).replace(
            'strategy = "separate"', 'strategy = "combined"'
        )
        (project / "config" / "publisher.toml").write_text(config, "utf-8")
        lead = args.lead or 40 + args.posts * 0.012
        burst_at = datetime.now(UTC) + timedelta(seconds=lead)
        spread_start = burst_at + timedelta(seconds=40 + half * 0.012)  # the burst drains before the spread begins
        times = [burst_at] * half + [
            spread_start + timedelta(seconds=60 * i / max(1, args.posts - half)) for i in range(args.posts - half)
        ]
        write_posts(project / "content", account, times)
        env = fake_env()
        started = time.monotonic()
        queued = subprocess.run(
            [sys.executable, "-m", "publisher", "run", "--once"], cwd=project, env=env, capture_output=True, text=True
        )
        print(
            f"queued {args.posts} posts with 'run --once' in "
            f"{time.monotonic() - started:.1f} s (exit {queued.returncode})"
        )
        if datetime.now(UTC) > burst_at - timedelta(seconds=5):
            sys.exit(f"queueing took longer than the lead time; rerun with --lead {lead * 2:.0f}")
        env["PUBLISHER_LOG_LEVEL"] = "WARNING"
        daemon = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run"], cwd=project, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            time.sleep(max(0.0, (burst_at - datetime.now(UTC)).total_seconds() - 12))
            cpu0, wall0 = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(8)
            idle_before = (cpu_seconds(daemon.pid) - cpu0) / (time.monotonic() - wall0) * 100
            # Wait for the burst to drain, then measure the quiet gap before the spread.
            database = args.database or f"sqlite:///{project / 'publisher.db'}"
            burst_ids = [f"{i // 500:03d}/b{i:05d}" for i in range(half)]
            spread_ids = [f"{i // 500:03d}/b{i:05d}" for i in range(half, args.posts)]
            while len(lateness(database, burst_ids)) < half and datetime.now(UTC) < spread_start - timedelta(seconds=8):
                time.sleep(0.5)
            gap = (spread_start - datetime.now(UTC)).total_seconds()
            idle_between = float("nan")
            if gap > 3:
                time.sleep(1)
                cpu0, wall0 = cpu_seconds(daemon.pid), time.monotonic()
                time.sleep(gap - 2)
                idle_between = (cpu_seconds(daemon.pid) - cpu0) / (time.monotonic() - wall0) * 100
            end = spread_start + timedelta(seconds=75)
            while len(lateness(database, spread_ids)) < len(spread_ids) and datetime.now(UTC) < end:
                time.sleep(0.5)
            rss = peak_rss_mb(daemon.pid)
            burst = lateness(database, burst_ids)
            spread = lateness(database, spread_ids)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.communicate(timeout=60)
            server.terminate()
    print(
        f"platform: {args.platform} (fake, zero latency); database: "
        f"{'SQLite' if not args.database else args.database.split(':')[0]}"
    )
    for name, values, expected in (("burst", burst, half), ("spread over 60 s", spread, args.posts - half)):
        print(
            f"{name:>17}: {len(values)}/{expected} published; lateness p50 {percentile(values, 0.5):.0f} ms, "
            f"p99 {percentile(values, 0.99):.0f} ms, max {max(values, default=float('nan')):.0f} ms"
            + (f", mean {statistics.fmean(values):.0f} ms" if values else "")
        )
    print(
        f"idle CPU: {idle_before:.2f} % before the burst, {idle_between:.2f} % between burst and spread (of one core)"
    )
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
