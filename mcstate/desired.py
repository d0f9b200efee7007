"""From validated documents to the desired objects: normalized, implied objects added, rules checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcstate import data_rules
from mcstate.definitions.document import Document
from mcstate.errors import DefinitionError, Location, Problem
from mcstate.ignore import path_problems as ignore_path_problems
from mcstate.resources import REGISTRY
from mcstate.resources.base import Desired, address


@dataclass(frozen=True)
class DesiredState:
    """Every object the definitions want, keyed by (case-normalized) address."""

    objects: dict[str, Desired]
    # What the definitions' own rules warn about (never blocking), e.g. SQL naming a table no definition
    # declares; the plan decides those with the account.
    warnings: tuple[Problem, ...] = ()

    def get(self, kind: str, key: str) -> Desired | None:
        return self.objects.get(lookup_address(kind, key))

    def __iter__(self) -> Iterable[Desired]:  # type: ignore[override]
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)


def lookup_address(kind: str, key: str) -> str:
    rtype = REGISTRY.get(kind)
    folded = rtype is not None and rtype.case_insensitive_keys
    return address(kind, key.casefold() if folded else key)


def build_desired(documents: Iterable[Document]) -> DesiredState:
    """Normalize documents and add implied objects; raise DefinitionError with every rule broken."""
    objects: dict[str, Desired] = {}
    problems: list[Problem] = []
    for document in documents:
        desired = REGISTRY[document.kind].from_document(document)
        lookup = lookup_address(desired.kind, desired.key)
        first = objects.get(lookup)
        if first is not None and first.document is not None:
            problems.append(
                document.problem(
                    (), f"{desired.kind} '{desired.key}' is already defined at {first.document.location()}"
                )
            )
            continue
        objects[lookup] = desired
    for desired in list(objects.values()):
        for ref in desired.references:
            for implied in REGISTRY[ref.kind].implied(ref.key):
                objects.setdefault(lookup_address(implied.kind, implied.key), implied)
    for desired in objects.values():
        problems.extend(REGISTRY[desired.kind].check(desired, objects))
        problems.extend(ignore_path_problems(desired))
    problems.extend(_cycles(objects))
    problems.extend(data_rules.check(objects))
    problems.extend(_undeclared_references(objects))
    errors = [problem for problem in problems if not problem.is_warning]
    if errors:
        raise DefinitionError(errors)
    return DesiredState(objects, tuple(sorted(set(problems))))


# References validate cannot decide: these kinds are provided by the account (built-in file locations,
# extract types) or implied by the definitions (folders).
_ACCOUNT_PROVIDED = frozenset({"Folder", "FileLocation", "DataExtractType"})


def _undeclared_references(objects: dict[str, Desired]) -> list[Problem]:
    """A reference to an object no definition declares is a warning: it must exist in the account (the
    plan decides), with the closest declared key when it may be a typo."""
    from mcstate.planner import did_you_mean

    warnings: list[Problem] = []
    for desired in objects.values():
        if desired.document is None:
            continue
        for ref in desired.references:
            if ref.kind in _ACCOUNT_PROVIDED or lookup_address(ref.kind, ref.key) in objects:
                continue
            known = [obj.key for obj in objects.values() if obj.kind == ref.kind]
            message = (
                f"{ref.kind} '{ref.key}' is not defined here; it must exist in the account"
                f"{did_you_mean(ref.key, known)}"
            )
            problem = desired.document.problem(ref.path, message)
            warnings.append(
                Problem(problem.location, problem.message, problem.path, severity="warning", rule="reference")
            )
    return warnings


def _cycles(objects: dict[str, Desired]) -> list[Problem]:
    """References that lead back to where they started, reported once each with the whole chain."""
    problems: list[Problem] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()

    def visit(lookup: str, trail: list[str]) -> None:
        state[lookup] = 1
        trail.append(lookup)
        for ref in objects[lookup].references:
            target = lookup_address(ref.kind, ref.key)
            if target not in objects:
                continue
            if state.get(target) == 1:
                cycle = trail[trail.index(target) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    chain = " → ".join(objects[item].address for item in [*cycle, target])
                    origin = objects[cycle[0]]
                    message = f"reference cycle: {chain}"
                    if origin.document is not None:
                        problems.append(origin.document.problem((), message))
                    else:
                        problems.append(Problem(Location("definitions"), message))
            elif target not in state:
                visit(target, trail)
        trail.pop()
        state[lookup] = 2

    for lookup in objects:
        if lookup not in state:
            visit(lookup, [])
    return problems
