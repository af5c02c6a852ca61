"""An invitation accepted in Debian's Chromium against a real `pulse serve` (issue 19): the
admin invites an address through the API, a browser that never saw Pulse opens the link,
chooses a password and lands on the site's dashboard with the invited role (and no other
site). A screenshot of the form goes to $PULSE_SCREENSHOTS when set."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.auth.test_browser_two_factor import shoot
from tests.support.browser import launch_chromium
from tests.support.server import ServerProcess, pulse_serve

pytestmark = pytest.mark.browser

SITE, OTHER = "shop.example", "other.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with pulse_serve(
        tmp_path_factory.mktemp("invite"), setup=[("site", "add", SITE), ("site", "add", OTHER)]
    ) as running:
        yield running


def invite(server: ServerProcess, email: str, role: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server.origin}/api/admin/invitations",
        data=json.dumps({"email": email, "site": SITE, "role": role}).encode(),
        headers={**server.admin_headers(), "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
        body: dict[str, Any] = json.loads(answer.read())
        return body


def test_an_invited_person_joins_with_the_invited_role(server: ServerProcess) -> None:
    made = invite(server, "bea@example.com", "viewer")
    with launch_chromium() as chromium:
        for scheme in ("light", "dark"):
            context = chromium.new_context(color_scheme=scheme)
            page = context.new_page()
            page.goto(f"{server.origin}{made['path']}")
            assert page.locator("h1").inner_text() == f"Join {SITE} on Pulse"
            assert page.locator("#email").input_value() == "bea@example.com"
            shoot(page, f"invite-{scheme}")
            context.close()
        context = chromium.new_context()
        page = context.new_page()
        page.goto(f"{server.origin}{made['path']}")
        page.fill("#password", "a brand new passphrase")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.origin}/?site={SITE}")
        me = context.request.get(f"{server.origin}/api/me").json()
        assert me["user"]["email"] == "bea@example.com" and me["admin"] is False
        assert [(s["domain"], s["role"]) for s in me["sites"]] == [(SITE, "viewer")]
        assert context.request.get(f"{server.origin}/api/v1/sites/{OTHER}/summary").status == 404
        # The link is spent.
        again = chromium.new_context().new_page().goto(f"{server.origin}{made['path']}")
        assert again is not None and again.status == 404
    rows = server.query("SELECT user_id, role FROM site_roles")
    assert [r["role"] for r in rows] == ["viewer"]
