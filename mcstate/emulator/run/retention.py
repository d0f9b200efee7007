"""Data retention, applied as the account's clock moves: a data extension with row-based retention
(individual records) loses the rows written longer ago than its period; one with all-records retention
loses all its rows when the period since its creation (or, with reset on import, since its last write)
has passed, or once RetainUntil is reached — and the data extension itself too when it is to be deleted
at the end of retention."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from mcstate.emulator import rules
from mcstate.emulator.model import DataExtension
from mcstate.emulator.store import Store


def _minus(moment: datetime, length: int, unit: int) -> datetime:
    """`moment` less `length` retention units (3 days, 4 weeks, 5 months, 6 years)."""
    if unit == 3:
        return moment - timedelta(days=length)
    if unit == 4:
        return moment - timedelta(weeks=length)
    months = length * (12 if unit == 6 else 1)
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def apply_retention(store: Store, now: datetime) -> dict[str, int]:
    """Apply every data extension's retention at `now`; rows deleted per data extension key."""
    deleted: dict[str, int] = {}
    for de in store.data_extensions_with_retention():
        removed = _apply(store, de, now)
        if removed:
            deleted[de.customer_key] = removed
    return deleted


def _apply(store: Store, de: DataExtension, now: datetime) -> int:
    until = _retain_until(de.retain_until)
    if de.retention_length and de.retention_unit in rules.RETENTION_UNITS:
        cutoff = _minus(now, de.retention_length, de.retention_unit)
        if de.row_based_retention:
            return store.delete_rows_written_before(de.object_id, cutoff)
        start = (store.last_written(de.object_id) if de.reset_retention_on_import else None) or de.created
        expired = start <= cutoff
    else:
        expired = until is not None and until <= now
    if not expired:
        return 0
    count = store.count_rows(de.object_id)
    if de.delete_at_end_of_retention:
        store.delete_data_extension(de.object_id)
    else:
        store.delete_rows_of(de.object_id)
    return count


def _retain_until(text: str) -> datetime | None:
    for pattern in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None
