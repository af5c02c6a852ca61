"""URL converters. `<id:name>` is a row id: a positive integer that fits the databases' 64-bit
integer columns. A larger number matches no route (404), rather than overflowing a query."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

ROW_ID_MAX = 2**63 - 1


class RowIdConverter(IntegerConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=ROW_ID_MAX)


def install(url_map: Map) -> None:
    url_map.converters["id"] = RowIdConverter
