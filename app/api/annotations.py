"""Annotations: GET|POST /api/v1/sites/{site}/annotations, DELETE .../annotations/{id}. Anyone
who may read the site lists them (?from=&to=: local dates, inclusive); owners and admins add and
remove them. Firing alerts add their own (app/alerts/engine.py)."""

from __future__ import annotations

from quart import Blueprint, Response, jsonify, request

from app.annotations import (
    AnnotationError,
    add_annotation,
    list_annotations,
    local_day_ms,
    parse,
    remove_annotation,
)
from app.api.access import may_read
from app.api.context import runtime
from app.api.errors import error_response
from app.api.params import NOTES_FROM, NOTES_TO, ParamError
from app.api.reports import find_site
from app.auth.principal import current

bp = Blueprint("annotations", __name__)
BASE = "/api/v1/sites/<site>/annotations"


@bp.get(BASE)
async def annotations_list(site: str) -> Response:
    """The site's annotations overlapping ?from=YYYY-MM-DD&to=YYYY-MM-DD (both optional)."""
    found = await find_site(site)
    if found is None:
        return error_response(404, f"no site {site}", "site")
    if not await may_read(found):
        return error_response(403, "not allowed to read this site", "site")
    try:
        first, last = (
            NOTES_FROM.parse(request.args.get("from")),
            NOTES_TO.parse(request.args.get("to")),
        )
    except ParamError as exc:
        return error_response(400, exc.message, exc.field)
    bounds = (
        None if first is None else local_day_ms(first, found.timezone)[0],
        None if last is None else local_day_ms(last, found.timezone)[1],
    )
    async with runtime().engine.connect() as conn:
        notes = await list_annotations(conn, found.id, bounds[0], bounds[1])
    return jsonify({"annotations": [n.as_json() for n in notes]})


@bp.post(BASE)
async def annotations_add(site: str) -> Response:
    """Add a note: {"text", "date"} | {"text", "date_from", "date_to"} | {"text", "start",
    "end"?} (owners and admins); 400 names the field."""
    found = await find_site(site)
    if found is None:
        return error_response(404, f"no site {site}", "site")
    if not (await current()).can_manage(found.id):
        return error_response(403, "only the site's owners and admins add annotations", "site")
    try:
        note = parse(await request.get_json(silent=True), found.timezone)
    except AnnotationError as exc:
        return error_response(400, exc.message, exc.field)
    async with runtime().engine.begin() as conn:
        note = await add_annotation(conn, found.id, note, runtime().clock.now_ms())
    response = jsonify(note.as_json())
    response.status_code = 201
    return response


@bp.delete(f"{BASE}/<int:note_id>")
async def annotations_remove(site: str, note_id: int) -> Response:
    """Remove an annotation (owners and admins)."""
    found = await find_site(site)
    if found is None:
        return error_response(404, f"no site {site}", "site")
    if not (await current()).can_manage(found.id):
        return error_response(403, "only the site's owners and admins remove annotations", "site")
    async with runtime().engine.begin() as conn:
        removed = await remove_annotation(conn, found.id, note_id)
    if not removed:
        return error_response(404, f"no annotation {note_id} on {found.domain}", "id")
    return Response(status=204)
