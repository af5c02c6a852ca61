"""Imports over HTTP: POST /api/v1/sites/{site}/imports (multipart: `source` plausible | umami,
one or more `file` parts — the ZIP or its CSVs), GET to list them, DELETE .../imports/{id}. The
site's owners and admins only; the same importer as `pulse import` (app/imports/cli.py), so a
bad file is a 400 naming file, line and column, and nothing is stored."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.api.access import site_owner
from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.schemas import imports as bodies
from app.imports import store
from app.imports.cli import SOURCES, import_files
from app.imports.files import ImportFileError, expand
from app.sites.model import Site

bp = Blueprint("imports", __name__)
BASE = "/api/v1/sites/<site>/imports"
# An upload's limit: a year of Plausible's ten tables is ~3 MB of CSV; Umami's raw events are
# larger (~300 bytes an event: 64 MiB is ~200k events).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@bp.get(BASE)
@responds(ok(bodies.Imports), *errors(401, 403, 404))
@site_owner("see imports", "site")
async def imports_list(found: Site) -> Response:
    """The site's imports, oldest first."""
    async with runtime().engine.connect() as conn:
        listed = await store.list_imports(conn, found.id)
    return json_response(bodies.Imports, {"imports": [i.as_json() for i in listed]})


@bp.post(BASE)
@responds(ok(bodies.Import, "the import", status=201), *errors(400, 401, 403, 404, 413))
@site_owner("import history", "site")
async def imports_add(found: Site) -> Response:
    """Import Plausible's CSV export or Umami's website_event CSV (multipart form)."""
    if (request.content_length or 0) > MAX_UPLOAD_BYTES:
        return error_response(413, f"an upload is at most {MAX_UPLOAD_BYTES} bytes", "file")
    request.max_content_length = MAX_UPLOAD_BYTES
    if not (request.mimetype or "").startswith("multipart/form-data"):
        return error_response(400, "send multipart/form-data with `source` and `file`", "file")
    form, files = await request.form, await request.files
    source = form.get("source") or request.args.get("source") or ""
    if source not in SOURCES:
        return error_response(400, f"source must be one of {', '.join(SOURCES)}", "source")
    uploads = files.getlist("file")
    if not uploads:
        return error_response(400, "no `file` part: give the export's files", "file")
    try:
        named = [part for u in uploads for part in expand(u.filename or "upload", u.read())]
        done = await import_files(runtime().engine, found, source, named)
    except ImportFileError as exc:
        return error_response(400, f"{exc}; nothing was imported", "file")
    return json_response(bodies.Import, done.as_json(), status=201)


@bp.delete(f"{BASE}/<id:import_id>")
@responds(empty(204, "removed, with its rows"), *errors(401, 403, 404))
@site_owner("remove imports", "site")
async def imports_remove(found: Site, import_id: int) -> Response:
    """Remove an import and every row it brought."""
    async with runtime().engine.begin() as conn:
        if await store.find(conn, found.id, import_id) is None:
            return error_response(404, f"no import {import_id} on {found.domain}", "id")
        await store.remove(conn, import_id)
    return Response(status=204)
