"""How `mcstate run` reports: one line per activity (status, duration, import counts), the first failing
rows of an import and the steps of an automation under it; or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mcstate.render.safe import printable
from mcstate.runner import ActivityRun


def _counts(run: ActivityRun) -> str:
    if not run.counts:
        return ""
    c = run.counts
    return (
        f" - total {c['total']}, successful {c['successful']}, errors {c['errors']}, "
        f"duplicates {c['duplicates']}"
    )


def render_text(runs: Sequence[ActivityRun]) -> str:
    lines: list[str] = []
    for run in runs:
        status = run.status if run.ok or run.status != "completed" else "completed with errors"
        duration = f" in {run.seconds:.1f} s" if run.status not in ("started", "refused") else ""
        task = f" (task {run.task_id})" if run.task_id and run.status == "started" else ""
        lines.append(printable(f"{run.kind}.{run.key}: {status}{duration}{task}{_counts(run)}"))
        if run.message and not run.ok:
            lines.append(printable(f"  {run.message}"))
        for row in run.row_errors:
            lines.append(printable(f"  {row}"))
        if run.more_row_errors:
            where = f" (AsyncActivityStatus of task {run.task_id})" if run.task_id else ""
            lines.append(f"  ... and {run.more_row_errors} more failing row(s){where}")
        for step in run.steps:
            detail = f": {step['message']}" if step["status"] != "completed" and step["message"] else ""
            lines.append(
                printable(f"  step {step['step']} {step['key'] or step['name']}: {step['status']}{detail}")
            )
    done = sum(1 for run in runs if run.ok)
    started = all(run.status == "started" for run in runs)
    if started:
        lines.append(f"{len(runs)} activit{'y' if len(runs) == 1 else 'ies'} started.")
    else:
        lines.append(f"{done} of {len(runs)} activit{'y' if len(runs) == 1 else 'ies'} completed.")
    return "\n".join(lines) + "\n"


def render_json(runs: Sequence[ActivityRun]) -> str:
    value = {
        "activities": [
            {
                "kind": run.kind,
                "key": run.key,
                "status": run.status,
                "ok": run.ok,
                "seconds": round(run.seconds, 3),
                "task_id": run.task_id,
                "message": run.message,
                "counts": run.counts,
                "row_errors": run.row_errors,
                "more_row_errors": run.more_row_errors,
                "steps": run.steps,
            }
            for run in runs
        ],
        "completed": all(run.ok for run in runs),
    }
    return json.dumps(value, indent=2) + "\n"
