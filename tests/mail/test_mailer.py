"""The mailer against a real SMTP server (aiosmtpd on loopback): the URL's forms, a message with
its text and HTML parts, AUTH with the URL's credentials, failures as MailError without the
password, and /readyz showing mail configured (details to admins only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from quart import Quart

from app.mail.config import SmtpUrlError, parse_smtp_url
from app.mail.mailer import Mailer, MailError
from tests.support.server import free_port
from tests.support.smtp import PASSWORD, Inbox


def test_url_forms() -> None:
    plain = parse_smtp_url("smtp://me%40corp:p%3Ass@mail.example:2525")
    assert plain is not None
    assert (plain.host, plain.port, plain.username, plain.password) == (
        "mail.example", 2525, "me@corp", "p:ss",
    )  # fmt: skip
    assert plain.start_tls is None and not plain.implicit_tls  # STARTTLS when offered
    tls = parse_smtp_url("smtps://mail.example")
    assert tls is not None and tls.implicit_tls and tls.port == 465 and tls.start_tls is False
    required = parse_smtp_url("smtp://mail.example?starttls=required")
    assert required is not None and required.start_tls is True and required.port == 587
    off = parse_smtp_url("smtp://mail.example:25?starttls=off")
    assert off is not None and off.start_tls is False
    assert parse_smtp_url("") is None
    assert "p:ss" not in repr(plain) and "p:ss" not in str(plain.describe())


@pytest.mark.parametrize(
    "url",
    ["http://x", "smtp://", "smtp://h:port", "smtp://h?starttls=maybe", "smtp://h?tls=1",
     "smtps://h?starttls=required"],
)  # fmt: skip
def test_bad_urls_never_quote_the_url(url: str) -> None:
    with pytest.raises(SmtpUrlError) as caught:
        parse_smtp_url(url.replace("//", "//u:hunter2@", 1) if "@" not in url else url)
    assert "hunter2" not in str(caught.value)


async def test_sends_text_and_html_with_auth(smtp_server: Inbox) -> None:
    mailer = Mailer(parse_smtp_url(smtp_server.url), "Pulse <pulse@example.com>", 5.0)
    message = mailer.compose(
        "ana@example.com", "Hello", "plain words", "<p>html <b>words</b></p>",
        {"List-Unsubscribe": "<https://pulse.example/u/x>"},
    )  # fmt: skip
    await mailer.send(message)
    (got,) = await smtp_server.wait_for(1)
    assert got.recipients == ["ana@example.com"] and got.sender == "pulse@example.com"
    assert got.message["Subject"] == "Hello"
    assert got.message["List-Unsubscribe"] == "<https://pulse.example/u/x>"
    assert got.message["Message-ID"].endswith("@example.com>")
    assert got.text.strip() == "plain words"
    assert "<b>words</b>" in got.html
    assert smtp_server.logins == ["pulse"]
    assert mailer.status()["sent"] == 1


async def test_failures_are_mail_errors_without_the_password(smtp_server: Inbox) -> None:
    wrong = Mailer(parse_smtp_url(smtp_server.url.replace(PASSWORD, "wrong-pass")), "", 5.0)
    with pytest.raises(MailError) as caught:
        await wrong.send(wrong.compose("a@example.com", "x", "y"))
    assert "wrong-pass" not in str(caught.value)
    assert wrong.status()["failed"] == 1 and wrong.status()["last_error"]
    # The server offers no STARTTLS: "required" refuses to send in the clear.
    required = Mailer(parse_smtp_url(smtp_server.url + "?starttls=required"), "", 5.0)
    with pytest.raises(MailError):
        await required.send(required.compose("a@example.com", "x", "y"))
    nobody = Mailer(parse_smtp_url(f"smtp://127.0.0.1:{free_port()}"), "", 2.0)
    with pytest.raises(MailError):
        await nobody.send(nobody.compose("a@example.com", "x", "y"))
    assert smtp_server.messages == []
    with pytest.raises(MailError):
        await Mailer(None).send(Mailer(None).compose("a@example.com", "x", "y"))


async def test_readyz_shows_mail(
    make_app: Callable[..., Quart], smtp_server: Inbox, admin_headers: dict[str, str]
) -> None:
    for url, configured in (("", False), (smtp_server.url, True)):
        app = make_app(smtp_url=url)
        async with app.test_app():
            client: Any = app.test_client()
            admin = await (await client.get("/readyz", headers=admin_headers)).get_json()
            anyone = await (await client.get("/readyz")).get_json()
        assert admin["mail"]["configured"] is configured
        assert "mail" not in anyone
        assert PASSWORD not in str(admin)
        if configured:
            assert admin["mail"]["port"] == smtp_server.port and admin["mail"]["auth"] is True
