"""The API contract (issue 22): every route declares its answers, and every endpoint of a real
`pulse serve` over `pulse demo` data answers as /openapi.json says, errors included.

The document is valid OpenAPI (openapi-spec-validator); each call's status, headers and JSON body
are checked against it (tests/support/contract.py); the calls cover every operation of the
document (a new route without a call here fails `test_every_operation_is_called`)."""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pyotp
import pytest
from openapi_spec_validator import validate
from quart import Blueprint, Quart, Response

from app.api.contract import json_response
from app.api.openapi import build
from app.api.schemas.reports import Summary
from app.settings import Settings
from tests.conftest import FIREFOX
from tests.imports.fixture import zip_bytes
from tests.support.contract import check_answer, schema_validator, undeclared_routes
from tests.support.server import ServerProcess, free_port, pulse_cli, pulse_serve
from tests.support.smtp import Inbox, running_smtp

SITE = "demo.example"
OTHER = "other.example"
IMPORTED_DAYS = "range=custom&from=2025-06-01&to=2025-06-03"
UMAMI_ID = "2f6a5b1c-1111-4222-8333-444455556666"
PASSWORD = "correct horse battery staple"
BASE = "/api/v1/sites/{site}"


class ContractServer(ServerProcess):
    admin_token: str = ""
    read_token: str = ""


def _token(env: dict[str, str], *args: str) -> str:
    found = re.search(r"pulse_\S+", pulse_cli(env, "token", "create", *args))
    assert found is not None
    return found.group(0)


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with running_smtp() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[ContractServer]:
    tokens: dict[str, str] = {}

    def prepare(env: Any) -> None:
        pulse_cli(env, "demo", "--site", SITE, "--days", "14", "--visitors-per-day", "20")
        pulse_cli(env, "site", "add", OTHER)
        tokens["admin"] = _token(env, "--admin")
        tokens["read"] = _token(env, "--site", SITE)

    tmp = tmp_path_factory.mktemp("contract")
    env = {"PULSE_ALERT_ATTEMPTS": "1", "PULSE_ALERT_TIMEOUT_MS": "2000"}  # a quick test send
    env["PULSE_SMTP_URL"] = inbox.url  # a real SMTP server: email reports, password resets
    with pulse_serve(tmp, prepare=prepare, kind=ContractServer, env=env) as running:
        running.admin_token, running.read_token = tokens["admin"], tokens["read"]
        yield running


@pytest.fixture(scope="module")
def doc(server: ContractServer) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.origin}/openapi.json").json()
    return answer


class Caller:
    """Calls the server and checks each answer against the document; records what it called."""

    def __init__(self, server: ContractServer, doc: dict[str, Any]) -> None:
        self.doc, self.called = doc, set[tuple[str, str]]()
        self.http = httpx.Client(base_url=server.origin, timeout=30, follow_redirects=False)
        self.admin = {"Authorization": f"Bearer {server.admin_token}"}
        self.reader = {"Authorization": f"Bearer {server.read_token}"}

    def __call__(
        self,
        method: str,
        template: str,
        url: str,
        status: int,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = self.admin if headers is None else headers
        response = self.http.request(method, url, headers=headers, **kwargs)
        assert response.status_code == status, (method, url, response.status_code, response.text)
        check_answer(self.doc, method, template, response)
        self.called.add((method, template))
        return response


def test_document_is_valid_openapi(doc: dict[str, Any]) -> None:
    validate(doc)  # openapi-spec-validator: OpenAPI 3.1 and its JSON Schema dialect


def _app(tmp_path: Path) -> Quart:
    """The app with every route, not started, its files in tmp_path."""
    from app import create_app

    db = f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}"
    return create_app(Settings(database_url=db, spill_path=str(tmp_path / "pulse.spill")))


def test_every_route_declares_its_responses(doc: dict[str, Any], tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert undeclared_routes(app) == []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert "x-pulse-undeclared" not in op, (method, path)
            statuses = [int(s) for s in op["responses"]]
            assert any(s < 400 for s in statuses), (method, path, statuses)
            for status, reply in op["responses"].items():
                if int(status) >= 400:  # every error is the one error shape (or the compat ones)
                    assert "content" in reply, (method, path, status)
                if status in ("429", "503") and reply["content"].get("application/json", {}).get(
                    "schema"
                ) == {"$ref": "#/components/schemas/Error"}:
                    assert "Retry-After" in reply["headers"], (method, path, status)


def test_a_route_without_a_declaration_is_caught(tmp_path: Path) -> None:
    app = _app(tmp_path)
    extra = Blueprint("extra", __name__)

    @extra.get("/api/v1/new")
    async def new_route() -> Response:
        return Response("{}", content_type="application/json")

    app.register_blueprint(extra)
    assert undeclared_routes(app) == ["/api/v1/new"]
    op = build(app)["paths"]["/api/v1/new"]["get"]
    assert op["x-pulse-undeclared"] is True and "200" not in op["responses"]


def test_report_examples_match_their_schemas(doc: dict[str, Any]) -> None:
    seen = 0
    for item in doc["paths"].values():
        for op in item.values():
            for reply in op["responses"].values():
                for media in reply.get("content", {}).values():
                    if "example" in media:
                        schema_validator(doc, media["schema"]).validate(media["example"])
                        seen += 1
    reports = ("summary", "timeseries", "breakdown/{dimension}", "flows", "retention", "funnel")
    for report in (*reports, "properties", "goals/report", "suggestions/{dimension}"):
        ok = doc["paths"][f"{BASE}/{report}"]["get"]["responses"]["200"]["content"]
        assert "example" in ok["application/json"], report
    assert seen >= 13


def test_a_wrong_field_fails_the_schema_and_the_handler(doc: dict[str, Any]) -> None:
    """What the contract test relies on: an undeclared or mistyped field is caught both by the
    schema check and, before that, by the type the handler encodes through."""
    schema = doc["paths"][f"{BASE}/summary"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    period = {
        "from": None,
        "start_ms": 0,
        "end_ms": 1,
        "interval": "day",
        "timezone": "UTC",
        "partial": False,
        "until_ms": None,
    }
    good = {"metrics": {"visitors": {"value": 3}}, "period": period}
    validator = schema_validator(doc, schema)
    validator.validate(good)
    extra = {**good, "secret": 1}
    mistyped = {**good, "metrics": {"visitors": {"value": "3"}}}
    for bad in (extra, mistyped):
        assert not validator.is_valid(bad)
        with pytest.raises(msgspec.ValidationError):
            json_response(Summary, bad)


def _meta_csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def _websocket(origin: str, query: str, token: str) -> tuple[int, bytes]:
    """A raw websocket handshake: the status line and whatever body came with it."""
    host, port = origin.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/live?{query} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        length = re.search(rb"content-length: (\d+)", head, re.I)
        while length and len(body) < int(length.group(1)):
            body += conn.recv(4096)
    return status, body


def test_every_endpoint_answers_as_documented(server: ContractServer, doc: dict[str, Any]) -> None:
    call = Caller(server, doc)
    site, none = f"/api/v1/sites/{SITE}", {}
    # Reports: answers, CSV, explain=1, and each error answer() gives.
    for report, query in (
        ("summary", "range=7d"),
        ("summary", "range=7d&compare=none&explain=1"),
        ("timeseries", "range=7d&compare=previous"),
        ("timeseries", "range=today&metrics=visitors,bounce_rate"),
        ("flows", "range=28d&depth=3"),
        ("retention", "range=28d"),
        ("funnel", "range=28d&steps=/,/pricing"),
        ("properties", "range=28d"),
    ):
        call("get", f"{BASE}/{report}", f"{site}/{report}?{query}", 200)
    call("get", f"{BASE}/timeseries.csv", f"{site}/timeseries.csv?range=7d", 200)
    dimension = f"{BASE}/breakdown/{{dimension}}"
    for name in ("page", "source", "country", "prop:plan", "page.csv"):
        call("get", dimension, f"{site}/breakdown/{name}?range=28d", 200)
    call("get", dimension, f"{site}/breakdown/page?totals=none&limit=2&offset=1", 200)
    engaged = "metrics=time_on_page,scroll_depth"
    call("get", dimension, f"{site}/breakdown/page?{engaged}&sort=time_on_page", 200)
    call("get", dimension, f"{site}/breakdown/source?{engaged}", 400)
    call("get", f"{BASE}/summary", f"{site}/summary?{engaged}", 200, headers=call.reader)
    call("get", f"{BASE}/summary", f"{site}/summary", 200, headers=call.reader)
    call("get", f"{BASE}/summary", f"{site}/summary?range=bogus", 400)
    call("get", dimension, f"{site}/breakdown/nope", 400)
    call("get", f"{BASE}/funnel", f"{site}/funnel?steps=/", 400)
    call("get", f"{BASE}/summary", f"{site}/summary", 401, headers=none)
    call("get", f"{BASE}/summary", f"/api/v1/sites/{OTHER}/summary", 404, headers=call.reader)
    call("get", f"{BASE}/summary", "/api/v1/sites/nosuch.example/summary", 404)
    suggestions = f"{BASE}/suggestions/{{dimension}}"
    call("get", suggestions, f"{site}/suggestions/page?q=blog", 200)
    call("get", suggestions, f"{site}/suggestions/nope", 400)
    call("get", "/api/v1/dimensions", "/api/v1/dimensions", 200)
    call("get", "/api/v1/sites/{site_name}/realtime", f"{site}/realtime", 200)
    realtime = "/api/v1/sites/{site_name}/realtime"
    call("get", realtime, f"/api/v1/sites/{OTHER}/realtime", 404, headers=call.reader)
    call("get", "/api/v1/sites/{site_name}/realtime", "/api/v1/sites/no.example/realtime", 404)
    lock = "/api/v1/sites/{site_name}/lock"
    assert call("get", lock, f"{site}/lock", 200).json() == {"filter": "", "filters": []}
    call("get", lock, "/api/v1/sites/no.example/lock", 404)
    call("get", lock, f"{site}/lock", 401, headers={})
    for path, query in (("stats", "time_range=30d"), ("sankey", "depth=2&explain=1")):
        call("get", f"/api/analytics/{path}", f"/api/analytics/{path}?site={SITE}&{query}", 200)
    call("get", "/api/analytics/stats", "/api/analytics/stats", 400)

    # Goals and their report.
    goals = f"{BASE}/goals"
    made = call("post", goals, f"{site}/goals", 201, json={"name": "Blog", "page": "/blog/**"})
    call("post", goals, f"{site}/goals", 400, json={"name": "No page"})
    call("post", goals, f"{site}/goals", 403, headers=call.reader, json={"name": "x", "page": "/"})
    call("get", goals, f"{site}/goals", 200)
    call("get", f"{goals}/report", f"{site}/goals/report?range=28d", 200)
    call("get", dimension, f"{site}/breakdown/page?filter=goal%3D%3DBlog", 200)
    call("delete", f"{goals}/{{goal_id}}", f"{site}/goals/{made.json()['id']}", 204)
    call("delete", f"{goals}/{{goal_id}}", f"{site}/goals/999", 404)

    # Alerts (a channel nobody listens on: the test send reports a failed attempt) and notes.
    alerts = f"{BASE}/alerts"
    rule = {
        "name": "Spike",
        "kind": "spike",
        "minutes": 5,
        "threshold": 100,
        "channel": {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook"},
    }
    alert = call("post", alerts, f"{site}/alerts", 201, json=rule)
    assert alert.json()["channel"]["secret"]  # shown this once
    call("post", alerts, f"{site}/alerts", 400, json={**rule, "kind": "nope"})
    call("post", alerts, f"{site}/alerts", 403, headers=call.reader, json=rule)
    listed = call("get", alerts, f"{site}/alerts", 200, headers=call.reader)
    assert "secret" not in listed.json()["alerts"][0]["channel"]
    one_alert = f"{site}/alerts/{alert.json()['id']}"
    tried = call("post", f"{alerts}/{{alert_id}}/test", f"{one_alert}/test", 200)
    assert tried.json()["delivered"] is False
    call("get", f"{alerts}/{{alert_id}}/deliveries", f"{one_alert}/deliveries", 200)
    call("get", f"{alerts}/{{alert_id}}/deliveries", f"{one_alert}/deliveries?limit=x", 400)
    call("delete", f"{alerts}/{{alert_id}}", one_alert, 204)
    call("delete", f"{alerts}/{{alert_id}}", one_alert, 404)
    # Scheduled email reports and the unsubscribe link (its 200s: tests/reports).
    reports = f"{BASE}/email-reports"
    subscription = {"email": "boss@demo.example", "interval": "weekly", "hour": 8}
    made_report = call("post", reports, f"{site}/email-reports", 201, json=subscription)
    call("post", reports, f"{site}/email-reports", 400, json={**subscription, "hour": 24})
    call("post", reports, f"{site}/email-reports", 403, headers=call.reader, json=subscription)
    assert call("get", reports, f"{site}/email-reports", 200).json()["smtp_configured"] is True
    one_report = f"{site}/email-reports/{made_report.json()['id']}"
    call("delete", f"{reports}/{{report_id}}", one_report, 204)
    call("delete", f"{reports}/{{report_id}}", one_report, 404)
    call("get", "/unsubscribe/{token}", "/unsubscribe/1.nope", 404, headers=none)
    call("post", "/unsubscribe/{token}", "/unsubscribe/1.nope", 404, headers=none)
    notes = f"{BASE}/annotations"
    note = call(
        "post", notes, f"{site}/annotations", 201, json={"text": "Launch", "date": "2026-11-02"}
    )
    call("post", notes, f"{site}/annotations", 400, json={"text": ""})
    call("get", notes, f"{site}/annotations?from=2026-11-01&to=2026-11-30", 200)
    call("get", notes, f"{site}/annotations?from=nope", 400)
    call("delete", f"{notes}/{{note_id}}", f"{site}/annotations/{note.json()['id']}", 204)

    # Imported history: a Plausible export uploaded, shown in a report, listed, removed.
    imports = f"{BASE}/imports"
    export = {"file": ("export.zip", zip_bytes(), "application/zip")}
    made = call("post", imports, f"{site}/imports", 201, data={"source": "plausible"}, files=export)
    call("post", imports, f"{site}/imports", 400, data={"source": "nope"}, files=export)
    call("post", imports, f"{site}/imports", 403, headers=call.reader, data={}, files=export)
    shown = call("get", f"{BASE}/summary", f"{site}/summary?{IMPORTED_DAYS}", 200)
    assert shown.json()["imported"] is True
    call("get", f"{BASE}/flows", f"{site}/flows?{IMPORTED_DAYS}&imported=false", 200)
    call("get", imports, f"{site}/imports", 200)
    call("delete", f"{imports}/{{import_id}}", f"{site}/imports/{made.json()['id']}", 204)
    call("delete", f"{imports}/{{import_id}}", f"{site}/imports/{made.json()['id']}", 404)

    # Administration.
    call("get", "/api/me", "/api/me", 200)
    call("get", "/api/me", "/api/me", 200, headers=call.reader)
    call("get", "/api/admin/sites", "/api/admin/sites", 200)
    call("post", "/api/admin/sites", "/api/admin/sites", 200, json={"domain": "new.example"})
    call("post", "/api/admin/sites", "/api/admin/sites", 400, json={"domain": "not a domain"})
    call("post", "/api/admin/sites", "/api/admin/sites", 403, headers=call.reader, json={})
    one = "/api/admin/sites/{domain}"
    call("patch", one, f"/api/admin/sites/{SITE}", 200, json={"umami_id": UMAMI_ID})
    call("patch", one, f"/api/admin/sites/{SITE}", 400, json={"timezone": "Mars/Olympus"})
    call("delete", one, "/api/admin/sites/new.example", 200)
    call("get", "/api/admin/users", "/api/admin/users", 403, headers=call.reader)
    viewer = {"email": "viewer@demo.example", "password": PASSWORD}
    user = call("post", "/api/admin/users", "/api/admin/users", 200, json=viewer)
    call("post", "/api/admin/users", "/api/admin/users", 400, json={"email": "x", "password": ""})
    user_id = user.json()["id"]
    role = "/api/admin/users/{user_id}/roles/{domain}"
    call("put", role, f"/api/admin/users/{user_id}/roles/{SITE}", 200, json={"role": "viewer"})
    call("put", role, f"/api/admin/users/{user_id}/roles/{SITE}", 400, json={"role": "king"})
    call("get", "/api/admin/users", "/api/admin/users", 200)
    token = call("post", "/api/admin/tokens", "/api/admin/tokens", 200, json={"site": SITE})
    call("post", "/api/admin/tokens", "/api/admin/tokens", 400, json={"site": "no.example"})
    call("get", "/api/admin/tokens", "/api/admin/tokens", 200)
    revoke = "/api/admin/tokens/{token_id}"
    call("delete", revoke, f"/api/admin/tokens/{token.json()['id']}", 200)
    call("delete", revoke, "/api/admin/tokens/1", 403, headers=call.reader)
    shares = "/api/admin/sites/{domain}/shares"
    open_link = call("post", shares, f"/api/admin/sites/{SITE}/shares", 200, json={})
    protected = {"password": PASSWORD}
    locked = call("post", shares, f"/api/admin/sites/{SITE}/shares", 200, json=protected)
    call("post", shares, f"/api/admin/sites/{SITE}/shares", 400, json={"password": "x"})
    call("get", shares, f"/api/admin/sites/{SITE}/shares", 200)
    call("get", shares, f"/api/admin/sites/{SITE}/shares", 403, headers=call.reader)

    invited = {"email": "new@demo.example", "site": SITE, "role": "viewer"}
    invites = "/api/admin/invitations"
    invitation = call("post", invites, invites, 201, json=invited)
    call("post", invites, invites, 400, json={**invited, "role": "king"})
    call("get", invites, invites, 200)
    spare = call("post", invites, invites, 201, json={**invited, "email": "spare@demo.example"})
    call("delete", f"{invites}/{{invitation_id}}", f"{invites}/{spare.json()['id']}", 204)
    call("delete", f"{invites}/{{invitation_id}}", f"{invites}/{spare.json()['id']}", 404)

    # Sites overview, members by email, instance settings and their pages (issue 19).
    overview = call("get", "/api/v1/overview", "/api/v1/overview", 200)
    assert {s["domain"] for s in overview.json()["sites"]} == {SITE, OTHER}
    assert len(overview.json()["sites"][0]["days"]) == 7
    call("get", "/api/v1/overview", "/api/v1/overview", 401, headers=none)
    members = "/api/admin/sites/{domain}/members"
    call("get", members, f"/api/admin/sites/{SITE}/members", 200)
    call("get", members, f"/api/admin/sites/{SITE}/members", 403, headers=call.reader)
    call("get", members, f"/api/admin/sites/{OTHER}/members", 404, headers=call.reader)
    owner = {"email": "viewer@demo.example", "role": "owner"}
    made_owner = call("put", members, f"/api/admin/sites/{SITE}/members", 200, json=owner)
    assert {"user_id": user_id, "email": owner["email"], "role": "owner", "two_factor": False} in (
        made_owner.json()["members"]
    )
    back = {**owner, "role": "viewer"}
    call("put", members, f"/api/admin/sites/{SITE}/members", 200, json=back)
    nobody = {"email": "nobody@demo.example", "role": "viewer"}
    call("put", members, f"/api/admin/sites/{SITE}/members", 400, json=nobody)
    call("put", members, f"/api/admin/sites/{SITE}/members", 403, headers=call.reader, json=back)
    call("put", members, "/api/admin/sites/no.example/members", 404, json=back)
    instance = "/api/admin/instance"
    call("get", instance, instance, 200)
    call("get", instance, instance, 403, headers=call.reader)
    call("patch", instance, instance, 400, json={"require_two_factor": "yes"})
    call("patch", instance, instance, 200, json={"require_two_factor": False})
    call("patch", instance, instance, 403, headers=call.reader, json={})
    call("patch", instance, instance, 400, json={"mail": {"configured": False}})  # read-only
    test_mail = "/api/admin/instance/test-email"
    call("post", test_mail, test_mail, 400)  # an admin token has no address to send to
    call("post", test_mail, test_mail, 403, headers=call.reader)
    for page in ("/sites", "/sites/new", "/account"):
        call("get", page, page, 200)
        call("get", page, page, 302, headers=none)
    for page in ("setup", "settings"):
        template = f"/sites/{{domain}}/{page}"
        call("get", template, f"/sites/{SITE}/{page}", 200)
        call("get", template, f"/sites/no.example/{page}", 404)
        call("get", template, f"/sites/{SITE}/{page}", 302, headers=none)

    # Share links, sign-in, pages (HTML, files): statuses and media types. Without a
    # credential first: the client keeps the cookies the forms below set.
    call("get", "/", "/", 302, headers=none)
    call("get", "/live", "/live", 302, headers=none)
    call("get", "/admin", "/admin", 302, headers=none)
    share = "/share/{slug}"
    call("get", share, open_link.json()["path"], 303, headers=none)
    call("get", share, "/share/nope", 404, headers=none)
    slug_path = locked.json()["path"]
    form = call("get", share, slug_path, 200, headers=none)
    call("post", share, slug_path, 403, headers=none, data={"password": PASSWORD})
    csrf = {"csrf_token": _csrf(form)}
    call("post", share, slug_path, 401, headers=none, data={**csrf, "password": "wrong"})
    call("post", share, slug_path, 303, headers=none, data={**csrf, "password": PASSWORD})
    call("post", share, "/share/nope", 404, headers=none)
    # Embeds and kiosks (issue 21).
    patch_share = "/api/admin/shares/{share_id}"
    framed = {"embed_origins": ["https://blog.example"], "filter": "country==DE"}
    shared_id = open_link.json()["id"]
    changed = call("patch", patch_share, f"/api/admin/shares/{shared_id}", 200, json=framed)
    assert changed.json()["embed_origins"] == ["https://blog.example"]
    bad_origin = {"embed_origins": ["http://blog.example/x"]}
    refused = call("patch", patch_share, f"/api/admin/shares/{shared_id}", 400, json=bad_origin)
    assert refused.json()["field"] == "embed_origins"
    call("patch", patch_share, "/api/admin/shares/999999", 403, json={})
    slug = open_link.json()["slug"]
    for kind in ("live-card", "counter"):
        widget = f"/share/{{slug}}/{kind}"
        page = call("get", widget, f"/share/{slug}/{kind}?theme=dark", 200, headers=none)
        assert "frame-ancestors https://blog.example" in page.headers["Content-Security-Policy"]
        call("get", widget, f"/share/{slug}/{kind}?theme=pink", 400, headers=none)
        call("get", widget, f"/share/{locked.json()['slug']}/{kind}", 403, headers=none)
        call("get", widget, f"/share/nope/{kind}", 404, headers=none)
    call("get", "/embed.js", "/embed.js", 200, headers=none)
    kiosks = "/api/admin/sites/{domain}/kiosks"
    kiosk = call("post", kiosks, f"/api/admin/sites/{SITE}/kiosks", 200, json={"label": "TV"})
    call("post", kiosks, f"/api/admin/sites/{SITE}/kiosks", 400, json={"filter": "nope==1"})
    call("post", kiosks, "/api/admin/sites/no.example/kiosks", 404, json={})
    call("get", kiosks, f"/api/admin/sites/{SITE}/kiosks", 200)
    call("get", kiosks, f"/api/admin/sites/{SITE}/kiosks", 403, headers=call.reader)
    call("get", kiosks, "/api/admin/sites/no.example/kiosks", 404)
    call("get", "/kiosk/{token}", kiosk.json()["path"], 303, headers=none)
    call("get", "/kiosk/{token}", "/kiosk/k_nope", 404, headers=none)
    kiosk_id = kiosk.json()["kiosk"]["id"]
    call("delete", "/api/admin/kiosks/{kiosk_id}", f"/api/admin/kiosks/{kiosk_id}", 200)
    call("delete", "/api/admin/kiosks/{kiosk_id}", "/api/admin/kiosks/999999", 403)
    call("get", share, f"/share/{slug}?embed=1&theme=nope", 400, headers=none)
    call("get", share, f"{slug_path}?embed=1", 403, headers=none)

    call("delete", "/api/admin/shares/{share_id}", f"/api/admin/shares/{locked.json()['id']}", 200)
    login = call("get", "/login", "/login", 200, headers=none)
    csrf = {"csrf_token": _csrf(login), "email": "viewer@demo.example"}
    call("post", "/login", "/login", 403, headers=none, data={"password": PASSWORD})
    call("post", "/login", "/login", 401, headers=none, data={**csrf, "password": "wrong"})
    # Account routes: none without a session, none for a token (it has no account).
    account = (
        ("get", "/api/account/totp"),
        ("post", "/api/account/totp"),
        ("post", "/api/account/totp/enable"),
        ("delete", "/api/account/totp"),
        ("post", "/api/account/password"),
    )
    for method, path in account:
        call(method, path, path, 401, headers=none, json={})
        call(method, path, path, 403, json={})
    call("post", "/login/totp", "/login/totp", 401, headers=none, data={"pending": "1.2.3"})
    call("post", "/login", "/login", 303, headers=none, data={**csrf, "password": PASSWORD})
    session = {"X-CSRF-Token": _meta_csrf(call("get", "/admin", "/admin", 200, headers=none))}
    call("get", "/api/account/totp", "/api/account/totp", 200, headers=none)
    secret = call("post", "/api/account/totp", "/api/account/totp", 200, headers=session)
    enable = "/api/account/totp/enable"
    call("post", enable, enable, 400, headers=session, json={"code": "x"})
    code = pyotp.TOTP(secret.json()["secret"]).now()
    call("post", enable, enable, 200, headers=session, json={"code": code})
    call("post", "/api/account/totp", "/api/account/totp", 409, headers=session)
    off = "/api/account/totp"
    call("delete", off, off, 400, headers=session, json={})
    call("delete", off, off, 200, headers=session, json={"password": PASSWORD})
    change = "/api/account/password"
    weak = {"current_password": PASSWORD, "new_password": "password123"}
    call("post", change, change, 400, headers=session, json=weak)
    same = {"current_password": PASSWORD, "new_password": PASSWORD}
    call("post", change, change, 200, headers=session, json=same)
    call("get", "/", "/", 200)
    call("get", "/live", "/live", 200)
    call("post", "/logout", "/logout", 303)
    gone = "/api/admin/users/{user_id}"
    call("delete", gone, f"/api/admin/users/{user_id}", 403, headers=call.reader)
    call("delete", gone, f"/api/admin/users/{user_id}", 200)
    call("get", "/admin", "/admin", 200)
    call("get", "/setup/{token}", "/setup/nope", 404, headers=none)
    # Password reset by email: the same 202 for any address; the links' pages (200s:
    # tests/auth/test_mail_flows.py).
    call("post", "/api/auth/reset", "/api/auth/reset", 202, headers=none, json={"email": "x@y.z"})
    call("post", "/api/auth/reset", "/api/auth/reset", 400, headers=none, json={})
    call("get", "/reset/{token}", "/reset/nope", 404, headers=none)
    call("post", "/reset/{token}", "/reset/nope", 404, headers=none, data={})
    call("get", "/invite/{token}", "/invite/nope", 404, headers=none)
    call("post", "/invite/{token}", "/invite/nope", 404, headers=none, data={})
    link = invitation.json()["path"]
    welcome = call("get", "/invite/{token}", link, 200, headers=none)
    accepted = {"csrf_token": _csrf(welcome), "password": "a new member's passphrase"}
    call("post", "/invite/{token}", link, 400, headers=none, data={**accepted, "password": "x"})
    call("post", "/invite/{token}", link, 303, headers=none, data=accepted)
    call("post", "/setup/{token}", "/setup/nope", 404, headers=none, data={})
    asset = "/assets/{folder}/{name}"
    call("get", asset, "/assets/dashboard/dashboard.css", 200)
    call("get", asset, "/assets/live/nope.js", 404)
    call("get", "/assets/auth/{name}", "/assets/auth/admin.js", 200, headers=none)
    call("get", "/assets/auth/{name}", "/assets/auth/login.html", 404, headers=none)
    vendor = "/assets/vendor/{name}"
    call("get", vendor, "/assets/vendor/nope.js", 404)
    echarts = call.http.get("/assets/vendor/echarts.js", headers=call.admin)
    check_answer(doc, "get", vendor, echarts)  # 200, or 503 without `npm ci`
    call.called.add(("get", vendor))
    for tracker in ("/js/pulse.js", "/sdk.js", "/js/script.js", "/script.js"):
        answer = call.http.get(tracker)  # 200, or 503 + Retry-After when sdk/dist is not built
        check_answer(doc, "get", tracker, answer)
        call.called.add(("get", tracker))
    call("get", "/healthz", "/healthz", 200, headers=none)
    assert call("get", "/readyz", "/readyz", 200, headers=none).json() == {"status": "ok"}
    assert call("get", "/readyz", "/readyz", 200).json()["database"]["ok"] is True
    metrics = call("get", "/metrics", "/metrics", 200)
    assert "pulse_ingest_events_accepted" in metrics.text
    call("get", "/metrics", "/metrics", 401, headers=none)

    # Plausible's Stats API, with the site's read token.
    v1 = "/api/v1/stats"
    asked = f"site_id={SITE}&period=30d"
    for name, query in (
        ("realtime/visitors", f"site_id={SITE}"),
        ("aggregate", f"{asked}&metrics=visitors,pageviews,bounce_rate&compare=previous_period"),
        ("timeseries", f"{asked}&metrics=visitors"),
        ("breakdown", f"{asked}&property=event:page&metrics=visitors"),
    ):
        call("get", f"{v1}/{name}", f"{v1}/{name}?{query}", 200, headers=call.reader)
        call("get", f"{v1}/{name}", f"{v1}/{name}?site_id={OTHER}", 404, headers=call.reader)
        call("get", f"{v1}/{name}", f"{v1}/{name}?{query}", 401, headers=none)
    call("get", f"{v1}/aggregate", f"{v1}/aggregate?{asked}&metrics=nope", 400, headers=call.reader)
    v2 = {
        "site_id": SITE,
        "metrics": ["visitors"],
        "date_range": "7d",
        "dimensions": ["event:page"],
    }
    call("post", "/api/v2/query", "/api/v2/query", 200, headers=call.reader, json=v2)
    call("post", "/api/v2/query", "/api/v2/query", 400, headers=call.reader, json={"site_id": SITE})
    call("get", "/openapi.json", "/openapi.json", 200, headers=none)

    # Ingest: Pulse's, Plausible's and Umami's, preflights included.
    browser = {"User-Agent": FIREFOX, "Content-Type": "application/json"}
    event = {"url": f"https://{SITE}/contract", "visitor_id": "contract-1"}
    accepted = call("post", "/api/collect", "/api/collect", 202, headers=browser, json=[event])
    assert accepted.json() == {"accepted": 1, "dropped": {}}
    call("post", "/api/collect", "/api/collect", 400, headers=browser, content=b"{nope")
    for path in ("/api/collect", "/api/event", "/api/send", "/api/batch"):
        call("options", path, path, 204, headers={"Origin": "https://elsewhere.example"})
    plausible = {"name": "pageview", "url": f"https://{SITE}/p", "domain": SITE}
    call("post", "/api/event", "/api/event", 202, headers=browser, json=plausible)
    call("post", "/api/event", "/api/event", 400, headers=browser, content=b"[1]")
    umami = {"type": "event", "payload": {"website": UMAMI_ID, "url": "/u", "hostname": SITE}}
    sent = call("post", "/api/send", "/api/send", 200, headers=browser, json=umami)
    assert set(sent.json()) == {"sessionId", "visitId"}
    unknown = {"type": "event", "payload": {"website": "00000000-0000-4000-8000-000000000000"}}
    call("post", "/api/send", "/api/send", 400, headers=browser, json=unknown)
    call("post", "/api/batch", "/api/batch", 200, headers=browser, json=[umami, unknown])
    call("post", "/api/batch", "/api/batch", 400, headers=browser, content=b"{}")

    # The websocket: 101 upgraded, or the declared JSON error before the upgrade.
    handshakes = ((f"site={SITE}", 101), ("site=no.example", 404), (f"site={SITE}&format=x", 400))
    for query, status in handshakes:
        code, body = _websocket(server.origin, query, server.admin_token)
        assert code == status, (query, code, body)
        if status != 101:
            schema = doc["paths"]["/ws/live"]["get"]["responses"][str(status)]["content"]
            schema_validator(doc, schema["application/json"]["schema"]).validate(json.loads(body))
    call.called.add(("get", "/ws/live"))

    every = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert every - call.called == set(), "operations no call here checks"


async def test_503_answers_carry_retry_after(
    app: Quart, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The one 503 a test can cause at will in process: the tracker not built."""
    from app.api import script

    monkeypatch.setattr(script, "SCRIPT_PATH", tmp_path / "missing.js")
    monkeypatch.setattr(script, "_tracker", None)
    doc = build(app)
    response = await app.test_client().get("/js/pulse.js")
    as_httpx = httpx.Response(
        response.status_code,
        headers=dict(response.headers),
        content=await response.get_data(),
    )
    assert as_httpx.status_code == 503 and as_httpx.headers["Retry-After"] == "60"
    check_answer(doc, "get", "/js/pulse.js", as_httpx)


def test_a_client_generated_from_the_document_reads_the_same_numbers(
    server: ContractServer, doc: dict[str, Any], tmp_path: Path
) -> None:
    """openapi-python-client (a local generator, no network) turns the document into a typed
    client; its summary and breakdown equal the JSON API's."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(doc))
    generator = Path(sys.executable).parent / "openapi-python-client"
    started = time.monotonic()
    subprocess.run(
        [generator, "generate", "--path", spec, "--output-path", tmp_path / "pulse_client"]
        + ["--meta", "none"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    seconds = time.monotonic() - started
    assert seconds < 30, f"generation took {seconds:.1f} s"
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("pulse_client")
        summary_api = importlib.import_module(
            "pulse_client.api.default.stats_summary_route_api_v1_sites_site_summary_get"
        )
        breakdown_api = importlib.import_module(
            "pulse_client.api.default.stats_breakdown_route_api_v1_sites_site_breakdown_dimension_get"
        )
        models = importlib.import_module("pulse_client.models")
    finally:
        sys.path.remove(str(tmp_path))
    client = client_module.AuthenticatedClient(base_url=server.origin, token=server.admin_token)
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    json_api = httpx.Client(base_url=f"{server.origin}/api/v1/sites/{SITE}", headers=headers)

    summary = summary_api.sync(
        SITE, client=client, range_=models.StatsSummaryRouteApiV1SitesSiteSummaryGetRange("28d")
    )
    assert isinstance(summary, models.Summary)
    expected = json_api.get("/summary", params={"range": "28d"}).json()["metrics"]
    typed = summary.metrics.additional_properties
    assert {name: m.value for name, m in typed.items()} == {
        name: m["value"] for name, m in expected.items()
    }
    assert typed["visitors"].value > 0 and typed["pageviews"].value >= typed["visitors"].value

    ranges = models.StatsBreakdownRouteApiV1SitesSiteBreakdownDimensionGetRange
    breakdown = breakdown_api.sync(SITE, "source", client=client, range_=ranges("28d"), limit=5)
    assert isinstance(breakdown, models.Breakdown)
    expected = json_api.get("/breakdown/source", params={"range": "28d", "limit": 5}).json()
    assert [(r.value, r.visitors, r.sessions, r.pageviews) for r in breakdown.results] == [
        (r["value"], r["visitors"], r["sessions"], r["pageviews"]) for r in expected["results"]
    ]
    assert breakdown.total_rows == expected["total_rows"] and len(breakdown.results) == 5
    assert breakdown.totals.visitors == expected["totals"]["visitors"] == typed["visitors"].value
