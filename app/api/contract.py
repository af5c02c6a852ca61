"""The API contract: one `@responds(...)` per view function says what each of its answers is.

    @bp.get("/api/v1/sites/<site>/summary")
    @responds(ok(schemas.Summary, example=...), *errors(400, 403, 404))
    async def summary_route(site: str) -> Response: ...

/openapi.json (app/api/openapi.py) turns the declarations into each operation's `responses`;
tests/api/test_openapi_contract.py fails for a route without one and validates every real answer
against them. A body is a msgspec type (its JSON Schema lands in components/schemas, and
`json_response` encodes the handler's data through the same type, so an undeclared or mistyped
field fails loudly) or a literal JSON Schema for what is not JSON (HTML, JavaScript, CSV).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from quart import Response, jsonify

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
    "required": ["error"],
    "additionalProperties": False,
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
TEXT: dict[str, Any] = {"type": "string"}
JSON = "application/json"
HTML = "text/html"
JAVASCRIPT = "application/javascript"
CSV = "text/csv"
ANY_MEDIA = "*/*"
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": TEXT}}
ERROR_TEXT = {
    400: "a bad parameter or body, named in `field`",
    401: "no credential, or a wrong password",
    403: "the credential may not do this",
    404: "unknown site, page or object",
    413: "request body too large",
    429: "too many requests; see Retry-After",
    503: "not ready (queue full, shutting down, a part not installed); see Retry-After",
}
ATTRIBUTE = "__pulse_responses__"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reply:
    """One possible answer of an operation: a status, its bodies by media type, headers."""

    status: int
    description: str
    content: Mapping[str, Any] = field(default_factory=dict)  # media type -> type or schema
    headers: Mapping[str, Any] = field(default_factory=dict)
    example: Any = None


def ok(
    body: Any,
    description: str = "OK",
    status: int = 200,
    media: str = JSON,
    example: Any = None,
    also: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
) -> Reply:
    """The success answer: `body` (a msgspec type, a tuple of them for "one of", or a JSON
    Schema) as `media`; `also` adds
    other media types (e.g. text/csv for a report's .csv)."""
    return Reply(status, description, {media: body, **(also or {})}, headers or {}, example)


def empty(status: int, description: str, headers: Mapping[str, Any] | None = None) -> Reply:
    """An answer without a body (204, a redirect, a websocket's 101)."""
    return Reply(status, description, {}, headers or {})


def errors(*statuses: int, **described: str) -> tuple[Reply, ...]:
    """The JSON error shape `{"error", "field"?}` for each status (503 and 429 with
    Retry-After); keyword `s404="..."` overrides a description."""
    return tuple(
        Reply(
            s,
            described.get(f"s{s}", ERROR_TEXT.get(s, "error")),
            {JSON: ERROR_REF},
            RETRY_AFTER if s in (429, 503) else {},
        )
        for s in statuses
    )


def responds(*replies: Reply) -> Callable[[F], F]:
    """Declare a view's answers (put it under the route decorators)."""

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, replies)
        return view

    return mark


def declared(view: Any) -> tuple[Reply, ...] | None:
    return getattr(view, ATTRIBUTE, None)


def json_response(body_type: Any, data: Any, status: int = 200) -> Response:
    """`data` built into its declared type, then answered: a field the type lacks or a wrong
    type raises msgspec.ValidationError (a bug the contract test catches), never a silently
    other shape. The typed value is rendered by Quart's JSON provider, as every answer was
    before the types (sorted keys, ASCII, a final newline): the bytes clients and the golden
    bodies (tests/queries/golden) hold stay the same."""
    typed = msgspec.convert(data, body_type)
    response = jsonify(msgspec.to_builtins(typed))
    response.status_code = status
    return response


def schema_of(body: Any, components: dict[str, Any]) -> dict[str, Any]:
    """A body's JSON Schema for the document; msgspec types add their definitions to
    `components`."""
    if isinstance(body, dict):
        return body
    if isinstance(body, tuple):  # one of several types (a report, or its ?explain=1 wrapper)
        return {"anyOf": [schema_of(b, components) for b in body]}
    (schema,), defs = msgspec.json.schema_components(
        [body], ref_template="#/components/schemas/{name}"
    )
    for name, definition in defs.items():
        known = components.setdefault(name, definition)
        if known != definition:
            raise ValueError(f"two different response types are both named {name}")
    return schema


def openapi_responses(replies: tuple[Reply, ...], components: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for reply in replies:
        entry: dict[str, Any] = {"description": reply.description}
        if reply.content:
            content = {}
            for media, body in reply.content.items():
                content[media] = {"schema": schema_of(body, components)}
            if reply.example is not None:
                content[next(iter(reply.content))]["example"] = reply.example
            entry["content"] = content
        if reply.headers:
            entry["headers"] = dict(reply.headers)
        out[str(reply.status)] = entry
    return out
