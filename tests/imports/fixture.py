"""A small, realistic Plausible export written by hand in Plausible's CSV format (its exporter's
file names and column orders): three days of imp.example, every table, empty values (Direct
traffic, no region), unicode (a page, a campaign), rows repeated for one key and day as
Plausible's own exports contain (summed when read), and a day without traffic. The expected
numbers in tests/imports/test_plausible.py are summed by hand from these rows."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SUFFIX = "_20250601_20250603"
TABLES: dict[str, str] = {
    "imported_visitors": """date,visitors,pageviews,bounces,visits,visit_duration
2025-06-01,10,30,4,12,1200
2025-06-02,5,9,2,6,300
2025-06-02,1,2,0,1,60
2025-06-03,0,0,0,0,0
""",
    "imported_sources": "date,source,referrer,utm_source,utm_medium,utm_campaign,"
    "utm_content,utm_term,pageviews,visitors,visits,visit_duration,bounces\n"
    """\
2025-06-01,Google,,,,,,,20,6,7,700,2
2025-06-01,,,,,,,,10,4,5,500,2
2025-06-02,Google,,,,,,,5,3,4,200,1
2025-06-02,Hacker News,news.ycombinator.com,,,été-2025,,,4,2,2,100,1
2025-06-02,Google,,,,,,,2,1,1,60,0
""",
    "imported_pages": "date,hostname,page,visits,visitors,"
    "pageviews,total_scroll_depth,total_scroll_depth_visits,total_time_on_page,total_time_on_page_visits\n"
    """\
2025-06-01,imp.example,/,8,7,15,400,8,300,8
2025-06-01,imp.example,/blog/ünïcode,3,3,15,150,3,90,3
2025-06-02,imp.example,/,4,4,6,0,0,0,0
2025-06-02,imp.example,/,1,1,2,0,0,0,0
2025-06-02,imp.example,/pricing,2,2,3,0,0,0,0
""",
    "imported_entry_pages": """date,entry_page,visitors,entrances,visit_duration,bounces,pageviews
2025-06-01,/,10,12,1200,4,30
2025-06-02,/,6,7,360,2,11
""",
    "imported_exit_pages": """date,exit_page,visitors,visit_duration,exits,bounces,pageviews
2025-06-01,/,5,600,6,2,15
2025-06-01,/pricing,5,600,6,2,15
2025-06-02,/,6,360,7,2,11
""",
    "imported_custom_events": """date,name,link_url,path,visitors,events
2025-06-01,Signup,,,2,3
2025-06-02,Outbound Link: Click,https://x.example/,,1,1
2025-06-02,Signup,,,1,1
""",
    "imported_locations": "date,country,region,city,"
    "visitors,visits,visit_duration,bounces,pageviews\n"
    """\
2025-06-01,DE,DE-BE,2950159,6,7,700,2,20
2025-06-01,US,,0,4,5,500,2,10
2025-06-02,DE,,0,6,7,360,2,11
""",
    "imported_devices": """date,device,visitors,visits,visit_duration,bounces,pageviews
2025-06-01,Desktop,10,12,1200,4,30
2025-06-02,Mobile,6,7,360,2,11
""",
    "imported_browsers": "date,browser,browser_version,visitors,"
    "visits,visit_duration,bounces,pageviews\n"
    """\
2025-06-01,Firefox,126.0,10,12,1200,4,30
2025-06-02,Chrome,125.0,6,7,360,2,11
""",
    "imported_operating_systems": "date,operating_system,operating_system_version,visitors,"
    "visits,visit_duration,bounces,pageviews\n"
    """\
2025-06-01,Mac,14,10,12,1200,4,30
2025-06-02,GNU/Linux,,6,7,360,2,11
""",
}


def write_zip(path: Path, tables: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in (tables or TABLES).items():
            archive.writestr(f"{name}{SUFFIX}.csv", text)
    return path


def write_csvs(folder: Path, tables: dict[str, str] | None = None) -> list[Path]:
    paths = []
    for name, text in (tables or TABLES).items():
        path = folder / f"{name}{SUFFIX}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def zip_bytes(tables: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (tables or TABLES).items():
            archive.writestr(f"{name}{SUFFIX}.csv", text)
    return buffer.getvalue()
