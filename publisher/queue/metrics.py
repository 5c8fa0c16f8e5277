"""``publisher run --metrics ADDR``: Prometheus metrics and a health endpoint (docs/commands.md "run").

Served by the maintained client library (prometheus_client) on a small WSGI
server in a thread of the daemon: ``/metrics`` for Prometheus, ``/healthz``
for a monitor or systemd (200 while the loop turns and the database answers,
503 otherwise). Counts that live in the database (deliveries by state, due
but unsent) are read when scraped, so they are right across restarts and
across several daemons sharing one PostgreSQL database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from publisher.queue import models as m
from publisher.queue.dispatcher import Outcome
from publisher.queue.outage import Outage
from publisher.queue.states import DeliveryState

LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600)


class _QueueCollector:
    """Deliveries by state and due-but-unsent, counted in the database when Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime], outage: Outage) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outage = outage

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("publisher_database_up", "1 when the database answers, 0 during an outage")
        try:
            by_state, due = self._counts()
        except Exception:  # a scrape during an outage reports the outage, not a traceback
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 0 if self.outage.down else 1)
        yield up
        states = GaugeMetricFamily("publisher_deliveries", "Deliveries by state", labels=["state"])
        for state in DeliveryState:
            states.add_metric([state.value], by_state.get(state.value, 0))
        yield states
        yield GaugeMetricFamily("publisher_due_unsent", "Deliveries due now or earlier and not yet sent", value=due)

    def _counts(self) -> tuple[dict[str, int], int]:
        waiting = (DeliveryState.QUEUED, DeliveryState.RETRY_WAIT, DeliveryState.UNKNOWN)
        with self.sessions() as session:
            rows = session.execute(select(m.Delivery.state, func.count()).group_by(m.Delivery.state)).all()
            due = session.scalar(
                select(func.count())
                .select_from(m.Delivery)
                .where(m.Delivery.state.in_(waiting), m.Delivery.next_attempt_at <= self.clock())
            )
        return {str(state): int(count) for state, count in rows}, int(due or 0)


class Metrics:
    """The daemon's metrics: the dispatcher reports each outcome here; the queue is read at scrape time."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime], outage: Outage) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.outage = outage
        self.outcomes = Counter(
            "publisher_delivery_outcomes",
            "Outcomes of platform calls, by platform and outcome",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.failures = Counter(
            "publisher_delivery_failures",
            "Failed platform calls, by platform and reason",
            ["platform", "reason"],
            registry=self.registry,
        )
        self.lateness = Histogram(
            "publisher_lateness_seconds",
            "How long after its due time each delivery was published",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_QueueCollector(sessions, clock, outage))
        self._outages_seen = 0
        self.outages = Counter("publisher_database_outages", "Database outages", registry=self.registry)
        self.last_cycle = time.monotonic()

    def __call__(self, outcome: Outcome) -> None:
        """The dispatcher's observer: count the outcome, time a publication, classify a failure."""
        self.outcomes.labels(outcome.platform, outcome.outcome).inc()
        if outcome.lateness is not None:
            self.lateness.observe(max(0.0, outcome.lateness))
        if outcome.reason is not None:
            self.failures.labels(outcome.platform, outcome.reason).inc()

    def cycle(self) -> None:
        """The daemon's loop turned: the health endpoint's heartbeat; new outages counted."""
        self.last_cycle = time.monotonic()
        if self.outage.count > self._outages_seen:
            self.outages.inc(self.outage.count - self._outages_seen)
            self._outages_seen = self.outage.count


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class MetricsServer:
    """``/metrics`` and ``/healthz`` on ``address``, in a background thread."""

    def __init__(self, metrics: Metrics, address: tuple[str, int], stale_after: float) -> None:
        from prometheus_client import make_wsgi_app

        self.metrics = metrics
        self.stale_after = stale_after
        self._prometheus = make_wsgi_app(metrics.registry)
        self.server: WSGIServer = make_server(address[0], address[1], self._app, handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def health(self) -> tuple[bool, dict[str, Any]]:
        since = time.monotonic() - self.metrics.last_cycle
        healthy = not self.metrics.outage.down and since < self.stale_after
        detail = {
            "status": "ok" if healthy else "unhealthy",
            "database": "down" if self.metrics.outage.down else "up",
            "seconds_since_last_cycle": round(since, 1),
        }
        return healthy, detail

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            healthy, detail = self.health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(detail).encode()]
        if path == "/metrics":
            return self._prometheus(environ, start_response)  # type: ignore[no-any-return]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"/metrics or /healthz\n"]
