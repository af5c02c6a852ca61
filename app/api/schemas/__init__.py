"""Response bodies of the API as msgspec types: the handlers encode through them
(app/api/contract.py `json_response`) and /openapi.json shows their JSON Schemas. reports.py:
the report endpoints; accounts.py: /api/me, admin, goals; service.py: health, ingest, the
original API, realtime."""
