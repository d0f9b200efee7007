"""The record each started activity leaves: what a client polls (AsyncActivityStatus) and what an
automation instance lists per activity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mcstate.emulator.rules import ASYNC_STATUS_COMPLETE
from mcstate.emulator.run.clock import now
from mcstate.emulator.run.queries import QueryRun
from mcstate.emulator.store import Store


@dataclass(frozen=True)
class Started:
    """How a started activity ended: its task ID, whether it succeeded, and the service's words."""

    task_id: str
    ok: bool
    message: str
    code: int | None = None  # the service's error code, when the start itself failed


def record_run(
    store: Store,
    *,
    object_type: str,
    object_id: str,
    customer_key: str,
    name: str,
    status: str,
    message: str,
    error: str | None,
    start: datetime,
    end: datetime,
    processed: int = 0,
    instance_id: str | None = None,
    task_id: str | None = None,
) -> str:
    """Keep a finished run; its task ID (a new one unless given)."""
    task_id = task_id or str(uuid.uuid4())
    store.add_activity_run(
        {
            "task_id": task_id,
            "object_type": object_type,
            "object_id": object_id,
            "customer_key": customer_key,
            "name": name,
            "status": status,
            "status_message": message,
            "error_message": error,
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "processed": processed,
            "instance_id": instance_id,
        }
    )
    return task_id


def record_rows_run(
    store: Store,
    run: QueryRun,
    *,
    object_type: str,
    object_id: str,
    customer_key: str,
    name: str,
    start: datetime,
    instance_id: str | None = None,
) -> Started:
    """Keep how a run that writes rows (a query, a filter activity) ended."""
    message = run.error or f"{run.rows} rows"
    task_id = record_run(
        store,
        object_type=object_type,
        object_id=object_id,
        customer_key=customer_key,
        name=name,
        status=run.status,
        message=message,
        error=run.error,
        start=start,
        end=now(store),
        processed=run.rows,
        instance_id=instance_id,
    )
    return Started(task_id, run.status == ASYNC_STATUS_COMPLETE, message)
