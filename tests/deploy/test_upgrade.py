"""Upgrading: a database the previous release made, with a week of traffic in it
(tests/deploy/release.py), migrated by this release to head, answers every report as that
release did. New fields may appear in a body; every value the old release answered stays."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.ingest.geo import GeoLookup
from app.migrate import upgrade
from tests.deploy import release

RELEASES = sorted(release.STORE.glob("pulse-*.db.gz"))


def _kept(old: Any, new: Any, where: str = "$") -> list[str]:
    """Where `new` lost or changed a value of `old` (dicts may gain keys; lists keep length)."""
    if isinstance(old, dict) and isinstance(new, dict):
        lost = [f"{where}.{k}: gone" for k in old if k not in new]
        return lost + [p for k in old if k in new for p in _kept(old[k], new[k], f"{where}.{k}")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            p
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for p in _kept(a, b, f"{where}[{i}]")
        ]
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]


def _parsed(body: str) -> tuple[str, Any]:
    status, _, text = body.partition("\n")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text  # CSV: compared as text


@pytest.mark.parametrize("fixture", RELEASES, ids=[p.name.split(".db")[0] for p in RELEASES])
async def test_an_old_database_upgrades_and_answers_the_same(
    fixture: Path, tmp_path: Path, geo: GeoLookup
) -> None:
    db = tmp_path / "pulse.db"
    with gzip.open(fixture, "rb") as packed, db.open("wb") as out:
        shutil.copyfileobj(packed, out)
    settings = release.settings_for(db)
    await asyncio.to_thread(upgrade, settings.database_url)
    with gzip.open(str(fixture).replace(".db.gz", ".bodies.json.gz"), "rt") as f:
        want: dict[str, str] = json.load(f)
    got = await release.bodies(settings, geo)
    problems = []
    for path, body in want.items():
        old_status, old = _parsed(body)
        new_status, new = _parsed(got[path])
        if old_status != new_status:
            problems.append(f"{path}: status {old_status} -> {new_status}")
        if old_status.startswith("4") and isinstance(old, dict) and isinstance(new, dict):
            # An error's text is for people (it lists today's dimensions, say): its status and
            # `field` are what a client relies on.
            old, new = ({k: v for k, v in b.items() if k != "error"} for b in (old, new))
        problems += [f"{path} {p}" for p in _kept(old, new)[:3]]
    assert not problems, f"{len(problems)} differences, first: {problems[:5]}"


def test_a_release_fixture_is_there() -> None:
    assert RELEASES, "record one: python -m tests.deploy.release record VERSION"
