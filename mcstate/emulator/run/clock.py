"""The emulated account's clock: the service's time, which can be set and advanced.

By default it is the real time on the service's zone (rules.server_now). Set, it either stands still at the
moment given (frozen: tests and `mcstate test` see the same time on every call) or runs on from it. It is
kept with the account, so every process serving one database reads the same time. File-name placeholders,
GETDATE() and the schedules of automations read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mcstate.emulator import rules
from mcstate.emulator.store import Store

SETTING = "clock"


@dataclass(frozen=True)
class ClockState:
    now: datetime
    frozen: bool
    set: bool  # False: the real time


def state(store: Store) -> ClockState:
    text = _enterprise(store).setting(SETTING)
    real = rules.server_now()
    if text is None:
        return ClockState(real, frozen=False, set=False)
    value = json.loads(text)
    if value.get("frozen") is not None:
        return ClockState(datetime.fromisoformat(value["frozen"]), frozen=True, set=True)
    return ClockState(real + timedelta(seconds=float(value["offset"])), frozen=False, set=True)


def now(store: Store) -> datetime:
    return state(store).now


def set_clock(store: Store, moment: datetime | None, *, frozen: bool = True) -> ClockState:
    """Set the clock to `moment` (None: back to the real time); standing still there when frozen."""
    store = _enterprise(store)
    if moment is None:
        store.set_setting(SETTING, None)
    elif frozen:
        store.set_setting(SETTING, json.dumps({"frozen": moment.isoformat()}))
    else:
        offset = (moment - rules.server_now()).total_seconds()
        store.set_setting(SETTING, json.dumps({"offset": offset}))
    return state(store)


def _enterprise(store: Store) -> Store:
    """Where the clock is kept: one clock for the enterprise, in the parent business unit."""
    return store.parent or store


def advance(store: Store, delta: timedelta) -> ClockState:
    current = state(store)
    return set_clock(store, current.now + delta, frozen=current.frozen or not current.set)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment on the service's clock (no zone), e.g. 2026-01-05T02:00:00. ValueError if not."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is not None:
        moment = (moment.astimezone(UTC) + rules.SERVER_UTC_OFFSET).replace(tzinfo=None)
    return moment
