"""From validated documents to the desired objects: normalized, implied objects added, rules checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcstate.definitions.document import Document
from mcstate.errors import DefinitionError, Problem
from mcstate.resources import REGISTRY
from mcstate.resources.base import Desired, address


@dataclass(frozen=True)
class DesiredState:
    """Every object the definitions want, keyed by (case-normalized) address."""

    objects: dict[str, Desired]

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
    for document in documents:
        desired = REGISTRY[document.kind].from_document(document)
        objects[lookup_address(desired.kind, desired.key)] = desired
    for desired in list(objects.values()):
        for ref in desired.references:
            for implied in REGISTRY[ref.kind].implied(ref.key):
                objects.setdefault(lookup_address(implied.kind, implied.key), implied)
    problems: list[Problem] = []
    for desired in objects.values():
        problems.extend(REGISTRY[desired.kind].check(desired, objects))
    if problems:
        raise DefinitionError(problems)
    return DesiredState(objects)
