"""The steps behind the commands, as functions that return values and never print."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcstate.applier import ApplyReport, Replan, apply_plan
from mcstate.config import Project
from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired, lookup_address
from mcstate.drift import Drift, find_drift
from mcstate.errors import McstateError
from mcstate.manifest import ManifestEntry, attributes_hash, read_manifest, write_manifest
from mcstate.plan import Change, Plan
from mcstate.planner import LiveState, make_plan, record_only
from mcstate.reading import alongside, read_kinds
from mcstate.resources import REGISTRY, declarable
from mcstate.resources.base import Live, ReadsExpecting, ReadsForDefinitions, Retriever

if TYPE_CHECKING:
    # Only named in annotations: importing the client would load zeep for commands that never call an
    # account (validate).
    from mcstate.client.account import AccountClient


def load_desired(project: Project, target: str | None = None) -> DesiredState:
    """Read, validate and normalize the definitions as the target (default: default_target) sees them: its
    variables replaced, the definitions limited to other targets left out. Raises DefinitionError (or
    ConfigError for a variable mcstate.yaml cannot give) before any network call."""
    variables = project.variables_for(target)
    documents = load_documents(
        project.definitions, declarable(), project_root=project.root, variables=variables
    )
    return build_desired(documents)


def read_live(
    client: Retriever,
    desired: DesiredState | None = None,
    complete: Collection[str] | Callable[[], Collection[str]] = (),
) -> LiveState:
    """Every kind, each seeing the kinds before it in registry order; side by side when the client allows
    it (mcstate.reading). With the desired state, kinds that pay one call per object read only what the
    definitions need (see ReadsForDefinitions), except the `complete` kinds (a function giving them is only
    called by such a kind, so the others need not wait for it); kinds read by a chain of calls start the
    later calls for the declared keys at once (see ReadsExpecting)."""
    wanted = list(desired) if desired is not None else None

    def read_kind(kind: str, before: Mapping[str, Mapping[str, Live]]) -> dict[str, Live]:
        rtype = REGISTRY[kind]
        selective = wanted is not None and isinstance(rtype, ReadsForDefinitions)
        if selective and kind not in (complete() if callable(complete) else complete):
            return _by_lookup(kind, rtype.read_for(client, before, wanted or []))
        if wanted is not None and isinstance(rtype, ReadsExpecting):
            declared = [obj.key for obj in wanted if obj.kind == kind]
            return _by_lookup(kind, rtype.read_expecting(client, before, declared))
        return _by_lookup(kind, rtype.read(client, before))

    return read_kinds(client, list(REGISTRY), read_kind)


def _by_lookup(kind: str, objects: Iterable[Live]) -> dict[str, Live]:
    return {lookup_address(kind, obj.key): obj for obj in objects}


@dataclass(frozen=True)
class ApplyOutcome:
    report: ApplyReport
    # Changes still planned after apply for objects that were applied: the account does not match.
    mismatches: tuple[Change, ...]
    # Why the record of managed objects (mcstate.manifest) was not written, when it was not.
    record_error: McstateError | None = None


def undefined_kinds(desired: DesiredState, managed: Mapping[str, ManifestEntry]) -> frozenset[str]:
    """Kinds of recorded objects that no definition declares: read completely, so they can be found."""
    return frozenset(entry.kind for lookup, entry in managed.items() if lookup not in desired.objects)


def read_account(
    desired: DesiredState, client: AccountClient
) -> tuple[LiveState, Mapping[str, ManifestEntry]]:
    """Everything a plan reads: the manifest and the live objects (recorded kinds read completely), at the
    same time when the client allows it. `apply FILE` reads the same to tell whether a saved plan is
    stale."""

    def live_with(manifest: Future[Mapping[str, ManifestEntry]]) -> LiveState:
        return read_live(client, desired, lambda: undefined_kinds(desired, manifest.result()))

    managed, live = alongside(client, lambda: read_manifest(client), live_with)
    return live, managed


def plan(
    desired: DesiredState, client: AccountClient, target: str, *, prune: bool = False, saved: bool = True
) -> Plan:
    """The plan for the definitions; objects mcstate recorded whose definition is gone are deleted with
    `prune`, otherwise noted. `saved`: the plan will be saved (it then carries the account's fingerprints)."""
    return plan_and_record(desired, client, target, prune=prune, saved=saved)[0]


def plan_and_record(
    desired: DesiredState, client: AccountClient, target: str, *, prune: bool = False, saved: bool = True
) -> tuple[Plan, Mapping[str, ManifestEntry]]:
    """The plan, and the record of managed objects it was made with (see record_unchanged)."""
    live, managed = read_account(desired, client)
    return make_plan(desired, live, target, managed, prune=prune, fingerprint=saved), managed


def record_unchanged(client: AccountClient, seen: Mapping[str, ManifestEntry]) -> bool:
    """Whether the record of managed objects is still `seen`. Every apply that writes records what it
    wrote, so an unchanged record (read in two calls) means no apply ran since `seen` was read, and a plan
    made then still holds, as far as mcstate's own applies go."""
    return read_manifest(client) == seen


def apply(
    plan_to_apply: Plan, desired: DesiredState, client: AccountClient, *, allow_destructive: bool
) -> ApplyOutcome:
    """Apply the plan, read the account again and compare it with the definitions, then record what was
    applied in the manifest. An apply that changed nothing writes nothing, not even the manifest. Writes
    whose outcome is unknown are settled against a fresh read of the account (applier.Replan)."""

    replan = replanner(desired, client, plan_to_apply.target)
    report = apply_plan(plan_to_apply, client, allow_destructive=allow_destructive, replan=replan)
    if not report.applied:
        return ApplyOutcome(report, (), repair_record(plan_to_apply, desired, client))
    live, managed = read_account(desired, client)
    after = make_plan(desired, live, plan_to_apply.target, managed, prune=True, fingerprint=False)
    applied = {c.address for c in report.applied}
    # Record-only changes (prevent_destroy) still show here: the record is written just below.
    mismatches = tuple(c for c in after.changes if c.address in applied and not record_only(c))
    try:
        record_applied(client, report.applied, desired, live, managed, plan_to_apply.unrecorded)
    except McstateError as error:
        return ApplyOutcome(report, mismatches, error)
    return ApplyOutcome(report, mismatches)


def repair_record(plan_made: Plan, desired: DesiredState, client: AccountClient) -> McstateError | None:
    """Record the declared objects the account has as defined but the record lacks (plan.unrecorded); the
    error when the record could not be written. Nothing is read or written when the record is whole."""
    if not plan_made.unrecorded:
        return None
    live, managed = read_account(desired, client)
    try:
        record_applied(client, (), desired, live, managed, plan_made.unrecorded)
    except McstateError as error:
        return error
    return None


def replanner(desired: DesiredState, client: AccountClient, target: str) -> Replan:
    """How apply settles writes whose outcome is unknown: read the account again (manifest included) and
    plan the definitions against it; the plan also carries the identifiers of the objects asked about."""

    def replan(addresses: Collection[str]) -> Plan:
        live, managed = read_account(desired, client)
        fresh = make_plan(desired, live, target, managed, prune=True, fingerprint=False)
        # The identifiers of the objects asked about: ones found done are referred to by later changes.
        found: dict[str, dict[str, Any]] = {}
        for kind_key in addresses:
            kind, _, key = kind_key.partition(":")
            current = live.get(kind, {}).get(lookup_address(kind, key))
            if current is not None:
                found[current.address] = dict(current.ids)
        return replace(fresh, known_ids={**fresh.known_ids, **found})

    return replan


def record_applied(
    client: AccountClient,
    applied: Collection[Change],
    desired: DesiredState,
    live: LiveState,
    managed: Mapping[str, ManifestEntry],
    unrecorded: Collection[str] = (),
) -> None:
    """Record the applied changes in the manifest: an entry for every declared object written (its
    definition's hash, the hash of the account's object as read after apply, prevent_destroy), none for
    deleted objects or for those gone from both the definitions and the account. Objects the definitions
    only imply (parent folders) are not recorded, so --prune never deletes them."""
    upserts: list[ManifestEntry] = []
    removals: list[str] = []
    written = [(change.kind, change.key, change.action) for change in applied]
    for address in unrecorded:
        kind, _, key = address.partition(":")
        written.append((kind, key, "record"))
    for kind, key, action in written:
        lookup = lookup_address(kind, key)
        if action == "delete":
            removals.append(lookup)
            continue
        obj = desired.objects.get(lookup)
        current = live.get(kind, {}).get(lookup)
        if obj is None or obj.document is None or current is None:
            continue
        protected = bool(obj.document.data.get("prevent_destroy", False))
        definition, account = attributes_hash(obj.attributes), attributes_hash(current.attributes)
        upserts.append(ManifestEntry(obj.kind, obj.key, definition, account, protected))
    removals += [
        lookup
        for lookup, entry in managed.items()
        if lookup not in desired.objects and lookup not in live.get(entry.kind, {})
    ]
    write_manifest(client, upserts, removals, managed)


def drift(
    desired: DesiredState, client: AccountClient, target: str, *, include_unmanaged: bool = False
) -> Drift:
    """How the account differs from the definitions, told apart by what the last applies recorded."""
    live, managed = read_account(desired, client)
    return find_drift(desired, live, managed, target, include_unmanaged=include_unmanaged)
