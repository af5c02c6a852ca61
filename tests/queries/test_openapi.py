"""/openapi.json covers every route of the app with a structurally valid OpenAPI 3 document."""

from __future__ import annotations

import re

from quart import Quart
from quart.typing import TestClientProtocol

from app.api.openapi import openapi_path

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
LOCATIONS = {"query", "header", "path", "cookie"}


async def test_every_route_is_documented(app: Quart, client: TestClientProtocol) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            assert openapi_path(rule.rule) in doc["paths"], rule.rule
    for path in ("/api/collect", "/ws/live", "/api/analytics/stats", "/api/v1/sites/{site}/flows"):
        assert path in doc["paths"], path
    collect = doc["paths"]["/api/collect"]["post"]["requestBody"]["content"]["application/json"]
    assert "WireEvent" in str(collect["schema"]) and "WireEvent" in doc["components"]["schemas"]
    summary = doc["paths"]["/api/v1/sites/{site}/summary"]["get"]["parameters"]
    range_ = next(p for p in summary if p["name"] == "range")
    assert range_["schema"]["enum"] == [
        *("today", "yesterday", "24h", "7d", "28d", "30d", "month", "last_month", "12mo"),
        *("all", "custom"),
    ]


async def test_document_is_valid_openapi_3(client: TestClientProtocol) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            assert method in METHODS, (path, method)
            assert op["responses"] and all(
                re.fullmatch(r"\d{3}|default", c) for c in op["responses"]
            )
            operation_ids.append(op["operationId"])
            seen = set()
            for param in op["parameters"]:
                assert param["in"] in LOCATIONS and param["name"] and "type" in param["schema"]
                assert (param["name"], param["in"]) not in seen, (path, param["name"])
                seen.add((param["name"], param["in"]))
                if param["in"] == "path":
                    assert param["required"] is True
            assert {n for n, where in seen if where == "path"} == templated, path
    assert len(operation_ids) == len(set(operation_ids))
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(doc).replace("'", '"')):
        assert ref in doc["components"]["schemas"]
