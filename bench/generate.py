"""Benchmark projects: definitions of N data extensions (25 fields each) with queries, imports and filters
in proportion (one of each per 10 data extensions), and the "10 % changed" edit of them.

The account side needs no generator: the first apply creates it, and is itself one of the measurements.
"""

from __future__ import annotations

from pathlib import Path

import yaml

FIELDS_PER_DATA_EXTENSION = 25
DATA_EXTENSIONS_PER_FOLDER = 100
# One query, one import and one filter for every this many data extensions.
DATA_EXTENSIONS_PER_ACTIVITY = 10
CHANGED_SHARE = 0.10

# The 24 fields after the primary key cycle through these (type, extra attributes); every type but
# Decimal's precision pairing is represented, so reading and diffing see the usual variety.
_FIELD_SHAPES: tuple[tuple[str, dict[str, object]], ...] = (
    ("Text", {"length": 100}),
    ("Number", {}),
    ("Date", {}),
    ("Boolean", {"default": False}),
    ("EmailAddress", {}),
    ("Decimal", {"precision": 18, "scale": 2}),
    ("Phone", {}),
    ("Locale", {}),
    ("Text", {"length": 254, "required": True}),
    ("Number", {"default": 0}),
    ("Text", {}),
    ("Date", {"default": "GetDate()"}),
)


def data_extension_key(index: int) -> str:
    return f"bench_de_{index:05d}"


def data_extension_name(index: int) -> str:
    return f"Bench Data Extension {index:05d}"


def field_name(position: int) -> str:
    return "Id" if position == 0 else f"Field{position:02d}"


def _required_positions() -> list[int]:
    """Positions of the required fields without a default: an import's manual mapping must map them."""
    return [
        position
        for position in range(1, FIELDS_PER_DATA_EXTENSION)
        if _FIELD_SHAPES[(position - 1) % len(_FIELD_SHAPES)][1].get("required")
    ]


def _fields(index: int, changed: bool) -> list[dict[str, object]]:
    fields: list[dict[str, object]] = [{"name": "Id", "type": "Text", "length": 50, "primary_key": True}]
    for position in range(1, FIELDS_PER_DATA_EXTENSION):
        field_type, extra = _FIELD_SHAPES[(position - 1) % len(_FIELD_SHAPES)]
        field: dict[str, object] = {"name": field_name(position), "type": field_type, **extra}
        fields.append(field)
    if changed:
        # A longer Text field: an in-place update of one field of the data extension.
        fields[1] = {**fields[1], "length": 200}
    return fields


def _data_extension(index: int, changed: bool) -> dict[str, object]:
    return {
        "kind": "DataExtension",
        "key": data_extension_key(index),
        "name": data_extension_name(index),
        "description": f"Benchmark data extension {index}" + (", changed" if changed else ""),
        "folder": f"Data Extensions/Bench/Group {index // DATA_EXTENSIONS_PER_FOLDER:03d}",
        "fields": _fields(index, changed),
    }


def _query(number: int, changed: bool) -> dict[str, object]:
    source = number * DATA_EXTENSIONS_PER_ACTIVITY + 1
    target = number * DATA_EXTENSIONS_PER_ACTIVITY
    condition = "Field02 > 10" if changed else "Field02 > 0"
    columns = ["Id", "Field01", *(field_name(position) for position in _required_positions())]
    return {
        "kind": "QueryDefinition",
        "key": f"bench_query_{number:05d}",
        "name": f"Bench Query {number:05d}",
        "folder": "Query/Bench",
        "target": data_extension_key(target),
        "update_type": "overwrite",
        # Every required field of the target gets a value, as the SQL check wants.
        "sql": f"SELECT {', '.join(columns)} FROM [{data_extension_name(source)}] WHERE {condition}",
    }


def _import(number: int, changed: bool) -> dict[str, object]:
    destination = number * DATA_EXTENSIONS_PER_ACTIVITY + 2
    return {
        "kind": "ImportDefinition",
        "key": f"bench_import_{number:05d}",
        "name": f"Bench Import {number:05d}",
        "description": "Nightly file" + (", changed" if changed else ""),
        "destination": data_extension_key(destination),
        "file_location": "ExactTarget Enhanced FTP",
        "file_spec": f"bench_{number:05d}_%%YEAR%%%%MONTH%%%%DAY%%.csv",
        "file_type": "csv",
        "header_lines": 1,
        "field_mapping": "manual",
        "field_map": [
            {"source": "id", "destination": "Id"},
            {"source": "text", "destination": "Field01"},
            {"source": "number", "destination": "Field02"},
            *(
                {"source": f"column_{position}", "destination": field_name(position)}
                for position in _required_positions()
            ),
        ],
        "update_type": "add_and_update",
    }


def _filter(number: int, changed: bool) -> dict[str, object]:
    source = number * DATA_EXTENSIONS_PER_ACTIVITY + 3
    return {
        "kind": "FilterDefinition",
        "key": f"bench_filter_{number:05d}",
        "name": f"Bench Filter {number:05d}",
        "folder": "Data Filters/Bench",
        "source": data_extension_key(source),
        "filter": {"field": "Field02", "operator": "greaterThan", "value": 20 if changed else 10},
    }


def _is_changed(index: int, changed: bool) -> bool:
    """Every tenth object of every kind is changed (spread evenly over the account)."""
    return changed and index % round(1 / CHANGED_SHARE) == 0


def write_definitions(directory: Path, data_extensions: int, *, changed: bool = False) -> dict[str, int]:
    """(Re)write the definitions of a benchmark account under `directory`; with `changed`, 10 % of the
    objects of every kind differ from the account the unchanged definitions applied. Returns the number of
    objects per kind and how many of them are changed."""
    directory.mkdir(parents=True, exist_ok=True)
    activities = data_extensions // DATA_EXTENSIONS_PER_ACTIVITY
    counts = {"DataExtension": data_extensions, "QueryDefinition": activities}
    counts |= {"ImportDefinition": activities, "FilterDefinition": activities}
    # One file per hundred data extensions keeps files small, as real projects do.
    for start in range(0, data_extensions, DATA_EXTENSIONS_PER_FOLDER):
        documents = [
            _data_extension(index, _is_changed(index, changed))
            for index in range(start, min(start + DATA_EXTENSIONS_PER_FOLDER, data_extensions))
        ]
        _dump(
            directory / "data_extensions" / f"group_{start // DATA_EXTENSIONS_PER_FOLDER:03d}.yaml", documents
        )
    for name, build in (("queries", _query), ("imports", _import), ("filters", _filter)):
        documents = [build(number, _is_changed(number, changed)) for number in range(activities)]
        _dump(directory / name / f"{name}.yaml", documents)
    changed_counts = {
        f"{kind} changed": sum(_is_changed(i, changed) for i in range(count))
        for kind, count in counts.items()
    }
    return counts | changed_counts


def _dump(path: Path, documents: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=None, width=200)
    path.write_text(text, encoding="utf-8")
