"""Native data wins per day (at import: the day is skipped and said; later: a day that gains
native traffic is read natively); malformed files -> an error naming file, line and column, and
nothing imported; `pulse import list` and `remove`."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.imports.files import ImportFileError
from app.settings import Settings
from tests.backends import Database
from tests.conftest import FIREFOX, add_sites, wait_for_rows
from tests.imports.fixture import SUFFIX, TABLES, write_csvs, write_zip
from tests.imports.support import SITE, imported_rows, pulse_import, report


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def _pageview(client: Any, clock: Any, at: str, visitor: str) -> None:
    clock.set(_ms(at))
    body = {"url": f"https://{SITE}/native", "visitor_id": visitor}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202


async def test_native_days_win(
    client: Any, clock: Any, db: Database, migrated: Settings, tmp_path: Path
) -> None:
    await add_sites(migrated, SITE)
    await _pageview(client, clock, "2025-06-02T10:00:00", "a")
    await wait_for_rows(db, 1)
    said = await pulse_import(migrated, "plausible", write_zip(tmp_path / "e.zip"))
    assert said.endswith("skipped 1 days that native data or an earlier import covers: 2025-06-02")
    clock.set(_ms("2026-01-01T00:00:00"))
    body = await report(client, "summary")
    assert body["imported"] is True
    # imported 2025-06-01 (10 visitors, 12 visits, 30 page views) + the native day
    assert [body["metrics"][m]["value"] for m in ("visitors", "sessions", "pageviews")] == [
        11,
        13,
        31,
    ]
    # Native traffic that reaches an imported day later takes that day over.
    await _pageview(client, clock, "2025-06-01T10:00:00", "b")
    await wait_for_rows(db, 2)
    clock.set(_ms("2026-01-01T00:00:00"))
    body = await report(client, "summary")
    assert [body["metrics"][m]["value"] for m in ("visitors", "sessions", "pageviews")] == [2, 2, 2]
    # A second import of the same days adds nothing: they are covered.
    again = await pulse_import(migrated, "plausible", write_zip(tmp_path / "e.zip"))
    assert "0 days (no days), 0 rows" in again
    assert "2025-06-01, 2025-06-02, 2025-06-03" in again


def _broken(table: str, text: str) -> dict[str, str]:
    return {**TABLES, table: text}


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        (
            "imported_visitors",
            "date,visitorz,pageviews,bounces,visits,visit_duration\n2025-06-01,1,1,1,1,1\n",
            "line 1, column 2: unknown column 'visitorz'",
        ),
        (
            "imported_sources",
            TABLES["imported_sources"].replace(
                "2025-06-02,Google,,,,,,,5,", "2025-06-02,Google,,,,,,,5x,"
            ),  # fmt: skip
            "line 4, column 9: '5x' is not a whole number",
        ),
        (
            "imported_pages",
            TABLES["imported_pages"][: TABLES["imported_pages"].index("/pricing") + 8],
            "line 6: 3 fields where the header has 10 (a cut-off file?)",
        ),
        (
            "imported_devices",
            TABLES["imported_devices"].replace("2025-06-02,Mobile", "2025-13-02,Mobile"),
            "line 3, column 1: '2025-13-02' is not a date",
        ),
        (
            "imported_locations",
            TABLES["imported_locations"].replace(",6,7,700,", ",-6,7,700,"),
            "line 2, column 5: '-6' is not a whole number",
        ),
    ],
)
async def test_a_malformed_file_imports_nothing(
    migrated: Settings, tmp_path: Path, table: str, text: str, message: str
) -> None:
    await add_sites(migrated, SITE)
    files = write_csvs(tmp_path, _broken(table, text))
    with pytest.raises(ImportFileError) as error:
        await pulse_import(migrated, "plausible", *files)
    assert f"{table}{SUFFIX}.csv, {message}" in str(error.value)
    assert imported_rows(migrated) == 0


async def test_a_truncated_archive_imports_nothing(migrated: Settings, tmp_path: Path) -> None:
    await add_sites(migrated, SITE)
    whole = write_zip(tmp_path / "export.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImportFileError, match="cut.zip: not a readable ZIP archive"):
        await pulse_import(migrated, "plausible", cut)
    with pytest.raises(ImportFileError, match="imported_visitors.csv is missing"):
        await pulse_import(migrated, "plausible", *write_csvs(tmp_path)[1:])
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n")
    with pytest.raises(ImportFileError, match="notes.csv: not one of Plausible's export tables"):
        await pulse_import(migrated, "plausible", stray)
    quoted = tmp_path / f"imported_visitors{SUFFIX}.csv"
    quoted.write_text('date,visitors,pageviews,bounces,visits,visit_duration\n"2025-06-01,1')
    with pytest.raises(ImportFileError, match="line 2: broken CSV"):
        await pulse_import(migrated, "plausible", quoted)
    assert imported_rows(migrated) == 0
    assert zipfile.is_zipfile(tmp_path / "export.zip")


async def test_list_and_remove(migrated: Settings, tmp_path: Path, client: Any) -> None:
    await add_sites(migrated, SITE)
    await pulse_import(migrated, "plausible", write_zip(tmp_path / "e.zip"))
    listed = await pulse_import(migrated, "list", site=None)
    assert listed.startswith("import 1: plausible, 3 days")
    assert await pulse_import(migrated, "remove", id=1) == "removed import 1 (31 rows)"
    assert imported_rows(migrated) == 0
    assert await pulse_import(migrated, "list", site=SITE) == "no imports"
    body = await report(client, "summary")
    assert "imported" not in body
    with pytest.raises(ImportFileError, match="no such import"):
        await pulse_import(migrated, "remove", id=1)
