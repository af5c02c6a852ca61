"""Revenue: an amount in a currency, stored exactly and summed per currency.

Amounts are stored as canonical decimal strings (`events.revenue_amount`, "10.29", "-5",
"0.001") with an ISO 4217-shaped currency (`events.revenue_currency`, "EUR"): a decimal string
needs no table of each currency's minor unit (JPY has none, KWD three) and reads back as the
`Decimal` it was. Sums are `Decimal` sums per currency, never floats and never across
currencies (Pulse converts no money). Bounds: |amount| < 10^15 with at most 6 decimals (24
characters at most), so every stored amount is exact and a month's sum stays exact too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

_CURRENCY = re.compile(r"[A-Za-z]{3}")
MAX_DECIMALS = 6
LIMIT = Decimal(10) ** 15
# Averages keep at least cents, or the amounts' own finer scale.
MIN_AVERAGE_DECIMALS = 2


class RevenueError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def amount(value: Any) -> str:
    """`value` (a number or a decimal string) as the canonical string, or RevenueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RevenueError("amount must be a number or a decimal string", "amount")
    try:
        # str(float) is the shortest text that reads back as the float: 10.29, not 10.28999...
        parsed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RevenueError(f"amount {value!r} is not a decimal number", "amount") from None
    if not parsed.is_finite() or abs(parsed) >= LIMIT:
        raise RevenueError("amount must be finite and below 10^15", "amount")
    if parsed != parsed.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        raise RevenueError(f"amount has more than {MAX_DECIMALS} decimals", "amount")
    return _text(parsed)


def currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip()):
        raise RevenueError("currency must be a 3-letter ISO 4217 code", "currency")
    return value.strip().upper()


def parse(raw: Any) -> tuple[str, str]:
    """`{"amount": 10.29, "currency": "eur"}` -> ("10.29", "EUR"), or RevenueError naming the
    field (`amount`, `currency`, or `revenue` for a value that is no object)."""
    if not isinstance(raw, dict):
        raise RevenueError("revenue must be an object {amount, currency}", "revenue")
    return amount(raw.get("amount")), currency(raw.get("currency"))


def lenient(raw: Any) -> tuple[str, str] | None:
    """`parse`, with an invalid revenue ignored (Plausible's and Umami's rule)."""
    try:
        return parse(raw)
    except RevenueError:
        return None


def _text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def per_currency(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, tuple[Decimal, int]]:
    """(currency, amount) rows -> {currency: (exact sum, number of amounts)}; rows without
    revenue are skipped."""
    return per_currency_counted((code, text, 1) for code, text in pairs)


def per_currency_counted(
    rows: Iterable[tuple[str | None, str | None, int]],
) -> dict[str, tuple[Decimal, int]]:
    """(currency, amount, how many) rows -> as per_currency: the database groups equal amounts
    (a shop's prices are few), so Python multiplies instead of adding each (48k amounts of a
    30-day report at 10M events become a handful of rows). Exact: a Decimal times a count keeps
    the amount's scale, as repeated addition does."""
    sums: dict[str, tuple[Decimal, int]] = {}
    for code, text, times in rows:
        if code is None or text is None:
            continue
        total, n = sums.get(code, (Decimal(0), 0))
        sums[code] = (total + Decimal(text) * times, n + times)
    return sums


def average(total: Decimal, n: int) -> Decimal:
    """The mean, rounded half-even to the amounts' scale (at least cents)."""
    exponent = total.as_tuple().exponent
    scale = max(MIN_AVERAGE_DECIMALS, -exponent if isinstance(exponent, int) else 0)
    return (total / n).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)


def as_list(sums: dict[str, tuple[Decimal, int]]) -> list[dict[str, Any]]:
    """The goal report's `revenue`: one {currency, total, average, events} per currency."""
    return [
        {"currency": code, "total": _text(total), "average": _money(average(total, n)),
         "events": n}
        for code, (total, n) in sorted(sums.items())
    ]  # fmt: skip


def totals_and_averages(
    sums: dict[str, tuple[Decimal, int]],
) -> tuple[dict[str, str], dict[str, str]]:
    """A breakdown row's `total_revenue` and `average_revenue`: {currency: amount}."""
    ordered = sorted(sums.items())
    return (
        {code: _text(total) for code, (total, _) in ordered},
        {code: _money(average(total, n)) for code, (total, n) in ordered},
    )


def _money(value: Decimal) -> str:
    """An average keeps its cents ("14.50"): it is a rounded figure, shown at its scale."""
    return format(value, "f")
