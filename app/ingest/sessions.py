"""Server-side sessions and first-seen, held in memory (no database on the ingest path).

A session is a visitor's run of events with no gap of 30 minutes or more; it is *new* when the
visitor had never been seen on the site before it began. The index keeps the most recently
active `cap` visitors (about 150 bytes each, so the default 500,000 is ~75 MB); it is warmed from
the `visitors` table at start, so restarts neither split sessions nor make everyone new again.
A visitor evicted from memory who comes back counts as new: the documented price of the cap.

With PULSE_BROKER_URL the decision moves to Redis (app/broker/sessions.py, one script call per
request, so a visitor whose events reach different processes stays one visitor and one session);
this index then mirrors the answers and decides alone while Redis is unreachable.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

SESSION_GAP_MS = 30 * 60 * 1000


@dataclass(slots=True)
class VisitorState:
    first_seen: int
    last_seen: int
    session_id: int
    session_new_visitor: bool


@dataclass(slots=True)
class SessionFacts:
    session_id: int
    new_visitor: bool
    session_start: bool


class SessionIndex:
    def __init__(self, cap: int = 500_000) -> None:
        self.cap = cap
        # Insertion order doubles as recency order: a touched visitor is moved to the end.
        self._visitors: dict[tuple[int, int], VisitorState] = {}

    def __len__(self) -> int:
        return len(self._visitors)

    def knows(self, site_id: int, visitor_id: int) -> bool:
        return (site_id, visitor_id) in self._visitors

    def last_seen(self, site_id: int, visitor_id: int) -> int | None:
        state = self._visitors.get((site_id, visitor_id))
        return None if state is None else state.last_seen

    def touch(self, site_id: int, visitor_id: int, now_ms: int) -> SessionFacts:
        key = (site_id, visitor_id)
        state = self._visitors.pop(key, None)
        if state is None:
            state = VisitorState(now_ms, now_ms, _new_id(), True)
            facts = SessionFacts(state.session_id, True, True)
        elif now_ms - state.last_seen >= SESSION_GAP_MS:
            state.session_id, state.session_new_visitor = _new_id(), False
            state.last_seen = now_ms
            facts = SessionFacts(state.session_id, False, True)
        else:
            state.last_seen = max(state.last_seen, now_ms)
            facts = SessionFacts(state.session_id, state.session_new_visitor, False)
        self._visitors[key] = state
        self._evict()
        return facts

    def state(self, site_id: int, visitor_id: int) -> VisitorState | None:
        return self._visitors.get((site_id, visitor_id))

    def remember(self, site_id: int, visitor_id: int, state: VisitorState) -> None:
        """Mirror a decision made elsewhere (Redis), as the most recently seen visitor."""
        key = (site_id, visitor_id)
        self._visitors.pop(key, None)
        self._visitors[key] = state
        self._evict()

    def restore(self, site_id: int, visitor_id: int, state: VisitorState) -> None:
        """Warm start: rows must arrive oldest first so recency order is right."""
        self._visitors[(site_id, visitor_id)] = state
        self._evict()

    def _evict(self) -> None:
        while len(self._visitors) > self.cap:
            del self._visitors[next(iter(self._visitors))]


def _new_id() -> int:
    return secrets.randbits(63)


@dataclass(slots=True)
class Claim:
    """One event's question to a shared session store: which of the visitor's candidate ids
    (a cookieless id from today's salt, or yesterday's while that visit is ongoing), and which
    session. Hints are this process's own memory of each candidate (None: unknown here)."""

    site_id: int
    primary: int
    alternate: int | None
    hint: VisitorState | None
    alternate_hint: VisitorState | None
    new_session_id: int


@dataclass(slots=True)
class Decision:
    visitor_id: int
    state: VisitorState
    session_start: bool


class SharedSessions(Protocol):
    """Sessions decided across processes (Redis). `available` is False while unreachable."""

    @property
    def available(self) -> bool: ...

    async def decide(self, claims: Sequence[Claim], now_ms: int) -> list[Decision] | None:
        """One decision per claim, in order; None when the store failed (decide locally)."""
        ...


def new_session_id() -> int:
    return _new_id()
