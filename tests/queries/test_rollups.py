"""The writer's hourly rollups (maintained by deltas across batches) equal a recount."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.storage import sketches
from app.storage.hourly import SESSION_DIMS, prop_value
from tests.backends import Template
from tests.queries import traffic
from tests.queries.test_recount import hits, template  # noqa: F401 - fixture

HOUR = 3_600_000


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(traffic_=st.lists(hits, max_size=50), cuts=st.lists(st.integers(0, 50), max_size=8))
def test_rollup_hours_equal_recount(
    template: Template,  # noqa: F811
    tmp_path: Path,
    traffic_: list[traffic.Hit],
    cuts: list[int],
) -> None:
    db = template.fresh(tmp_path, "rollups.db")
    asyncio.run(traffic.write(db.url, traffic.to_events(1, traffic_), cuts))
    want: Counter[tuple[int, str, str, str]] = Counter()
    visitors: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    for s in traffic.stored_sessions(db).values():
        hour = s["start"] // HOUR
        for dim in ["", *SESSION_DIMS, "visitor_type"]:
            if dim != "exit_page":
                visitors[(hour, dim, "" if dim == "" else s["dims"][dim] or "")].add(s["visitor"])
        counts = {
            "sessions": 1,
            "pageviews": s["pageviews"],
            "bounces": int(s["bounce"]),
            "engagement_ms": s["engagement"],
            "new_sessions": int(s["new"]),
        }
        for dim in ["", *SESSION_DIMS, "visitor_type"]:
            value = "" if dim == "" else s["dims"][dim] or ""
            for name, n in counts.items():
                want[(hour, dim, value, name)] += n
        for e in s["events"]:
            if e["name"] == "pageview":
                want[(hour, "page", e["pathname"], "pageviews")] += 1
                visitors[(hour, "page", e["pathname"])].add(s["visitor"])
                url = e["hostname"] + e["pathname"]  # page_url: host and path
                want[(hour, "page_url", url, "pageviews")] += 1
                visitors[(hour, "page_url", url)].add(s["visitor"])
            elif e["name"] != "engagement":
                want[(hour, "event", e["name"], "events")] += 1
                visitors[(hour, "event", e["name"])].add(s["visitor"])
            for key, value in (json.loads(e["props"]) if e["props"] else {}).items():
                want[(hour, f"prop:{key}", prop_value(value), "events")] += 1
                visitors[(hour, f"prop:{key}", prop_value(value))].add(s["visitor"])
    got: Counter[tuple[int, str, str, str]] = Counter()
    got_visitors: dict[tuple[int, str, str], int] = {}
    for r in db.rows("SELECT * FROM rollup_hours"):
        for name in ("sessions", "pageviews", "bounces", "engagement_ms", "new_sessions", "events"):
            got[(r["hour"], r["dim"], r["value"], name)] += r[name]
        if r["visitors"] is not None:
            got_visitors[(r["hour"], r["dim"], r["value"])] = sketches.count([bytes(r["visitors"])])
    days = db.rows("SELECT * FROM visitor_days")
    assert +got == +want
    # Visitor sketches: exact at these sizes, per hour and per UTC day.
    assert got_visitors == {key: len(ids) for key, ids in visitors.items()}
    want_days: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    for (hour, dim, value), ids in visitors.items():
        want_days[(hour // 24, dim, value)] |= ids
    got_days = {
        (r["day"], r["dim"], r["value"]): sketches.count([bytes(r["visitors"])]) for r in days
    }
    assert got_days == {key: len(ids) for key, ids in want_days.items()}
