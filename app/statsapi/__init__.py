"""Plausible's Stats API (v1 `GET /api/v1/stats/*`, v2 `POST /api/v2/query`) answered by Pulse's
own report queries (app/queries): this package only translates — Plausible's periods, property
names, metrics and filters into a Pulse `Scope` and report calls, and Pulse's answers into
Plausible's response shapes. What Pulse cannot answer exactly is a 400 naming the field, never
an approximate number.

    vocabulary.py  properties <-> Pulse dimensions, metrics <-> Pulse metrics, StatsApiError
    periods.py     period/date (v1) and date_range (v2) -> Pulse period values
    filters.py     v1 filter strings and v2 filter trees -> Pulse `Filter`s
    answers.py     aggregate, timeseries, breakdown, realtime: the Pulse queries, Plausible shapes
    v2.py          the v2 query body -> one of the answers above -> results rows
"""
