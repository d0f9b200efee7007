"""Running activities on a target: each started with the service's own call (SOAP Perform Start), then
polled through the objects the service reports status in, until it finished or the time is up.

    ImportDefinition   Perform by CustomerKey; ImportResultsSummary by TaskResultID (counts), and the
                       failing rows from AsyncActivityStatus by the same task ID when the target keeps them
    QueryDefinition    Perform by ObjectID (the documentation requires it); AsyncActivityStatus by TaskID
    FilterActivity     Perform by ObjectID; AsyncActivityStatus by TaskID
    DataExtract        Perform DataExtractActivity by CustomerKey; AsyncActivityStatus by TaskID
    FileTransfer       Perform FileTransferActivity by CustomerKey; AsyncActivityStatus by TaskID
    Automation         Perform by ObjectID; AutomationInstance by AutomationID (the instance that is new)

The engine returns values (ActivityRun); views render them (render/run_view.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcstate.client.account import AccountClient
from mcstate.client.filters import Complex, Filter, equals
from mcstate.errors import ConfigError
from mcstate.import_record import AlreadyImported, ImportGuard
from mcstate.resources.base import SoapObject

KINDS = ("ImportDefinition", "QueryDefinition", "FilterActivity", "DataExtract", "FileTransfer", "Automation")
PERFORMED_AS = {"DataExtract": "DataExtractActivity", "FileTransfer": "FileTransferActivity"}
BY_OBJECT_ID = frozenset({"QueryDefinition", "FilterActivity", "Automation"})
ROW_ERRORS_SHOWN = 5
FIRST_POLL_SECONDS = 1.0
LONGEST_POLL_SECONDS = 30.0

COMPLETED, ERROR, STARTED, TIMEOUT, REFUSED = "completed", "error", "started", "timeout", "refused"


@dataclass
class ActivityRun:
    kind: str
    key: str
    status: str = STARTED
    seconds: float = 0.0
    message: str = ""
    task_id: str | None = None
    counts: dict[str, int] | None = None  # imports: total, successful, errors, duplicates
    row_errors: list[str] = field(default_factory=list)
    more_row_errors: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)  # automations: every activity of the instance

    @property
    def ok(self) -> bool:
        if self.status != COMPLETED:
            return False
        return not (self.counts and self.counts.get("errors"))


def parse_activity(text: str) -> tuple[str, str]:
    """KIND.KEY, the kind in any case; ConfigError naming the kinds when it is not one."""
    kind_text, dot, key = text.partition(".")
    kind = next((k for k in KINDS if k.casefold() == kind_text.casefold()), None)
    if not dot or not key or kind is None:
        raise ConfigError(f"{text}: name an activity as KIND.KEY, KIND one of {', '.join(KINDS)}")
    return kind, key


def _properties(item: Mapping[str, Any]) -> dict[str, str]:
    """An ObjectExtension result's name/value properties."""
    found = (item.get("Properties") or {}).get("Property") or []
    return {str(p.get("Name")): str(p.get("Value") or "") for p in found}


def _both(left: Filter, right: Filter) -> Filter:
    return Complex(left, "AND", right)


class Runner:
    def __init__(
        self,
        client: AccountClient,
        *,
        timeout: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        guard: ImportGuard | None = None,
    ) -> None:
        self.client = client
        self.guard = guard
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock

    # -- starting ------------------------------------------------------------------------------------

    def _object_id(self, kind: str, key: str) -> str:
        if kind == "QueryDefinition":
            found = self.client.retrieve(
                kind,
                ["ObjectID", "CustomerKey"],
                _both(equals("CustomerKey", key), equals("Status", "Active")),
            )
        else:
            found = self.client.retrieve(kind, ["ObjectID", "CustomerKey"], equals("CustomerKey", key))
        if not found or not found[0].get("ObjectID"):
            raise ConfigError(f"{kind}.{key}: the target has no {kind} with this key")
        return str(found[0]["ObjectID"])

    def start(self, kind: str, key: str) -> tuple[ActivityRun, dict[str, Any]]:
        """Start one activity; the run so far and what polling it needs."""
        run = ActivityRun(kind, key)
        context: dict[str, Any] = {"began": self.clock()}
        if kind in BY_OBJECT_ID:
            object_id = self._object_id(kind, key)
            context["object_id"] = object_id
            identity = {"ObjectID": object_id}
        else:
            identity = {"CustomerKey": key}
        if kind == "Automation":
            context["known"] = {i.get("ObjectID") for i in self._instances(context["object_id"])}
        answer = self.client.perform(SoapObject(PERFORMED_AS.get(kind, kind), identity))
        run.task_id = answer.task_id
        if not answer.ok:
            run.status = ERROR
            code = f"{answer.code}: " if answer.code is not None else ""
            run.message = f"the service refused to start it ({code}{answer.message})"
        return run, context

    # -- waiting -------------------------------------------------------------------------------------

    def wait(self, run: ActivityRun, context: dict[str, Any]) -> ActivityRun:
        if run.status == ERROR:
            run.seconds = self.clock() - context["began"]
            return run
        pause = FIRST_POLL_SECONDS
        while True:
            if self._poll(run, context):
                break
            if self.clock() - context["began"] >= self.timeout:
                run.status = TIMEOUT
                run.message = run.message or f"not finished after {self.timeout:g} s"
                break
            self.sleep(pause)
            pause = min(pause * 2, LONGEST_POLL_SECONDS)
        run.seconds = self.clock() - context["began"]
        return run

    def _poll(self, run: ActivityRun, context: dict[str, Any]) -> bool:
        """Read the status once; True when the run has finished (run updated)."""
        if run.kind == "ImportDefinition":
            return self._poll_import(run)
        if run.kind == "Automation":
            return self._poll_automation(run, context)
        return self._poll_async(run)

    def _async_status(self, task_id: str) -> dict[str, str] | None:
        found = self.client.retrieve(
            "AsyncActivityStatus",
            ["TaskID", "Status", "ErrorMsg", "StatusMessage"],
            equals("TaskID", task_id),
        )
        return _properties(found[0]) if found else None

    def _poll_async(self, run: ActivityRun) -> bool:
        if not run.task_id:
            run.status, run.message = COMPLETED, "started (the service gave no task to follow)"
            return True
        status = self._async_status(run.task_id)
        if status is None:
            return False
        state = status.get("Status", "").casefold()
        if state in ("complete", "completed"):
            run.status, run.message = COMPLETED, status.get("StatusMessage", "")
            return True
        if state in ("error", "failed", "canceled", "cancelled"):
            run.status = ERROR
            run.message = status.get("ErrorMsg") or status.get("StatusMessage", "")
            return True
        return False

    def _poll_import(self, run: ActivityRun) -> bool:
        if not run.task_id:
            return False
        found = self.client.retrieve(
            "ImportResultsSummary",
            ["ImportStatus", "TotalRows", "NumberSuccessful", "NumberErrors", "NumberDuplicated"],
            equals("TaskResultID", run.task_id),
        )
        if not found:
            return False  # not started yet: the service answers nothing until then
        summary = found[0]
        state = str(summary.get("ImportStatus") or "")
        if state not in ("Completed", "Error"):
            return False
        run.counts = {
            "total": int(summary.get("TotalRows") or 0),
            "successful": int(summary.get("NumberSuccessful") or 0),
            "errors": int(summary.get("NumberErrors") or 0),
            "duplicates": int(summary.get("NumberDuplicated") or 0),
        }
        run.status = COMPLETED if state == "Completed" else ERROR
        detail = self._async_status(run.task_id)
        message = (detail or {}).get("ErrorMsg", "")
        rows = [part.strip() for part in message.split(";") if part.strip()]
        failing = [row for row in rows if row.startswith("row ")]
        run.row_errors = failing[:ROW_ERRORS_SHOWN]
        run.more_row_errors = max(run.counts["errors"] - len(run.row_errors), 0)
        if run.status == ERROR and not failing:
            run.message = message or "the import failed"
        return True

    def _instances(self, automation_id: str) -> list[dict[str, Any]]:
        return self.client.retrieve(
            "AutomationInstance",
            ["ObjectID", "Status", "StatusMessage", "StartTime", "CompletedTime", "TaskInstances"],
            equals("AutomationID", automation_id),
        )

    def _poll_automation(self, run: ActivityRun, context: dict[str, Any]) -> bool:
        fresh = [
            i for i in self._instances(context["object_id"]) if i.get("ObjectID") not in context["known"]
        ]
        if not fresh:
            return False
        instance = fresh[-1]
        status = int(instance.get("Status") or 0)
        if status == 3:  # Running
            return False
        run.task_id = str(instance.get("ObjectID"))
        run.status = COMPLETED if status != -1 else ERROR
        run.message = str(instance.get("StatusMessage") or "")
        run.steps = _steps(instance)
        return True

    def run_all(
        self,
        activities: list[tuple[str, str]],
        *,
        wait: bool = True,
        on_start: Callable[[str, str], None] | None = None,
    ) -> list[ActivityRun]:
        """Start each activity in order, waiting for one to finish before the next (unless not `wait`);
        `on_start` is told of each activity as it starts (a progress display)."""
        runs: list[ActivityRun] = []
        for kind, key in activities:
            if on_start is not None:
                on_start(kind, key)
            imported = None
            if kind == "ImportDefinition" and self.guard is not None:
                try:
                    imported = self.guard.check(key)
                except AlreadyImported as refused:
                    runs.append(ActivityRun(kind, key, REFUSED, message=str(refused)))
                    continue
            run, context = self.start(kind, key)
            runs.append(self.wait(run, context) if wait else run)
            if imported is not None and self.guard is not None and runs[-1].ok:
                self.guard.record(imported)
        return runs


def _steps(instance: Mapping[str, Any]) -> list[dict[str, Any]]:
    tasks = (instance.get("TaskInstances") or {}).get("AutomationTaskInstance") or []
    steps = []
    for number, task in enumerate(tasks if isinstance(tasks, list) else [tasks], start=1):
        activities = (task.get("ActivityInstances") or {}).get("ActivityInstance") or []
        for activity in activities if isinstance(activities, list) else [activities]:
            target = activity.get("ActivityObject") or {}
            status = int(activity.get("Status") or 0)
            steps.append(
                {
                    "step": int(task.get("Sequence") or number),
                    "name": str(activity.get("Name") or ""),
                    "key": str(target.get("CustomerKey") or ""),
                    "status": COMPLETED if status == 2 else ERROR if status == -1 else str(status),
                    "message": str(activity.get("StatusMessage") or ""),
                }
            )
    return steps
