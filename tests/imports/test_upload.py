"""POST /api/v1/sites/{site}/imports: the same importer over a multipart upload; list; delete."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from app.api import imports as import_api
from app.settings import Settings
from tests.conftest import add_sites
from tests.imports.fixture import SUFFIX, TABLES, zip_bytes
from tests.imports.support import SITE, imported_rows, report

URL = f"/api/v1/sites/{SITE}/imports"


async def _upload(client: Any, content: bytes, name: str, source: str = "plausible") -> Any:
    upload = FileStorage(io.BytesIO(content), filename=name, content_type="application/zip")
    return await client.post(
        URL, form={"source": source}, files={"file": upload}, headers=client._headers
    )


async def test_upload_list_and_delete(migrated: Settings, client: Any) -> None:
    await add_sites(migrated, SITE)
    made = await _upload(client, zip_bytes(), "export.zip")
    body = await made.get_json()
    assert made.status_code == 201, body
    assert (body["days"], body["rows"], body["skipped_days"]) == (3, 31, [])
    assert body["files"][0] == f"export.zip/imported_browsers{SUFFIX}.csv"
    assert (await report(client, "summary"))["metrics"]["visitors"]["value"] == 16
    listed = await (await client.get(URL)).get_json()
    assert [i["id"] for i in listed["imports"]] == [body["id"]]
    gone = await client.delete(f"{URL}/{body['id']}", headers=client._headers)
    assert gone.status_code == 204
    assert imported_rows(migrated) == 0
    again = await client.delete(f"{URL}/{body['id']}", headers=client._headers)
    assert again.status_code == 404


async def test_bad_uploads_name_the_problem(
    migrated: Settings, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_sites(migrated, SITE)
    broken = {**TABLES, "imported_visitors": TABLES["imported_visitors"].replace(",12,", ",x,")}
    answer = await _upload(client, zip_bytes(broken), "export.zip")
    body = await answer.get_json()
    assert answer.status_code == 400
    assert body["field"] == "file"
    assert body["error"].startswith(
        f"export.zip/imported_visitors{SUFFIX}.csv, line 2, column 5: 'x' is not a whole number"
    )
    assert imported_rows(migrated) == 0
    wrong = await _upload(client, zip_bytes(), "export.zip", source="matomo")
    assert (await wrong.get_json())["field"] == "source"
    monkeypatch.setattr(import_api, "MAX_UPLOAD_BYTES", 1000)
    big = await _upload(client, zip_bytes(), "export.zip")
    assert big.status_code == 413
    assert imported_rows(migrated) == 0
