"""Checking real answers against /openapi.json (tests/api/test_openapi_contract.py; any test
may use it for the routes it adds):

    check_answer(doc, "get", "/api/v1/sites/{site}/summary", response)   # an httpx.Response

fails when the status is not declared for the operation, a declared header is missing, the media
type is not one declared, or a JSON body does not validate against the declared schema (the
response types forbid undeclared fields, so an extra field fails too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from quart import Quart

from app.api.contract import declared


def schema_validator(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> Draft202012Validator:
    """A validator for `schema` whose #/components/... references resolve in `doc`."""
    return Draft202012Validator({**schema, "components": doc["components"]})


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def check_answer(
    doc: Mapping[str, Any],
    method: str,
    template: str,
    response: httpx.Response,
) -> Any:
    """Validate one real answer against the document; the decoded JSON body (or None)."""
    operation = doc["paths"][template][method]
    status = str(response.status_code)
    where = f"{method.upper()} {template} -> {status}"
    reply = operation["responses"].get(status)
    assert reply is not None, f"{where}: status not declared; body {response.text[:300]}"
    for header in reply.get("headers", {}):
        assert header in response.headers, f"{where}: declared header {header} missing"
    content = reply.get("content", {})
    if not content:  # a redirect's courtesy HTML is no body of the contract; a 204's would be
        assert status != "204" or not response.content, f"{where}: a body on a 204"
        return None
    media = media_type(response.headers)
    if media not in content:
        assert "*/*" in content, f"{where}: {media} is not one of {sorted(content)}"
        return None
    if media != "application/json":
        return None
    body = json.loads(response.content)
    errors = sorted(
        schema_validator(doc, content[media]["schema"]).iter_errors(body), key=lambda e: e.path
    )
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )
    return body


def undeclared_routes(app: Quart) -> list[str]:
    """Every rule of the app whose view has no @responds (app/api/contract.py)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not declared(app.view_functions.get(rule.endpoint))
    )
