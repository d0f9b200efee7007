"""Reading the rows of a data extension through the service's Retrieve of DataExtensionObject (paged by the
client), its columns in the data extension's field order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mcstate.client.account import AccountClient
from mcstate.client.filters import Complex, Filter, equals
from mcstate.errors import ConfigError


@dataclass(frozen=True)
class Rows:
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    types: dict[str, str]  # column -> FieldType
    primary_key: frozenset[str]


def parse_where(conditions: Sequence[str]) -> list[tuple[str, str]]:
    parsed = []
    for condition in conditions:
        name, equal, value = condition.partition("=")
        if not equal or not name.strip():
            raise ConfigError(f"--where {condition}: write FIELD=VALUE")
        parsed.append((name.strip(), value))
    return parsed


def read_rows(
    client: AccountClient, key: str, where: Sequence[tuple[str, str]] = (), limit: int | None = None
) -> Rows:
    fields = client.retrieve(
        "DataExtensionField",
        ["Name", "Ordinal", "FieldType", "IsPrimaryKey"],
        equals("DataExtension.CustomerKey", key),
    )
    if not fields:
        raise ConfigError(f"{key}: the target has no data extension with this key (or it has no fields)")
    columns = tuple(
        str(f["Name"]) for f in sorted(fields, key=lambda f: (int(f.get("Ordinal") or 0), str(f["Name"])))
    )
    by_name = {name.casefold(): name for name in columns}
    filters: list[Filter] = []
    for name, value in where:
        field = by_name.get(name.casefold())
        if field is None:
            raise ConfigError(f"--where {name}=...: {key} has no field {name} (fields: {', '.join(columns)})")
        filters.append(equals(field, value))
    combined: Filter | None = None
    for part in filters:
        combined = part if combined is None else Complex(combined, "AND", part)
    found = client.retrieve(f"DataExtensionObject[{key}]", list(columns), combined)
    rows = []
    for item in found if limit is None else found[:limit]:
        values = {
            str(p.get("Name")): str(p.get("Value") or "")
            for p in (item.get("Properties") or {}).get("Property") or []
        }
        rows.append({column: values.get(column, "") for column in columns})
    types = {str(f["Name"]): str(f.get("FieldType") or "Text") for f in fields}
    keys = frozenset(str(f["Name"]) for f in fields if str(f.get("IsPrimaryKey")).lower() == "true")
    return Rows(columns, rows, types, keys)
