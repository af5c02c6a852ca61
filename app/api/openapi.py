"""GET /openapi.json: an OpenAPI 3.1 document generated from the app's own routes.

Every rule in `app.url_map` becomes a path (so a new route is never missing from it). Query
parameters come from the same `Param` declarations that validate requests (`reports.ENDPOINTS`
for the report handlers, `params.ROUTE_PARAMS` for the others), path parameters from the rule,
summaries from the handlers' docstrings, and the ingest bodies from the msgspec structs that
decode them.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from quart import Blueprint, Quart, Response, current_app, jsonify
from werkzeug.routing import Rule

from app import dimensions
from app.api.contract import ERROR_SCHEMA, declared, ok, openapi_responses, responds
from app.api.params import ROUTE_PARAMS, Param
from app.api.reports import ENDPOINTS, Endpoint
from app.ingest.compat.plausible import PlausibleBody
from app.ingest.compat.umami import UmamiMessage
from app.ingest.wire import Body

bp = Blueprint("openapi", __name__)
_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
ERROR = ERROR_SCHEMA
BODIES: dict[str, Any] = {
    "/api/collect": Body,
    "/api/event": PlausibleBody,
    "/api/send": UmamiMessage,
}


_TEXT = {"type": "string"}
# A breakdown's dimension: the vocabulary's names, or prop:KEY for any property key.
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "dimension": {
        "type": "string",
        "anyOf": [
            {"enum": [d.name for d in dimensions.VOCABULARY]},
            {"pattern": f"^{dimensions.PROP}.{{1,{dimensions.MAX_PROP_KEY}}}$"},
        ],
    }
}


def openapi_path(rule: str) -> str:
    """`/api/v1/sites/<site>/breakdown/<path:dimension>` -> `.../{site}/breakdown/{dimension}`."""
    return _ARG.sub(r"{\1}", rule)


def _summary(app: Quart, rule: Rule, endpoint: Endpoint | None) -> str:
    if endpoint is not None:
        return endpoint.summary
    view = app.view_functions.get(rule.endpoint)
    module = __import__(view.__module__, fromlist=["_"]) if view is not None else None
    doc = (view.__doc__ if view is not None else None) or (module.__doc__ if module else None)
    return (doc or rule.endpoint).strip().splitlines()[0]


def _parameters(rule: Rule, path: str, query: tuple[Param, ...]) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True, "schema": PATH_SCHEMAS.get(name, _TEXT)}
        for name in sorted(rule.arguments)
    ]
    for p in query:
        entry: dict[str, Any] = {
            "name": p.name,
            "in": "query",
            "description": p.description,
            "schema": p.schema(),
        }
        found.append(entry)
    return found


def _methods(rule: Rule) -> list[str]:
    if rule.websocket:
        return ["get"]
    methods = set(rule.methods or ()) - {"HEAD"}
    if methods - {"OPTIONS"}:
        methods.discard("OPTIONS")  # Quart's automatic answer, not an operation of its own
    return sorted(m.lower() for m in methods)


def _operation(app: Quart, rule: Rule, path: str, components: dict[str, Any]) -> dict[str, Any]:
    base = path.removesuffix(".csv")  # timeseries.csv: the same parameters as timeseries
    endpoint = next((e for e in ENDPOINTS if e.path == base), None)
    query = endpoint.params if endpoint else ROUTE_PARAMS.get(path, ())
    replies = declared(app.view_functions.get(rule.endpoint))
    op: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_") + "_" + re.sub(r"\W", "_", path),
        "summary": _summary(app, rule, endpoint),
        "parameters": _parameters(rule, path, query),
        # A view without @responds (app/api/contract.py) still appears, flagged: the contract
        # test fails on it.
        "responses": openapi_responses(replies, components)
        if replies
        else {"default": {"description": "undeclared: add @responds to the view"}},
    }
    if not replies:
        op["x-pulse-undeclared"] = True
    if rule.websocket:
        op["description"] = "WebSocket upgrade (JSON text or msgpack binary frames)."
    if endpoint is not None and endpoint.csv:
        op["description"] = "Also as CSV: add .csv to the last path segment."
    body = BODIES.get(path)
    if body is not None and "POST" in (rule.methods or ()):
        (schema,), defs = msgspec.json.schema_components(
            [body], ref_template="#/components/schemas/{name}"
        )
        components.update(defs)
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return op


def build(app: Quart) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        path = openapi_path(rule.rule)
        for method in _methods(rule):
            operation = _operation(app, rule, path, components)
            operation["operationId"] += f"_{method}"
            paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pulse", "version": "1", "description": "Privacy-first web analytics"},
        "paths": paths,
        "components": {"schemas": components},
    }


@bp.get("/openapi.json")
@responds(ok({"type": "object"}, "an OpenAPI 3.1 document"))
async def openapi_json() -> Response:
    """This document."""
    return jsonify(build(current_app))  # type: ignore[arg-type]
