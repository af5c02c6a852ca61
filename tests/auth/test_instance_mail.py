"""The instance's mail settings on /admin (issue 19): shown read-only in GET /api/admin/instance
(never the SMTP credentials), refused in PATCH, and proven by a test email to the signed-in
admin's own address, against a real SMTP server (aiosmtpd); 400 when mail is not configured or
the caller (a token) has no address."""

from __future__ import annotations

from collections.abc import Callable

from quart import Quart

from app.settings import Settings
from tests.auth.helpers import add_user, csrf_of, login
from tests.support.smtp import PASSWORD as SMTP_PASSWORD
from tests.support.smtp import USER as SMTP_USER
from tests.support.smtp import Inbox

ADMIN = "root@example.com"
TEST_MAIL = "/api/admin/instance/test-email"


async def test_mail_is_shown_read_only_and_a_test_email_reaches_the_admin(
    migrated: Settings, make_app: Callable[..., Quart], smtp_server: Inbox
) -> None:
    await add_user(migrated, ADMIN, admin=True)
    app = make_app(smtp_url=smtp_server.url, smtp_from="Pulse <stats@example.com>")
    async with app.test_app():
        client = app.test_client()
        assert await login(client, ADMIN) == 303
        headers = {"X-CSRF-Token": await csrf_of(client)}
        answer = await (await client.get("/api/admin/instance")).get_json()
        assert answer["mail"] == {
            "configured": True,
            "from_address": "Pulse <stats@example.com>",
            "server": f"127.0.0.1:{smtp_server.port}",
        }
        assert SMTP_PASSWORD not in str(answer) and SMTP_USER not in str(answer)
        refused = await client.patch(
            "/api/admin/instance", json={"mail": {"configured": False}}, headers=headers
        )
        assert refused.status_code == 400 and (await refused.get_json())["field"] == "mail"

        sent = await client.post(TEST_MAIL, headers=headers)
        assert sent.status_code == 200 and (await sent.get_json()) == {"sent_to": ADMIN}
        (mail,) = await smtp_server.wait_for(1)
        assert mail.recipients == [ADMIN] and mail.message["Subject"] == "Pulse test email"
        assert mail.message["From"] == "Pulse <stats@example.com>"


async def test_without_smtp_the_test_email_is_a_400_naming_mail(
    migrated: Settings, app: Quart, admin_headers: dict[str, str]
) -> None:
    await add_user(migrated, ADMIN, admin=True)
    client = app.test_client()
    assert (await (await client.get("/api/admin/instance", headers=admin_headers)).get_json())[
        "mail"
    ] == {"configured": False, "from_address": "Pulse <pulse@localhost>", "server": ""}
    # An admin token has no address to send to.
    by_token = await client.post(TEST_MAIL, headers=admin_headers)
    assert by_token.status_code == 400 and (await by_token.get_json())["field"] == "to"
    assert await login(client, ADMIN) == 303
    headers = {"X-CSRF-Token": await csrf_of(client)}
    refused = await client.post(TEST_MAIL, headers=headers)
    assert refused.status_code == 400
    assert (await refused.get_json()) == {
        "error": "mail is not configured: set PULSE_SMTP_URL",
        "field": "mail",
    }
