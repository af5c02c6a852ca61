"""Where Pulse's files are: the pages, the built tracker and the migrations.

From a checkout (or an editable install) they are the repository's own folders: `frontend/`,
`sdk/dist/`, `migrations/`. A wheel carries copies of them inside the package, under
`app/bundle/` (setup.py puts them there at build time: the tracker as built, the frontend's
pages with their precompressed copies, and only the node_modules files the server sends), so an
installed Pulse needs neither the source tree nor Node.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLE = PACKAGE / "bundle"
BUNDLED = (BUNDLE / "frontend").is_dir()
ROOT = BUNDLE if BUNDLED else PACKAGE.parent

FRONTEND = ROOT / "frontend"
TRACKER = ROOT / "sdk" / "dist" / "pulse.min.js"
MIGRATIONS = ROOT / "migrations"

# Region and city data (DB-IP City Lite as MMDB, from npm: geo/package.json). Too big for the
# wheel (134 MB), so an installed Pulse looks where PULSE_CITY_DB_DIR says; without it, events
# carry a country and no region or city (app/ingest/places.py says so at start).
CITY_DB = PACKAGE.parent / "geo" / "node_modules" / "@ip-location-db" / "dbip-city-mmdb"
