"""Property: no body, header or content type makes /api/collect answer 5xx."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart import Quart

from tests.conftest import SITE

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "event_type",
    "url",
    "referrer",
    "timestamp",
    "session_id",
    "visitor_id",
    "screen_width",
    "screen_height",
    "language",
    "data",
    "site",
    "user_agent",
    "engagement_ms",
    "scroll_depth",
    "interactive",
    "hash",
]
plausible_urls = st.sampled_from(
    [
        f"https://{SITE}/",
        f"http://www.{SITE}/a?utm_source=x",
        "x",
        "https://[::1/",
        "https://a.b/%zz",
        "http://",
        "https://\u00e9.fr/",
    ]
)
events = st.fixed_dictionaries(
    {"url": plausible_urls}, optional={name: json_values for name in FIELDS if name != "url"}
)
bodies = st.one_of(
    st.binary(max_size=300),
    events.map(lambda e: json.dumps(e).encode()),
    st.lists(events, max_size=3).map(lambda e: json.dumps(e).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
content_types = st.one_of(
    st.sampled_from(
        ["application/json", "text/plain", "application/msgpack", "multipart/form-data", ""]
    ),
    header_text,
)


async def test_no_input_produces_a_server_error(app: Quart) -> None:
    client = app.test_client()
    loop = asyncio.get_running_loop()

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies, content_type=content_types, user_agent=header_text, forwarded=header_text)
    def check(body: bytes, content_type: str, user_agent: str, forwarded: str) -> None:
        headers = {
            "Content-Type": content_type,
            "User-Agent": user_agent,
            "X-Forwarded-For": forwarded,
        }
        call = client.post("/api/collect", data=body, headers=headers)
        response = asyncio.run_coroutine_threadsafe(call, loop).result(timeout=10)
        assert response.status_code < 500, (body, content_type, response.status_code)

    # Hypothesis drives from a worker thread; the app keeps running on this test's loop.
    await asyncio.to_thread(check)
