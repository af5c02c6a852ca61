"""Which of a cached day's distinct items complete a goal: one bool per label of the day's
journey or scroll dictionary (column_filters.goal_completions turns it into completions per
session, remembered with the day).

The first read of a day used to call a Python test per label (Goal.matches_path through a
lambda, and `json.loads` for each scroll item): 1.1 s of a cold 30-day goal report at 1M events,
0.55 s of it the scroll goal's ~4,000 [path, depth] labels a day. Here an event goal or an exact
page is one `list.index` (the labels are distinct), a page pattern is `re.search` mapped over the
page labels' paths in C, and a scroll goal parses the day's labels into a path dictionary and a
depth array (without `json.loads` unless a path holds an escape), so it tests its pattern once
per distinct path and its depth as one array comparison. The meaning is Goal.matches' exactly
(the recounts hold it).
"""

from __future__ import annotations

import contextlib
import json
import operator
import re

import numpy as np

from app.goals.definition import EVENT, SCROLL, Goal
from app.storage import journey
from app.storage.columns import Ragged


def item_table(run: Ragged, goal: Goal) -> np.ndarray:
    """One bool per label of `run` (a journey run, or the scroll items for a scroll goal):
    the item completes `goal`."""
    labels = run.labels
    if goal.kind == SCROLL:
        paths, path_of, depth = scroll_parts(labels)
        least = goal.scroll or 0
        on_path = np.fromiter(map(goal.matches_path, paths), bool, len(paths))
        if not len(depth):
            return np.zeros(0, dtype=bool)
        return on_path[path_of] & (depth >= least)
    if goal.kind == EVENT or goal.regex is None:  # one exact item
        if goal.kind == EVENT:
            return _one(labels, journey.event(goal.event or ""))
        return _one(labels, journey.page(goal.page or ""))
    marks = map(operator.itemgetter(0), labels)
    pages = np.fromiter(map(journey.PAGE.__eq__, marks), bool, len(labels))
    found = np.zeros(len(labels), dtype=bool)
    at = np.flatnonzero(pages)
    if len(at):
        search = re.compile(goal.regex).search  # Goal.matches_path's re.search
        paths = [labels[i][1:-1] for i in at.tolist()]
        hits = np.array(list(map(search, paths)), dtype=object)
        found[at] = hits != None  # noqa: E711 (element-wise: a match object or None)
    return found


def odd_labels(labels: list[str]) -> np.ndarray:
    """One bool per label: the item's value held a mark character (stored as U+FFFD), so the
    items cannot say and the session's events are read. Almost always none, which one search
    of the joined labels tells."""
    if journey.REPLACED not in "".join(labels):
        return np.zeros(len(labels), dtype=bool)
    return np.fromiter((journey.REPLACED in label for label in labels), bool, len(labels))


def scroll_parts(labels: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Scroll labels (JSON [path, depth], columns.scroll_item) as their distinct paths, each
    label's path code and each label's depth. A JSON string without a backslash is its
    characters between the quotes (ensure_ascii=False escapes only with one)."""
    index: dict[str, int] = {}
    codes: list[int] = []
    depths: list[int] = []
    for label in labels:
        comma = label.rindex(",")
        quoted = label[1:comma]
        path = json.loads(quoted) if "\\" in quoted else quoted[1:-1]
        codes.append(index.setdefault(path, len(index)))
        depths.append(int(label[comma + 1 : -1]))
    return list(index), np.array(codes, dtype=np.int64), np.array(depths, dtype=np.int64)


def _one(labels: list[str], wanted: str) -> np.ndarray:
    table = np.zeros(len(labels), dtype=bool)
    with contextlib.suppress(ValueError):  # not among the day's items
        table[labels.index(wanted)] = True
    return table
