"""A session's journey: its page views and custom events in order, one string per session (the
`journey` column of `sessions`), so a funnel asks each session one ordered-substring question
instead of reading its events.

Each item is a start mark, the value, and an end mark: "\\x1e/pricing\\x1f" for a page view,
"\\x1dSignup\\x1f" for a custom event. Marks on both sides make "steps a, b, c in this order,
anything between" the pattern *<a>*<b>*<c>* with no false match between /pricing and
/pricing-old (app/storage/dialect.contains_in_order). A value's own mark characters become
U+FFFD, in stored items and in asked steps alike.

A journey stops growing at MAX_BYTES of UTF-8 and then ends with TRUNCATED; the funnel reads those
few sessions' events instead. The cap keeps the row cheap to rewrite (the writer rewrites it each
batch the session is in) and lets the journey sit in the sessions index (site_id, start_ts,
visitor_id, journey), so an unfiltered funnel reads the index alone: PostgreSQL refuses index
entries over 2,704 bytes.
"""

from __future__ import annotations

PAGE, EVENT, END, TRUNCATED = "\x1e", "\x1d", "\x1f", "\x1c"
MAX_BYTES = 2_000
REPLACED = "\ufffd"  # what a mark character inside a value becomes
_MARKS = str.maketrans({c: REPLACED for c in (PAGE, EVENT, END, TRUNCATED)})


def page(path: str) -> str:
    return PAGE + path.translate(_MARKS) + END


def event(name: str) -> str:
    return EVENT + name.translate(_MARKS) + END


def add(journey: str | None, item: str) -> str:
    """The journey with one more item; once full, it ends with TRUNCATED and stays as it is."""
    if not journey:
        journey = ""
    elif journey.endswith(TRUNCATED):
        return journey
    if _size(journey) + _size(item) > MAX_BYTES:
        return journey + TRUNCATED
    return journey + item


def join(first: str | None, then: str | None) -> str | None:
    """`first` followed by `then` (a later part of the same session), truncated as `add` does."""
    if not first or not then:
        return first or then
    if first.endswith(TRUNCATED):
        return first
    if _size(first) + _size(then) <= MAX_BYTES:
        return first + then
    out = first
    for item in items(then):
        out = add(out, item)
        if out.endswith(TRUNCATED):
            return out
    return out + TRUNCATED if then.endswith(TRUNCATED) else out


def items(journey: str) -> list[str]:
    """The journey's items, marks included (a trailing TRUNCATED dropped)."""
    return [part + END for part in journey.rstrip(TRUNCATED).split(END) if part]


def is_truncated(journey: str | None) -> bool:
    return journey is not None and journey.endswith(TRUNCATED)


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def pages(journey: str) -> list[str]:
    """The page views' paths, in order."""
    return [part[1:] for part in journey.split(END) if part.startswith(PAGE)]
