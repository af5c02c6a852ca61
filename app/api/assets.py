"""Static files with their precompressed copies: `make build` writes frontend/dist/F.br and
F.gz for every file the pages load (frontend/compress.mjs); a request that accepts brotli or
gzip gets the copy (the full ECharts build: 1.1 MB -> 299 KB brotli, 369 KB gzip).

A copy is used only while it is at least as new as its source, so an edited file is never
answered with a stale one (and without `make build` everything is sent as it is). An installed
wheel's files were built together and never edited (app/paths.py): there every copy is used, as
installers do not keep the files' times. Each variant
has its own ETag (send_file's, from its file), and `Vary: Accept-Encoding` keeps caches apart.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from quart import Response, request, send_file

from app.paths import BUNDLED

ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # preferred first: brotli is ~20 % smaller


def accepted(header: str) -> set[str]:
    """Codings named in Accept-Encoding, less those refused with q=0."""
    names = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            names.add(name.strip().lower())
    return names


def precompressed(path: Path, frontend: Path, header: str) -> tuple[Path, str] | None:
    codings = accepted(header)
    try:
        relative, source_mtime = path.relative_to(frontend), path.stat().st_mtime
    except (ValueError, OSError):
        return None
    for coding, suffix in ENCODINGS:
        if coding not in codings:
            continue
        copy = frontend / "dist" / f"{relative}{suffix}"
        try:
            if copy.stat().st_mtime >= source_mtime or BUNDLED:
                return copy, coding
        except OSError:
            continue
    return None


async def send_asset(path: Path, frontend: Path, mimetype: str | None = None) -> Response:
    """`path` (a file under `frontend`), precompressed when the client accepts it."""
    mimetype = mimetype or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    found = precompressed(path, frontend, request.headers.get("Accept-Encoding", ""))
    if found is None:
        response = await send_file(path, mimetype=mimetype, conditional=True)
    else:
        response = await send_file(found[0], mimetype=mimetype, conditional=True)
        if response.status_code != 304:
            response.headers["Content-Encoding"] = found[1]
    response.headers["Vary"] = "Accept-Encoding"
    return response
