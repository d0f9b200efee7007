"""The record each started activity leaves: what a client polls (AsyncActivityStatus) and what an
automation instance lists per activity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

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
