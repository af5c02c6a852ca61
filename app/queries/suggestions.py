"""Filter-value suggestions: the period's values of one dimension that contain what was typed,
busiest first (the dashboard's "+ Filter" menu autocompletes from them).

The breakdown answers them, so a suggestion counts exactly what picking it will show: the
other filters apply, the dimension's own filter does not (its values are what is being
chosen), and `q` is one more `=~` filter (case-insensitive contains). Property values take no
`=~` filter (filters.py): their busiest values are read and matched here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.queries.breakdown import breakdown
from app.queries.filters import Filter
from app.queries.scope import Scope

# Property values are matched after the read: the busiest this many are searched.
PROPERTY_SEARCH_ROWS = 500


async def suggestions(
    conn: AsyncConnection, scope: Scope, dimension: str, typed: str, limit: int
) -> dict[str, Any]:
    others = tuple(f for f in scope.filters if f.dim != dimension)
    is_property = dimension.startswith("prop:")
    if typed and not is_property:
        others += (Filter(dimension, "=~", typed),)
    rows = PROPERTY_SEARCH_ROWS if is_property and typed else limit
    found = await breakdown(
        conn, replace(scope, filters=others), dimension, limit=rows, totals=False
    )
    needle = typed.casefold()
    values = [
        {"value": row["value"], "visitors": row["visitors"]}
        for row in found["results"]
        if row["value"] not in (None, "") and needle in str(row["value"]).casefold()
    ]
    return {"dimension": dimension, "period": found["period"], "values": values[:limit]}
