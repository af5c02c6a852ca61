"""Annotations: GET|POST /api/v1/sites/{site}/annotations, DELETE .../annotations/{id}. Anyone
who may read the site lists them (?from=&to=: local dates, inclusive); owners and admins add and
remove them. Firing alerts add their own (app/alerts/engine.py)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.annotations import (
    AnnotationError,
    add_annotation,
    list_annotations,
    local_day_ms,
    parse,
    remove_annotation,
)
from app.api.access import readable_site, site_owner
from app.api.context import runtime
from app.api.contract import empty, errors, json_response, ok, responds
from app.api.errors import error_response
from app.api.params import NOTES_FROM, NOTES_TO, ParamError
from app.api.schemas import alerts as bodies
from app.sites.model import Site

bp = Blueprint("annotations", __name__)
BASE = "/api/v1/sites/<site>/annotations"


@bp.get(BASE)
@responds(ok(bodies.Annotations), *errors(400, 401, 404))
async def annotations_list(site: str) -> Response:
    """The site's annotations overlapping ?from=YYYY-MM-DD&to=YYYY-MM-DD (both optional)."""
    found = await readable_site(site)
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
    return json_response(bodies.Annotations, {"annotations": [n.as_json() for n in notes]})


@bp.post(BASE)
@responds(ok(bodies.Annotation, "the note", status=201), *errors(400, 401, 403, 404))
@site_owner("add annotations", "site")
async def annotations_add(found: Site) -> Response:
    """Add a note: {"text", "date"} | {"text", "date_from", "date_to"} | {"text", "start",
    "end"?} (owners and admins); 400 names the field."""
    try:
        note = parse(await request.get_json(silent=True), found.timezone)
    except AnnotationError as exc:
        return error_response(400, exc.message, exc.field)
    async with runtime().engine.begin() as conn:
        note = await add_annotation(conn, found.id, note, runtime().clock.now_ms())
    return json_response(bodies.Annotation, note.as_json(), status=201)


@bp.delete(f"{BASE}/<id:note_id>")
@responds(empty(204, "removed"), *errors(401, 403, 404))
@site_owner("remove annotations", "site")
async def annotations_remove(found: Site, note_id: int) -> Response:
    """Remove an annotation (owners and admins)."""
    async with runtime().engine.begin() as conn:
        removed = await remove_annotation(conn, found.id, note_id)
    if not removed:
        return error_response(404, f"no annotation {note_id} on {found.domain}", "id")
    return Response(status=204)
