"""The applier: carries out a Plan with the fewest write calls, in dependency order.

Changes are grouped into levels (a change comes after the changes it depends on); within a level the steps
of one phase and operation go out together in batched calls of one kind. Deletes of objects no definition
declares (--prune) come last, in reverse dependency order: a delete comes after the deletes of the objects
that depend on it. A failed object stops only the changes that depend on it (for a delete: the deletes of
what it depends on); every failure is reported.

A write whose outcome is unknown (the connection dropped after the request went out: UnknownOutcome) is
never sent again blindly. Once the other writes of its level are done, the account is read again (`replan`)
and only what is still missing or different is sent, a bounded number of times. A create refused because
the key is taken is checked the same way: when the fresh read finds the object as defined, it was done.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from mcstate.errors import McstateError, ObjectFailure, PlanRefused, UnknownOutcome
from mcstate.plan import Change, Plan
from mcstate.planner import record_only
from mcstate.resources import REGISTRY
from mcstate.resources.base import ApplyContext, Later, Operation, RestRequest, SoapObject, Step, WriteResult

OPERATION_ORDER: tuple[Operation, ...] = ("delete", "create", "update")
# How often, per level, the account is read again to settle writes whose outcome is unknown.
SETTLE_ROUNDS = 3
# Result codes of a create refused because the key is taken (data extension, import, filter, folder, the
# general "already exists", REST): the object may be there already, from a write whose answer was lost.
DUPLICATE_CODES = frozenset({1, 310003, 43030, 373005, 396002, 10011})

# Reads the account again and plans the definitions against it; called with the addresses to settle.
Replan = Callable[[Collection[str]], Plan]


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


def check_protected(plan: Plan, outcome: str) -> None:
    """PlanRefused when the plan destroys an object (or its data) that prevent_destroy protects; `outcome`
    says what did not happen ("applied", "planned")."""
    protected_deletes = [c for c in plan.destructive if c.protected and c.action == "delete"]
    if protected_deletes:
        lines = [f"  {c.kind} {c.key}" for c in protected_deletes]
        raise PlanRefused(
            f"the plan deletes objects whose last applied definition said prevent_destroy; nothing was "
            f"{outcome} (--allow-destructive does not override it).\n"
            + "\n".join(lines)
            + "\nTo delete one, first apply a definition of it without prevent_destroy, then remove the "
            "definition and run with --prune."
        )
    protected = [c for c in plan.destructive if c.protected]
    if protected:
        lines = [f"  {c.kind} {c.key}: {reason}" for c in protected for reason in c.destructive_reasons]
        raise PlanRefused(
            "the plan destroys data of objects whose definition says prevent_destroy; nothing was "
            f"{outcome}.\n"
            + "\n".join(lines)
            + "\nChange the definitions so the change is not destructive, or remove prevent_destroy first."
        )


def check_allowed(plan: Plan, allow_destructive: bool) -> None:
    check_protected(plan, "applied")
    if plan.destructive and not allow_destructive:
        lines = [
            f"  {c.kind} {c.key}: {reason}" for c in plan.destructive for reason in c.destructive_reasons
        ]
        raise PlanRefused(
            "the plan contains destructive changes; nothing was applied.\n"
            + "\n".join(lines)
            + "\nChange the definitions, or run apply with --allow-destructive to accept the data loss."
        )


def apply_plan(
    plan: Plan, writer: Writer, *, allow_destructive: bool = False, replan: Replan | None = None
) -> ApplyReport:
    """Carry out the plan. Without `replan`, writes whose outcome is unknown are reported as failures."""
    check_allowed(plan, allow_destructive)
    context = ApplyContext()
    for known_address, ids in plan.known_ids.items():
        kind, _, key = known_address.partition(":")
        context.remember(kind, key, ids)
    run = _Run(writer, ApplyReport(), set(), context, replan, allow_destructive)
    for level, dependents in _all_levels(plan.changes):
        run.settle(run.level(level, dependents))
    return run.report


def _all_levels(changes: Sequence[Change]) -> list[tuple[list[Change], dict[str, list[Change]]]]:
    """The levels to apply in order, each with the deleted objects that refer to each deleted object."""
    deletes = [c for c in changes if c.action == "delete"]
    dependents = _dependents(deletes)
    others = [c for c in changes if c.action != "delete"]
    return [(level, dependents) for level in [*_levels(others), *_delete_levels(deletes, dependents)]]


@dataclass
class _Unsettled:
    """A change whose writes may or may not have been carried out, and what was reported for it."""

    change: Change
    failure: McstateError
    # A create refused because its key is taken (not a lost answer): if a fresh read still wants to create
    # the object, the refusal stands.
    duplicate: bool = False


@dataclass
class _Run:
    writer: Writer
    report: ApplyReport
    failed: set[str]
    context: ApplyContext
    replan: Replan | None
    allow_destructive: bool

    def level(self, level: Sequence[Change], dependents: dict[str, list[Change]]) -> list[_Unsettled]:
        """Send the writes of one level; returns the changes whose outcome is not known yet."""
        runnable: list[Change] = []
        for change in level:
            if change.action == "delete":
                # An object still used by one whose delete failed stays too.
                waits_for = [d.address for d in dependents.get(change.address, [])]
            else:
                waits_for = list(change.depends_on)
            blocker = next((d for d in waits_for if d in self.failed), None)
            if blocker is None:
                runnable.append(change)
            else:
                self.failed.add(change.address)
                self.report.skipped.append(change)
        # A change of the record alone (prevent_destroy) is written with the manifest, after apply.
        steps = [
            step
            for change in runnable
            if not record_only(change)
            for step in REGISTRY[change.kind].steps(change, self.context)
        ]
        unsettled: dict[str, _Unsettled] = {}
        for phase in sorted({s.phase for s in steps}):
            for operation in OPERATION_ORDER:
                batch = [
                    _built(s, self.context)
                    for s in steps
                    if s.phase == phase
                    and s.operation == operation
                    and s.change.address not in self.failed
                    and s.change.address not in unsettled
                ]
                soap = [s for s in batch if isinstance(s.object, SoapObject)]
                if soap:
                    self._send(soap, operation, unsettled)
                for step in batch:
                    if not isinstance(step.object, RestRequest) or step.change.address in self.failed:
                        continue
                    if step.change.address in unsettled:
                        continue
                    try:
                        result = self.writer.send(step.object)
                    except UnknownOutcome as unknown:
                        unsettled[step.change.address] = _Unsettled(step.change, _lost(step.change, unknown))
                        continue
                    self._record(step, result, unsettled)
        self.report.applied.extend(
            c for c in runnable if c.address not in self.failed and c.address not in unsettled
        )
        return list(unsettled.values())

    def settle(self, unsettled: list[_Unsettled]) -> None:
        """Read the account again and send only what the unsettled changes still lack, a bounded number of
        times; what is still unknown then is reported as failed."""
        for _ in range(SETTLE_ROUNDS):
            if not unsettled or self.replan is None:
                break
            try:
                fresh = self.replan([u.change.address for u in unsettled])
            except McstateError as error:
                # The account cannot be read (or planned against) now: what is unknown stays unknown.
                for item in unsettled:
                    self._fail(
                        item.change, McstateError(f"{item.failure}; reading the account failed: {error}")
                    )
                return
            for known_address, ids in fresh.known_ids.items():
                kind, _, key = known_address.partition(":")
                self.context.remember(kind, key, ids)
            wanted = {c.address.casefold(): c for c in fresh.changes}
            remaining: list[Change] = []
            for item in unsettled:
                again = wanted.get(item.change.address.casefold())
                if again is None or record_only(again):
                    # The account has the object as defined: the write was carried out.
                    self.report.applied.append(item.change)
                elif item.duplicate and again.action == "create":
                    self._fail(item.change, item.failure)
                elif again.destructive and (again.protected or not self.allow_destructive):
                    reason = "; ".join(again.destructive_reasons)
                    self._fail(
                        item.change,
                        McstateError(f"{item.failure}; finishing it now destroys data ({reason})"),
                    )
                else:
                    remaining.append(again)
            unsettled = []
            for level, dependents in _all_levels(remaining):
                unsettled += self.level(level, dependents)
        for item in unsettled:
            self._fail(item.change, item.failure)

    def _fail(self, change: Change, failure: McstateError) -> None:
        self.failed.add(change.address)
        self.report.failures.append(failure)

    def _send(self, batch: list[Step], operation: Operation, unsettled: dict[str, _Unsettled]) -> None:
        objects = [s.object for s in batch if isinstance(s.object, SoapObject)]
        try:
            results = self.writer.write(operation, objects)
        except UnknownOutcome as unknown:
            # Results of the calls before the one whose answer was lost are known.
            for step, result in zip(batch, unknown.done, strict=False):
                self._record(step, result, unsettled)
            for step in batch[len(unknown.done) :]:
                unsettled.setdefault(
                    step.change.address, _Unsettled(step.change, _lost(step.change, unknown))
                )
            return
        for step, result in zip(batch, results, strict=True):
            self._record(step, result, unsettled)

    def _record(self, step: Step, result: WriteResult, unsettled: dict[str, _Unsettled]) -> None:
        change = step.change
        if not result.ok:
            failure = ObjectFailure(change.kind, change.key, result.code, result.message)
            if step.operation == "create" and _duplicate(result):
                unsettled.setdefault(change.address, _Unsettled(change, failure, duplicate=True))
                return
            self._fail(change, failure)
            return
        # Objects created a moment ago are referred to by their new identifiers (folder IDs, ObjectIDs).
        learnt = {"id": result.new_id, "object_id": result.new_object_id}
        if step.operation == "create":
            self.context.remember(
                change.kind, change.key, {k: v for k, v in learnt.items() if v not in (None, 0, "")}
            )
        if step.on_success is not None:
            step.on_success(result)


def _built(step: Step, context: ApplyContext) -> Step:
    """The step with its write built, when it waited for identifiers learnt by an earlier phase."""
    if isinstance(step.object, Later):
        return replace(step, object=step.object.build(context))
    return step


def _lost(change: Change, unknown: UnknownOutcome) -> ObjectFailure:
    """The failure reported for the object when its write's outcome stays unknown."""
    return ObjectFailure(change.kind, change.key, None, str(unknown))


def _duplicate(result: WriteResult) -> bool:
    return result.code in DUPLICATE_CODES or "already exist" in result.message.casefold()


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
