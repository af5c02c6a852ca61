"""Imported history (issue 18): another tool's export read into daily aggregates.

`plausible.py` reads Plausible's CSV export (the `imported_*.csv` tables, or the ZIP holding
them), `umami.py` Umami's raw `website_event` CSV, which it folds per local day into the same
tables; `store.py` writes one import in one transaction (native data wins per day), lists and
removes imports; `cli.py` is `pulse import ...`. Reports read them through app/queries/imported.py.
"""
