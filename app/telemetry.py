"""Prometheus metrics for GET /metrics, one registry per app (tests build many apps in one
process, and the library's default registry is global).

Two kinds: what the runtime already counts (ingest, writer, live sockets, broker) is read at
scrape time by `RuntimeCollector`, so the ingest path pays nothing for it; what only the HTTP
layer sees (requests per route template, report latency per read path) is observed by
`Telemetry` as it happens. Route labels are URL rule templates (`/api/v1/sites/<site>/summary`),
never raw paths, so the number of series stays bounded whatever clients ask for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from app.storage.durable import FLUSH_BUCKETS_S

if TYPE_CHECKING:
    from app.runtime import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "(unmatched)"  # the route label of a request no rule matched (a 404)
LATENCY_BUCKETS_S = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Telemetry:
    def __init__(self, runtime: Runtime) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pulse_http_requests",
            "HTTP requests answered, by route template, method and status",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "pulse_http_request_duration_seconds",
            "Time from the request's arrival to its response, by route template",
            ("route", "method"),
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.report_seconds = Histogram(
            "pulse_report_duration_seconds",
            "Time a report's queries took, by report route and the read path(s) the planner "
            "chose (rollups, columns, sql; several joined with +)",
            ("report", "path"),
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(RuntimeCollector(runtime))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route, method).observe(seconds)

    def observe_report(self, report: str, paths: list[str], seconds: float) -> None:
        self.report_seconds.labels(report, "+".join(sorted(set(paths))) or "none").observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RuntimeCollector(Collector):
    """The runtime's own counters, read when scraped."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def collect(self) -> Iterator[Metric]:
        yield from self._ingest()
        yield from self._writer()
        yield from self._live()
        yield from self._broker()

    def _ingest(self) -> Iterator[Metric]:
        counters = self.rt.counters
        yield CounterMetricFamily(
            "pulse_ingest_events_accepted",
            "Events that passed the pipeline and were handed to the writer",
            value=counters.accepted,
        )
        dropped = CounterMetricFamily(
            "pulse_ingest_events_dropped",
            "Events the pipeline dropped, by reason (bot, unknown site, rules, ...)",
            labels=("reason",),
        )
        for reason, n in sorted(counters.dropped.items()):
            dropped.add_metric((reason,), n)
        yield dropped

    def _writer(self) -> Iterator[Metric]:
        writer = self.rt.writer
        stats = writer.stats
        yield CounterMetricFamily(
            "pulse_events_persisted", "Events committed to the database", value=stats.persisted
        )
        yield CounterMetricFamily(
            "pulse_events_spilled",
            "Events written to the spill file because the database refused them",
            value=stats.spilled,
        )
        yield GaugeMetricFamily(
            "pulse_writer_queue_depth", "Events waiting to be durable", value=writer.depth
        )
        yield GaugeMetricFamily(
            "pulse_writer_queue_bound",
            "PULSE_QUEUE_BOUND: depth at which ingest answers 503",
            value=writer.queue_bound,
        )
        yield GaugeMetricFamily(
            "pulse_writer_last_error",
            "1 while the writer's last transaction failed (cleared by the next commit)",
            value=1 if stats.last_error else 0,
        )
        counts = list(stats.flush_counts)  # one copy: buckets, count and sum agree
        cumulative, running = [], 0
        for bound, n in zip((*map(str, FLUSH_BUCKETS_S), "+Inf"), counts, strict=True):
            running += n
            cumulative.append((bound, running))
        yield HistogramMetricFamily(
            "pulse_writer_flush_duration_seconds",
            "Time to make one batch durable (transaction with its retries)",
            buckets=cumulative,
            sum_value=stats.flush_seconds,
        )

    def _live(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "pulse_live_sockets_open",
            "Open /ws/live websockets",
            value=len(self.rt.sockets.watches),
        )
        yield GaugeMetricFamily(
            "pulse_live_subscribers", "Live snapshot subscribers", value=self.rt.live.subscribers()
        )

    def _broker(self) -> Iterator[Metric]:
        broker = self.rt.broker
        yield GaugeMetricFamily(
            "pulse_broker_configured", "1 with PULSE_BROKER_URL set", value=int(broker is not None)
        )
        if broker is None:
            return
        status = broker.status()
        yield GaugeMetricFamily(
            "pulse_broker_up",
            "1 while Redis answers; 0 degraded (local events only)",
            value=int(status["status"] == "ok"),
        )
        yield GaugeMetricFamily(
            "pulse_broker_outbox", "Events waiting to be published", value=status["outbox"]
        )
        for name in ("published", "applied", "dropped", "reconnects"):
            yield CounterMetricFamily(
                f"pulse_broker_{name}", f"Broker {name} count since start", value=status[name]
            )
