"""The steps behind the commands, as functions that return values and never print."""

from __future__ import annotations

from dataclasses import dataclass

from mcstate.applier import ApplyReport, apply_plan
from mcstate.client.account import AccountClient
from mcstate.config import Project
from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired, lookup_address
from mcstate.drift import Drift, find_drift
from mcstate.manifest import read_manifest
from mcstate.plan import Change, Plan
from mcstate.planner import LiveState, make_plan
from mcstate.resources import REGISTRY, declarable
from mcstate.resources.base import Live, ReadsForDefinitions, Retriever


def load_desired(project: Project) -> DesiredState:
    """Read, validate and normalize the definitions; raises DefinitionError before any network call."""
    documents = load_documents(project.definitions, declarable())
    return build_desired(documents)


def read_live(client: Retriever, desired: DesiredState | None = None) -> LiveState:
    """Every kind, in registry order. With the desired state, kinds that pay one call per object read only
    what the definitions need (see ReadsForDefinitions)."""
    live: dict[str, dict[str, Live]] = {}
    wanted = list(desired) if desired is not None else None
    for kind, rtype in REGISTRY.items():
        if wanted is not None and isinstance(rtype, ReadsForDefinitions):
            objects = rtype.read_for(client, live, wanted)
        else:
            objects = rtype.read(client, live)
        live[kind] = {lookup_address(kind, obj.key): obj for obj in objects}
    return live


@dataclass(frozen=True)
class ApplyOutcome:
    report: ApplyReport
    # Changes still planned after apply for objects that were applied: the account does not match.
    mismatches: tuple[Change, ...]


def plan(desired: DesiredState, client: Retriever, target: str) -> Plan:
    return make_plan(desired, read_live(client, desired), target)


def apply(
    plan_to_apply: Plan, desired: DesiredState, client: AccountClient, *, allow_destructive: bool
) -> ApplyOutcome:
    """Apply the plan, then read the account again and compare it with the definitions."""
    report = apply_plan(plan_to_apply, client, allow_destructive=allow_destructive)
    if not report.applied:
        return ApplyOutcome(report, ())
    after = make_plan(desired, read_live(client, desired), plan_to_apply.target)
    applied = {c.address for c in report.applied}
    return ApplyOutcome(report, tuple(c for c in after.changes if c.address in applied))


def drift(
    desired: DesiredState, client: AccountClient, target: str, *, include_unmanaged: bool = False
) -> Drift:
    """How the account differs from the definitions, told apart by what the last applies recorded."""
    live = read_live(client, desired)
    return find_drift(desired, live, read_manifest(client), target, include_unmanaged=include_unmanaged)
