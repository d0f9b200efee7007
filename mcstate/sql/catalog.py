"""The tables a query activity's SQL can read: data extensions (declared, or in the account) and the system
data views, looked up by name as the service does (case-insensitively; shared data extensions of the parent
business unit with the `ENT.` prefix)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

Origin = Literal["definitions", "account", "data view"]

DATA_VIEWS_FILE = "data_views.json"


@dataclass(frozen=True)
class Column:
    """One column as a query sees it, with what the output checks need of a target's field."""

    name: str
    type: str | None = None  # a data extension field type (Text, Number, Date, ...); None when unknown
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    primary_key: bool = False
    required: bool = False
    has_default: bool = False


class Table:
    """A table by its name. Its columns (by case-folded name) are given, or made from a data extension's
    fields when first asked for: a catalogue holds every data extension, a query reads a few."""

    def __init__(
        self,
        name: str,
        origin: Origin,
        key: str | None = None,  # the data extension's key; None for a data view
        columns: Mapping[str, Column] | None = None,
        *,
        open: bool = False,  # any column is accepted: a data view whose columns vary by account
        shared: bool = False,
        fields: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.name = name
        self.origin = origin
        self.key = key
        self.open = open
        self.shared = shared
        self._columns = columns
        self._fields = fields

    @property
    def columns(self) -> Mapping[str, Column]:
        if self._columns is None:
            self._columns = _columns_of(self._fields)
            self._fields = ()
        return self._columns

    def column(self, name: str) -> Column | None:
        return self.columns.get(name.casefold())

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {self.origin!r}, {self.key!r})"

    @property
    def label(self) -> str:
        if self.origin == "data view":
            return f"data view {self.name}"
        return f"data extension '{self.name}'"


class Catalog:
    """Tables by name. `complete`: the account was read, so a name found nowhere does not exist (without
    the account, such a name must exist there: a warning, not an error)."""

    def __init__(self, tables: Iterable[Table], *, complete: bool) -> None:
        self.complete = complete
        self._local: dict[str, Table] = {}
        self._shared: dict[str, Table] = {}
        self._by_key: dict[str, Table] = {}
        for table in tables:
            names = self._shared if table.shared else self._local
            names.setdefault(table.name.casefold(), table)
            if table.key is not None:
                self._by_key.setdefault(table.key.casefold(), table)

    @property
    def has_shared(self) -> bool:
        """Shared data extensions were read (from the account): `ENT.` names can be looked up."""
        return bool(self._shared)

    def table(self, name: str, *, shared: bool = False) -> Table | None:
        folded = name.casefold()
        if shared:
            return self._shared.get(folded)
        view = data_views().get(folded)
        if view is not None:
            return view
        # In the parent business unit, its shared data extensions are read without the prefix too.
        return self._local.get(folded) or self._shared.get(folded)

    def by_key(self, key: str) -> Table | None:
        return self._by_key.get(key.casefold())


def table_from_attributes(key: str, attributes: Mapping[str, Any], origin: Origin, *, shared: bool) -> Table:
    """A data extension as a table, from its normalized attributes (declared or live: the same shape)."""
    name = str(attributes.get("name") or key)
    return Table(name, origin, key, shared=shared, fields=attributes.get("fields") or ())


def _columns_of(fields: Sequence[Mapping[str, Any]]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for field_ in fields:
        name = str(field_.get("name") or "")
        if not name:
            continue
        columns.setdefault(
            name.casefold(),
            Column(
                name,
                field_.get("type"),
                field_.get("length"),
                field_.get("precision"),
                field_.get("scale"),
                bool(field_.get("primary_key")),
                bool(field_.get("required")),
                field_.get("default") not in (None, ""),
            ),
        )
    return columns


@functools.cache
def data_views() -> Mapping[str, Table]:
    """The system data views by case-folded name (data_views.json: each view's columns and its source)."""
    text = resources.files("mcstate.sql").joinpath(DATA_VIEWS_FILE).read_text(encoding="utf-8")
    views: dict[str, Table] = {}
    for name, view in json.loads(text)["views"].items():
        columns = {
            column.casefold(): Column(column, spec.get("type"), spec.get("length"))
            for column, spec in view.get("columns", {}).items()
        }
        views[name.casefold()] = Table(name, "data view", None, columns, open=bool(view.get("open")))
    return views


DATA_EXTENSION = "DataExtension"
# The catalogues last built, by the identity of what they were built from: every query of a plan is
# checked against the same definitions and account.
_built: list[tuple[object, object, Catalog]] = []


def catalog_for(declared: Mapping[str, Any], live: Mapping[str, Mapping[str, Any]] | None = None) -> Catalog:
    """The tables of the declared data extensions (Desired objects by lookup address) and, with the
    account (`live`, Live objects by kind), those only the account has. A declared data extension is as
    the definitions want it, so a query is checked against the account the plan leaves."""
    for seen_declared, seen_live, catalog in _built:
        if seen_declared is declared and seen_live is live:
            return catalog
    tables: list[Table] = []
    declared_keys: set[str] = set()
    for obj in declared.values():
        if obj.kind == DATA_EXTENSION:
            declared_keys.add(obj.key.casefold())
            tables.append(table_from_attributes(obj.key, obj.attributes, "definitions", shared=False))
    if live is not None:
        for obj in live.get(DATA_EXTENSION, {}).values():
            if obj.key.casefold() not in declared_keys:
                shared = bool(obj.ids.get("shared"))
                tables.append(table_from_attributes(obj.key, obj.attributes, "account", shared=shared))
    catalog = Catalog(tables, complete=live is not None)
    _built.insert(0, (declared, live, catalog))
    del _built[4:]
    return catalog
