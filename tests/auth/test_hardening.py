"""Regression tests for the security pass of issue 19, one per finding, each with the exact
request that misbehaved on the landed code (open redirect, 500s, a setup link that outlived its
purpose, a string read as a boolean, site probing, /readyz's details, CSV formulas, invisible
characters)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from app.settings import Settings
from tests.auth.helpers import PASSWORD, add_user, hidden
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, add_sites, make_token, rows, wait_for_rows

OTHER = "other.example"
REPORTS = ("summary", "timeseries", "breakdown/page", "breakdown/source", "flows", "properties")


async def login_to(client: TestClientProtocol, email: str, target: str) -> tuple[int, str]:
    page = await (await client.get("/login")).get_data(as_text=True)
    form = {"email": email, "password": PASSWORD, "next": target}
    response = await client.post("/login", form={**form, "csrf_token": hidden(page, "csrf_token")})
    return response.status_code, response.headers.get("Location", "")


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example/", "/%09/evil.example/", "/x\r\nSet-Cookie: a=b", "/x\nb", "/x\x00", "/ /x"],
)
async def test_next_accepts_only_a_same_origin_path_without_control_characters(
    migrated: Settings, client: TestClientProtocol, target: str
) -> None:
    await add_user(migrated, "ana@example.com")
    decoded = target.replace("%09", "\t")  # what the form field carries after URL decoding
    status, location = await login_to(client, "ana@example.com", decoded)
    assert (status, location) == (303, "/")
    page = await client.get("/login", query_string={"next": decoded})
    assert page.status_code == 200 and "evil" not in await page.get_data(as_text=True)


async def test_a_plain_next_path_with_a_query_still_works(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_user(migrated, "ana@example.com")
    assert await login_to(client, "ana@example.com", "/live?site=a.example") == (
        303,
        "/live?site=a.example",
    )


@pytest.mark.parametrize("report", REPORTS)
async def test_dates_out_of_bounds_are_400_naming_the_parameter(
    client: TestClientProtocol, admin_headers: dict[str, str], report: str
) -> None:
    base = f"/api/v1/sites/{SITE}/{report}?range=custom"
    for query, field in (
        ("&from=2026-01-01&to=9999-12-31", "to"),
        ("&from=0001-01-01&to=2026-01-01", "from"),
        ("&from=2026-01-01&to=2026-01-31&compare=custom&compare_from=0001-01-01", "compare_from"),
    ):
        response = await client.get(base + query, headers=admin_headers)
        if field == "compare_from" and report != "summary":
            continue  # only the summary takes compare_from
        assert response.status_code == 400, (report, query, await response.get_data())
        assert (await response.get_json())["field"] == field
    # The bounds themselves answer, comparisons reaching before 1970 included.
    for first, last in (("1970-01-01", "1970-03-01"), ("2199-10-01", "2199-12-31")):
        for compare in ("previous", "year"):
            query = f"?range=custom&from={first}&to={last}&compare={compare}"
            answer = await client.get(
                f"/api/v1/sites/{SITE}/{report}{query}", headers=admin_headers
            )
            assert answer.status_code == 200, (report, query, await answer.get_data())
    series = f"/api/v1/sites/{SITE}/timeseries?range=custom&from=1970-01-01&to=1970-01-31"
    assert (
        await client.get(series + "&compare=previous", headers=admin_headers)
    ).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/admin/tokens/9223372036854775808"),
        ("DELETE", "/api/admin/users/9223372036854775808"),
        ("PUT", f"/api/admin/users/9223372036854775808/roles/{SITE}"),
        ("DELETE", "/api/admin/shares/9223372036854775808"),
        ("DELETE", f"/api/v1/sites/{SITE}/goals/9223372036854775808"),
        ("DELETE", "/api/admin/tokens/99999999999999999999999999"),
    ],
)
async def test_row_ids_beyond_64_bits_are_404_not_500(
    client: TestClientProtocol, admin_headers: dict[str, str], method: str, path: str
) -> None:
    response = await client.open(
        path, method=method, headers=admin_headers, json={"role": "viewer"}
    )
    assert response.status_code == 404 and "error" in await response.get_json()


async def test_the_setup_link_stops_working_once_an_account_exists(
    make_app: Callable[..., Quart], migrated: Settings, db: Database
) -> None:
    app: Quart = make_app()
    async with app.test_app():
        client = app.test_client()
        token = app.extensions["pulse"].auth.setup_token
        assert token  # no user yet: the link exists
        page = await (await client.get(f"/setup/{token}")).get_data(as_text=True)
        await add_user(migrated, "operator@example.com", admin=True)  # `pulse user create`
        assert (await client.get(f"/setup/{token}")).status_code == 404
        form = {"email": "mallory@example.com", "password": "a long enough password"}
        posted = await client.post(
            f"/setup/{token}", form={**form, "csrf_token": hidden(page, "csrf_token")}
        )
        assert posted.status_code == 404
    emails = {r["email"] for r in rows(db, "SELECT email FROM users")}
    assert emails == {"operator@example.com"}


async def test_is_admin_must_be_a_json_boolean(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    for value in ("false", "true", 1, 0):
        body = {"email": "eve@example.com", "password": "a long enough password", "is_admin": value}
        response = await client.post("/api/admin/users", json=body, headers=admin_headers)
        assert response.status_code == 400
        assert (await response.get_json())["field"] == "is_admin"
    listed = await (await client.get("/api/admin/users", headers=admin_headers)).get_json()
    assert "eve@example.com" not in {u["email"] for u in listed}
    body = {"email": "eve@example.com", "password": "a long enough password", "is_admin": False}
    made = await client.post("/api/admin/users", json=body, headers=admin_headers)
    assert made.status_code == 200 and (await made.get_json())["is_admin"] is False


async def test_a_site_one_may_not_read_answers_the_same_404_as_a_missing_one(
    migrated: Settings, client: TestClientProtocol
) -> None:
    await add_sites(migrated, OTHER)
    headers = {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}
    for report in (*REPORTS, "goals", "goals/report"):
        hidden_site = await client.get(f"/api/v1/sites/{OTHER}/{report}", headers=headers)
        missing = await client.get(f"/api/v1/sites/nowhere.example/{report}", headers=headers)
        assert hidden_site.status_code == missing.status_code == 404, report
        shapes = [(await r.get_json()) for r in (hidden_site, missing)]
        assert [sorted(s) for s in shapes] == [["error", "field"]] * 2
        assert shapes[0]["error"].replace(OTHER, "X") == shapes[1]["error"].replace(
            "nowhere.example", "X"
        )
    legacy = await client.get(f"/api/analytics/summary?site={OTHER}", headers=headers)
    assert legacy.status_code == 404
    own = await client.get(f"/api/v1/sites/{SITE}/summary", headers=headers)
    assert own.status_code == 200


async def test_anonymous_readyz_gets_the_status_only(
    client: TestClientProtocol, admin_headers: dict[str, str]
) -> None:
    anonymous = await client.get("/readyz")
    assert anonymous.status_code == 200 and await anonymous.get_json() == {"status": "ok"}
    detailed = await (await client.get("/readyz", headers=admin_headers)).get_json()
    assert {"status", "database", "queue", "writer", "events", "broker"} <= set(detailed)


async def test_csv_cells_that_would_run_as_formulas_are_neutralised(
    client: TestClientProtocol, admin_headers: dict[str, str], db: Database
) -> None:
    pages = ["/=HYPERLINK(1)", "/plain"]
    for path in pages:
        sent = await client.post(
            "/api/collect",
            json={"url": f"https://{SITE}{path}", "data": {}},
            headers={"User-Agent": FIREFOX},
        )
        assert sent.status_code == 202
    await client.post(
        "/api/collect",
        json={"url": f"https://{SITE}/x", "event_type": "Signup", "data": {"plan": "=1+2"}},
        headers={"User-Agent": FIREFOX},
    )
    await wait_for_rows(db, 3)
    text = await (
        await client.get(
            f"/api/v1/sites/{SITE}/breakdown/prop:plan.csv?range=today", headers=admin_headers
        )
    ).get_data(as_text=True)
    values = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert values == ["'=1+2"]
    json_rows = await (
        await client.get(
            f"/api/v1/sites/{SITE}/breakdown/prop:plan?range=today", headers=admin_headers
        )
    ).get_json()
    assert [r["value"] for r in json_rows["results"]] == ["=1+2"]  # JSON keeps the value


async def test_nul_and_bidi_overrides_are_stripped_at_ingest(
    client: TestClientProtocol, db: Database
) -> None:
    body = {
        "url": f"https://{SITE}/pay\u202eevil\u2066",
        "event_type": "Sign\x00up",
        "data": {"pl\u202dan": "pro\u2069"},
    }
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202
    (row,) = await wait_for_rows(db, 1)
    assert (row["pathname"], row["name"]) == ("/payevil", "Signup")
    assert "plan" in row["props"] and "pro" in row["props"] and "\u2069" not in row["props"]


def test_invisible_characters_are_stripped_in_every_encoding() -> None:
    """Raw UTF-8, JSON \\u escapes (either case) and msgpack: the fast path that skips clean
    JSON bodies must not let any of them through."""
    import msgpack

    from app.ingest.wire import decode

    bodies = [
        ('{"url": "https://a.example/x\u202eevil"}'.encode(), "application/json"),
        (b'{"url": "https://a.example/x\\u202Eevil\\u0000"}', "application/json"),
        (b'{"url": "https://a.example/x\\u2069evil"}', "text/plain"),
        (msgpack.packb({"url": "https://a.example/x\u2066evil\x00"}), "application/msgpack"),
    ]
    for body, content_type in bodies:
        assert decode(body, content_type)[0].url == "https://a.example/xevil", body
    clean = decode(b'{"url": "https://a.example/\\u00e9t\\u00e9"}', "application/json")[0]
    assert clean.url == "https://a.example/\u00e9t\u00e9"  # other escapes untouched
