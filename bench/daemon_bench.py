"""Benchmark ``publisher run``: lateness, burst throughput, idle CPU and memory; and PostgreSQL scaling.

    python bench/daemon_bench.py [--posts 10000] [--platform mastodon] [--database URL] [--workers 8]
    python bench/daemon_bench.py --postgres-scaling [--posts 10000] [--instances 1,4] [--latency 0]
    python bench/daemon_bench.py --dispatcher-only [--posts 10000] [--database URL]

Half the posts are due in one burst, half spread evenly over a minute after
it, all against the zero-latency fake server (run in its own process, so it
does not share the daemon's CPU). The posts are queued first with
``publisher run --once`` (they are not yet due), then the real daemon is
started and measured:

- lateness: ``published_at - scheduled_at`` per post (p50, p99, max), for the burst and the spread;
- burst throughput: deliveries published per second while the burst drains (goal >= 800 on SQLite);
- idle CPU: the daemon's CPU time over a quiet window between the two, as % of one core;
- peak RSS: the daemon's VmHWM.

``--postgres-scaling`` starts a throw-away PostgreSQL (the tests' ``postgres_server``
code; ``PUBLISHER_PG_BIN`` names its binaries) and drains a burst of half the posts
with 1 daemon and then with 4 daemons sharing the database, and prints each rate
and their ratio (goal: 4 instances >= 3x one instance). Against the zero-latency fake the
daemons are bound by CPU, so the ratio shows what the machine's cores allow; ``--latency``
makes the fake answer each platform call that many milliseconds late, as a real platform
does, which shows whether instances drain in parallel or wait on each other in the database.

``--dispatcher-only`` measures what the dispatcher itself costs per delivery:
the posts are queued the same way, then one Dispatcher in this process drains
the burst against the in-process zero-latency fake (tests/fakes.py), with no
HTTP client, server or platform library in the way; it prints deliveries per
second and CPU milliseconds per delivery.
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


def daemon_settings(workers: int) -> str:
    return f'sync_interval = "60s"\nworkers = {workers}\nrequest_timeout = "10s"'


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


def post_ids(indexes: range) -> list[str]:
    return [f"{i // 500:03d}/b{i:05d}" for i in indexes]


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


def rate(values: list[float]) -> float:
    """Deliveries per second while a burst drains: all were due at once, the last went out at the max lateness."""
    return len(values) / (max(values) / 1000) if values and max(values) > 0 else float("nan")


class FakeServerProcess:
    """The fake platform server in its own process: zero latency unless ``latency_ms`` is given."""

    def __init__(self, latency_ms: float = 0) -> None:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "fakeplatform.py"), str(port)], stdout=subprocess.PIPE, text=True
        )
        self.process.stdout.readline()  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        set_faults(self.url, latency=latency_ms / 1000)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def make_project(
    project: Path, server_url: str, database: str | None, account: str, times: list[datetime], workers: int
) -> None:
    (project / "config").mkdir()
    config = fake_config(server_url, daemon_settings(workers), database).replace(
        'strategy = "separate"', 'strategy = "combined"'
    )
    (project / "config" / "publisher.toml").write_text(config, "utf-8")
    write_posts(project / "content", account, times)


def queue_posts(project: Path, env: dict[str, str], count: int, deadline: datetime) -> None:
    started = time.monotonic()
    queued = subprocess.run(
        [sys.executable, "-m", "publisher", "run", "--once"], cwd=project, env=env, capture_output=True, text=True
    )
    print(f"queued {count} posts with 'run --once' in {time.monotonic() - started:.1f} s (exit {queued.returncode})")
    if datetime.now(UTC) > deadline:
        sys.exit("queueing took longer than the lead time; rerun with a larger --lead")


def start_daemons(project: Path, env: dict[str, str], count: int) -> list[subprocess.Popen[str]]:
    env = {**env, "PUBLISHER_LOG_LEVEL": "WARNING"}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "publisher", "run"], cwd=project, env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]


def stop_daemons(daemons: list[subprocess.Popen[str]]) -> None:
    for daemon in daemons:
        daemon.send_signal(signal.SIGTERM)
    for daemon in daemons:
        daemon.communicate(timeout=60)


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat), all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def idle_cpu(pids: list[int], seconds: float) -> float:
    """CPU of ``pids`` over ``seconds``, as % of one core."""
    cpu0, wall0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
    time.sleep(seconds)
    return (sum(cpu_seconds(p) for p in pids) - cpu0) / (time.monotonic() - wall0) * 100


def sqlite_run(args: argparse.Namespace) -> None:
    """The burst and the spread on one daemon (SQLite unless --database)."""
    server = FakeServerProcess()
    account = f"fake-{args.platform}"
    half = args.posts // 2
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        project = Path(tmp)
        lead = args.lead or 40 + args.posts * 0.012
        burst_at = datetime.now(UTC) + timedelta(seconds=lead)
        spread_start = burst_at + timedelta(seconds=40 + half * 0.012)  # the burst drains before the spread begins
        times = [burst_at] * half + [
            spread_start + timedelta(seconds=60 * i / max(1, args.posts - half)) for i in range(args.posts - half)
        ]
        make_project(project, server.url, args.database, account, times, args.workers)
        env = fake_env()
        queue_posts(project, env, args.posts, burst_at - timedelta(seconds=5))
        daemon = start_daemons(project, env, 1)[0]
        try:
            wait_until(burst_at - timedelta(seconds=12))
            idle_before = idle_cpu([daemon.pid], 8)
            # Wait for the burst to drain, then measure the quiet gap before the spread.
            database = args.database or f"sqlite:///{project / 'publisher.db'}"
            burst_ids, spread_ids = post_ids(range(half)), post_ids(range(half, args.posts))
            wait_until(burst_at)
            cpu0 = cpu_seconds(daemon.pid)
            while len(lateness(database, burst_ids)) < half and datetime.now(UTC) < spread_start - timedelta(seconds=8):
                time.sleep(0.5)
            burst_cpu = cpu_seconds(daemon.pid) - cpu0
            gap = (spread_start - datetime.now(UTC)).total_seconds()
            idle_between = float("nan")
            if gap > 3:
                time.sleep(1)
                idle_between = idle_cpu([daemon.pid], gap - 2)
            end = spread_start + timedelta(seconds=75)
            while len(lateness(database, spread_ids)) < len(spread_ids) and datetime.now(UTC) < end:
                time.sleep(0.5)
            rss = peak_rss_mb(daemon.pid)
            burst = lateness(database, burst_ids)
            spread = lateness(database, spread_ids)
        finally:
            stop_daemons([daemon])
            server.stop()
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
        f"burst throughput: {rate(burst):.0f} deliveries/s (goal >= 800 on SQLite); "
        f"the daemon used {burst_cpu / max(1, len(burst)) * 1000:.2f} ms of CPU per delivery while draining"
    )
    print(
        f"idle CPU: {idle_before:.2f} % before the burst, {idle_between:.2f} % between burst and spread (of one core)"
    )
    print(f"peak RSS: {rss:.0f} MB")


def burst_on(database: str, instances: int, count: int, args: argparse.Namespace) -> tuple[float, list[float]]:
    """Drain ``count`` posts due at once with ``instances`` daemons sharing ``database``: (rate, lateness)."""
    server = FakeServerProcess(args.latency)
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        project = Path(tmp)
        lead = args.lead or 40 + count * 0.012 * (1 + instances / 2)
        burst_at = datetime.now(UTC) + timedelta(seconds=lead)
        make_project(project, server.url, database, f"fake-{args.platform}", [burst_at] * count, args.workers)
        env = fake_env()
        queue_posts(project, env, count, burst_at - timedelta(seconds=5))
        daemons = start_daemons(project, env, instances)
        try:
            wait_until(burst_at - timedelta(seconds=6))
            before = idle_cpu([d.pid for d in daemons], 4)
            ids = post_ids(range(count))
            end = burst_at + timedelta(seconds=30 + count * 0.05)
            wait_until(burst_at)
            cpu0, machine0 = sum(cpu_seconds(d.pid) for d in daemons), machine_busy()
            while len(lateness(database, ids)) < count and datetime.now(UTC) < end:
                time.sleep(0.5)
            cpu = sum(cpu_seconds(d.pid) for d in daemons) - cpu0
            machine = machine_busy()
            busy = (machine[0] - machine0[0]) / max(1, machine[1] - machine0[1]) * 100
            values = lateness(database, ids)
        finally:
            stop_daemons(daemons)
            server.stop()
    print(
        f"PostgreSQL, {instances} instance(s), platform latency {args.latency:g} ms: {len(values)}/{count} "
        f"published in {max(values, default=0) / 1000:.1f} s: "
        f"{rate(values):.0f} deliveries/s; lateness p50 {percentile(values, 0.5):.0f} ms, "
        f"p99 {percentile(values, 0.99):.0f} ms (the daemons' CPU before the burst: {before:.1f} % of one core)"
    )
    print(
        f"  while draining: the daemons used {cpu / max(1, len(values)) * 1000:.2f} ms of CPU per delivery; "
        f"the machine's {os.cpu_count()} cores were {busy:.0f} % busy (all processes, the other users' too)"
    )
    return rate(values), values


def postgres_scaling(args: argparse.Namespace) -> None:
    from _postgres import TempPostgres, pg_bin

    binaries = pg_bin()
    if binaries is None:
        sys.exit("PostgreSQL is not installed (set PUBLISHER_PG_BIN to the folder with initdb and pg_ctl)")
    server = TempPostgres(binaries).start()
    try:
        rates = {n: burst_on(server.create_database(), n, args.posts // 2, args)[0] for n in args.instances}
    finally:
        server.stop()
    one = rates.get(1)
    if one:
        for n, value in rates.items():
            if n != 1:
                print(f"PostgreSQL: {n} instances drain at {value / one:.2f}x one instance's rate (goal >= 3x for 4)")


def dispatcher_only(args: argparse.Namespace) -> None:
    """Drain a burst with one in-process Dispatcher against the in-process fake: the dispatcher's own cost."""
    from publisher.config import load_config
    from publisher.queue.db import open_database
    from publisher.queue.dispatcher import Dispatcher

    from fakes import FakeRemote

    count = args.posts // 2
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        project = Path(tmp)
        due = datetime.now(UTC) + timedelta(seconds=args.lead or 40 + count * 0.012)
        make_project(project, "http://127.0.0.1:9", args.database, f"fake-{args.platform}", [due] * count, args.workers)
        env = fake_env()
        queue_posts(project, env, count, due - timedelta(seconds=2))
        config = load_config(project / "config" / "publisher.toml")
        remote = FakeRemote()
        wait_until(due + timedelta(seconds=0.2))
        with open_database(config) as db:
            dispatcher = Dispatcher(config, db.sessions, dialect=db.dialect, env=env, adapter_factory=remote.factory())
            cpu, wall = time.process_time(), time.monotonic()
            result = dispatcher.run_due()
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(
        f"dispatcher only ({'SQLite' if not args.database else args.database.split(':')[0]}, in-process "
        f"zero-latency fake, workers = {args.workers}): {result.published}/{count} published in {wall:.2f} s: "
        f"{result.published / wall:.0f} deliveries/s (goal >= 800 on SQLite); "
        f"{cpu / max(1, result.published) * 1000:.2f} ms of CPU per delivery"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--platform", choices=["mastodon", "x", "facebook", "threads", "linkedin"], default="mastodon")
    parser.add_argument("--database", default=None, help="database URL (default: SQLite in the temp project)")
    parser.add_argument(
        "--lead", type=float, default=0, help="seconds before the burst (default: estimated from the post count)"
    )
    parser.add_argument("--postgres-scaling", action="store_true", help="1 and 4 daemons on a throw-away PostgreSQL")
    parser.add_argument("--dispatcher-only", action="store_true", help="the dispatcher alone, in-process fake")
    parser.add_argument("--workers", type=int, default=8, help="the daemon's workers (default 8)")
    parser.add_argument(
        "--latency",
        type=float,
        default=0,
        help="milliseconds the fake takes to answer each platform call, for --postgres-scaling (default 0)",
    )
    parser.add_argument("--instances", type=lambda s: [int(n) for n in s.split(",")], default=[1, 4], help="e.g. 1,2,4")
    args = parser.parse_args()
    if args.postgres_scaling:
        postgres_scaling(args)
    elif args.dispatcher_only:
        dispatcher_only(args)
    else:
        sqlite_run(args)


if __name__ == "__main__":
    main()
