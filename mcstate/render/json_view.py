"""The plan as JSON (format_version 1): stable, machine-readable, the artifact CI keeps."""

from __future__ import annotations

import json
from typing import Any

from mcstate.plan import FORMAT_VERSION, Plan


def plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": plan.target,
        "changes": [
            {
                "kind": c.kind,
                "key": c.key,
                "action": c.action,
                "destructive": c.destructive,
                "prevent_destroy": c.protected,
                "destructive_reasons": list(c.destructive_reasons),
                "warnings": list(c.warnings),
                "attributes": [{"path": a.path, "before": a.before, "after": a.after} for a in c.attributes]
                if c.action != "create"
                else [
                    {"path": name, "before": None, "after": value} for name, value in (c.after or {}).items()
                ],
            }
            for c in plan.changes
        ],
        "notes": [{"kind": n.kind, "key": n.key, "message": n.message} for n in plan.notes],
        "warnings": [{"kind": n.kind, "key": n.key, "message": n.message} for n in plan.warnings],
        "summary": plan.summary(),
    }


def render_plan(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False) + "\n"
