"""The applier: carries out a Plan with the fewest write calls, in dependency order.

Changes are grouped into levels (a change comes after the changes it depends on); within a level the steps
of one phase and operation go out together in batched calls of one kind. Deletes of objects no definition
declares (--prune) come last, in reverse dependency order: a delete comes after the deletes of the objects
that depend on it. A failed object stops only the changes that depend on it (for a delete: the deletes of
what it depends on); every failure is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mcstate.errors import McstateError, ObjectFailure, PlanRefused
from mcstate.plan import Change, Plan
from mcstate.planner import record_only
from mcstate.resources import REGISTRY
from mcstate.resources.base import ApplyContext, Operation, RestRequest, SoapObject, Step, WriteResult

OPERATION_ORDER: tuple[Operation, ...] = ("delete", "create", "update")


class Writer(Protocol):
    def write(self, operation: Operation, objects: Sequence[SoapObject]) -> list[WriteResult]: ...

    def send(self, request: RestRequest) -> WriteResult: ...


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    failures: list[McstateError] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.skipped


def check_allowed(plan: Plan, allow_destructive: bool) -> None:
    protected_deletes = [c for c in plan.destructive if c.protected and c.action == "delete"]
    if protected_deletes:
        lines = [f"  {c.kind} {c.key}" for c in protected_deletes]
        raise PlanRefused(
            "the plan deletes objects whose last applied definition said prevent_destroy; nothing was "
            "applied (--allow-destructive does not override it).\n"
            + "\n".join(lines)
            + "\nTo delete one, first apply a definition of it without prevent_destroy, then remove the "
            "definition and run with --prune."
        )
    protected = [c for c in plan.destructive if c.protected]
    if protected:
        lines = [f"  {c.kind} {c.key}: {reason}" for c in protected for reason in c.destructive_reasons]
        raise PlanRefused(
            "the plan destroys data of objects whose definition says prevent_destroy; nothing was applied.\n"
            + "\n".join(lines)
            + "\nChange the definitions so the change is not destructive, or remove prevent_destroy first."
        )
    if plan.destructive and not allow_destructive:
        lines = [
            f"  {c.kind} {c.key}: {reason}" for c in plan.destructive for reason in c.destructive_reasons
        ]
        raise PlanRefused(
            "the plan contains destructive changes; nothing was applied.\n"
            + "\n".join(lines)
            + "\nChange the definitions, or run apply with --allow-destructive to accept the data loss."
        )


def apply_plan(plan: Plan, writer: Writer, *, allow_destructive: bool = False) -> ApplyReport:
    check_allowed(plan, allow_destructive)
    context = ApplyContext()
    for known_address, ids in plan.known_ids.items():
        kind, _, key = known_address.partition(":")
        context.remember(kind, key, ids)
    report = ApplyReport()
    failed: set[str] = set()
    deletes = [c for c in plan.changes if c.action == "delete"]
    dependents = _dependents(deletes)
    others = [c for c in plan.changes if c.action != "delete"]
    levels = [*_levels(others), *_delete_levels(deletes, dependents)]
    for level in levels:
        runnable: list[Change] = []
        for change in level:
            if change.action == "delete":
                # An object still used by one whose delete failed stays too.
                waits_for = [d.address for d in dependents.get(change.address, [])]
            else:
                waits_for = list(change.depends_on)
            blocker = next((d for d in waits_for if d in failed), None)
            if blocker is None:
                runnable.append(change)
            else:
                failed.add(change.address)
                report.skipped.append(change)
        # A change of the record alone (prevent_destroy) is written with the manifest, after apply.
        steps = [
            step
            for change in runnable
            if not record_only(change)
            for step in REGISTRY[change.kind].steps(change, context)
        ]
        for phase in sorted({s.phase for s in steps}):
            for operation in OPERATION_ORDER:
                batch = [
                    s
                    for s in steps
                    if s.phase == phase and s.operation == operation and s.change.address not in failed
                ]
                soap = [s for s in batch if isinstance(s.object, SoapObject)]
                if soap:
                    _send(soap, operation, writer, report, failed, context)
                for step in batch:
                    if isinstance(step.object, RestRequest) and step.change.address not in failed:
                        _record(step, writer.send(step.object), report, failed, context)
        report.applied.extend(c for c in runnable if c.address not in failed)
    return report


def _send(
    batch: list[Step],
    operation: Operation,
    writer: Writer,
    report: ApplyReport,
    failed: set[str],
    context: ApplyContext,
) -> None:
    results = writer.write(operation, [s.object for s in batch if isinstance(s.object, SoapObject)])
    for step, result in zip(batch, results, strict=True):
        _record(step, result, report, failed, context)


def _record(
    step: Step, result: WriteResult, report: ApplyReport, failed: set[str], context: ApplyContext
) -> None:
    if not result.ok:
        failed.add(step.change.address)
        report.failures.append(ObjectFailure(step.change.kind, step.change.key, result.code, result.message))
        return
    # Objects created a moment ago are referred to by their new identifiers (folder IDs, ObjectIDs).
    learnt = {"id": result.new_id, "object_id": result.new_object_id}
    if step.operation == "create":
        context.remember(
            step.change.kind, step.change.key, {k: v for k, v in learnt.items() if v not in (None, 0, "")}
        )
    if step.on_success is not None:
        step.on_success(result)


def _levels(changes: Sequence[Change]) -> list[list[Change]]:
    """Groups of changes that can be sent together: kinds in registry (dependency) order, and within a
    kind, by depth of the references between objects of that kind (nested folders)."""
    kinds = list(REGISTRY)
    by_address = {c.address.casefold(): c for c in changes}
    depth: dict[str, int] = {}

    def depth_of(change: Change, trail: frozenset[str] = frozenset()) -> int:
        name = change.address.casefold()
        if name not in depth:
            same_kind = [
                by_address[d.casefold()]
                for d in change.depends_on
                if d.casefold() in by_address
                and by_address[d.casefold()].kind == change.kind
                and d.casefold() not in trail
            ]
            depth[name] = 1 + max((depth_of(d, trail | {name}) for d in same_kind), default=-1)
        return depth[name]

    grouped: dict[tuple[int, int], list[Change]] = {}
    for change in changes:
        grouped.setdefault((kinds.index(change.kind), depth_of(change)), []).append(change)
    return [grouped[level] for level in sorted(grouped)]


def _dependents(deletes: Sequence[Change]) -> dict[str, list[Change]]:
    """For each deleted object, the deleted objects that refer to it (by address)."""
    by_address = {c.address.casefold(): c.address for c in deletes}
    found: dict[str, list[Change]] = {}
    for change in deletes:
        for target in change.depends_on:
            if target.casefold() in by_address:
                found.setdefault(by_address[target.casefold()], []).append(change)
    return found


def _delete_levels(deletes: Sequence[Change], dependents: dict[str, list[Change]]) -> list[list[Change]]:
    """Deletes in reverse dependency order: an object's delete comes after the deletes of the objects that
    refer to it; objects at the same height go together, later kinds of the registry first (a kind only
    refers to kinds registered before it), so one level is one batched call per kind."""
    kinds = list(REGISTRY)
    height: dict[str, int] = {}

    def height_of(change: Change, trail: frozenset[str] = frozenset()) -> int:
        if change.address not in height:
            above = [d for d in dependents.get(change.address, []) if d.address not in trail]
            height[change.address] = 1 + max(
                (height_of(d, trail | {change.address}) for d in above), default=-1
            )
        return height[change.address]

    grouped: dict[tuple[int, int], list[Change]] = {}
    for change in deletes:
        grouped.setdefault((height_of(change), -kinds.index(change.kind)), []).append(change)
    return [grouped[level] for level in sorted(grouped)]
