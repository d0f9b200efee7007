"""The compiled schemas agree with jsonschema on every document: the definitions in this repository, the
corpus of invalid and broken definitions, generated benchmark definitions, and thousands of mutations of
them (keys removed, values of every JSON type put anywhere, unknown keys added)."""

from __future__ import annotations

import copy
import datetime
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from mcstate.definitions.compiled_schema import compile_schema
from mcstate.definitions.schemas import load_schema
from mcstate.resources import declarable

ROOT = Path(__file__).resolve().parent.parent
REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    2.5,
    5000,
    "",
    "x",
    "Text",
    "GetDate()",
    "2024-02-30",
    "2024-02-03",
    [],
    ["x"],
    [1, 1],
    {},
    {"name": "x"},
    datetime.date(2024, 1, 1),
)


def _documents(generated: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import write_definitions

    files = [*ROOT.glob("definitions/**/*.yaml"), *ROOT.glob("tests/fixtures/**/*.yaml")]
    documents: list[dict[str, Any]] = []
    for path in sorted(files):
        if any(word in part for part in path.parts for word in ("bomb", "nesting")):
            continue  # made to exhaust a YAML loader; the definitions' loader bounds them, PyYAML does not
        try:
            loaded = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        documents += [document for document in loaded if isinstance(document, dict)]
    write_definitions(generated, 20, changed=True)
    for path in sorted(generated.rglob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    return documents


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(document)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def _delete(document: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return changed


def _mutations(document: dict[str, Any], rng: random.Random, count: int) -> Iterator[Any]:
    paths = list(_paths(document))
    for _ in range(count):
        path = rng.choice(paths)
        choice = rng.random()
        if choice < 0.2 and path:
            yield _delete(document, path)
        elif choice < 0.3:
            container = _set(document, path, {}) if not isinstance(_get(document, path), dict) else document
            yield _set(
                container, (*path, rng.choice(["unknown", "name", "type", "length", "all", "field"])), "x"
            )
        else:
            yield _set(document, path, rng.choice(REPLACEMENTS))


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


@pytest.fixture(scope="module")
def schemas() -> dict[str, tuple[Draft202012Validator, Any]]:
    compiled: dict[str, tuple[Draft202012Validator, Any]] = {}
    for kind, file in declarable().items():
        schema = load_schema(file)
        predicate = compile_schema(schema)
        assert predicate is not None, f"{file} uses a keyword the compiler does not handle"
        compiled[kind] = (
            Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
            predicate,
        )
    return compiled


def test_every_project_schema_compiles(schemas: dict[str, tuple[Draft202012Validator, Any]]) -> None:
    assert set(schemas) == set(declarable())


def test_compiled_schemas_agree_with_jsonschema(
    schemas: dict[str, tuple[Draft202012Validator, Any]], tmp_path: Path
) -> None:
    rng = random.Random(7)
    documents = _documents(tmp_path)
    assert len(documents) > 100
    checked = {True: 0, False: 0}
    for document in documents:
        kinds = [document["kind"]] if document.get("kind") in schemas else list(schemas)
        for kind in kinds:
            validator, predicate = schemas[kind]
            for instance in [document, *_mutations(document, rng, 40)]:
                expected = validator.is_valid(instance)
                assert predicate(instance) == expected, (kind, instance)
                checked[expected] += 1
    # Both answers were exercised plenty.
    assert checked[True] > 500 and checked[False] > 5000


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "dependentRequired": {"a": ["b"]}},
        {"$ref": "other.json#/x"},
        {"properties": {"a": {"unevaluatedProperties": False}}},
        {"patternProperties": {"^x": {}}, "additionalProperties": False},
        {"type": "date"},
    ],
)
def test_unknown_keywords_leave_the_schema_to_jsonschema(schema: dict[str, Any]) -> None:
    assert compile_schema(schema) is None


def test_keyword_semantics_follow_jsonschema() -> None:
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
        ({"type": ["string", "number", "boolean"]}, ["a", 1, 2.5, False, None, [], {}]),
        ({"enum": [1, "a", None]}, [1, 1.0, True, "a", None, 0, False]),
        ({"const": False}, [False, 0, None, True]),
        ({"uniqueItems": True}, [[1, True], [1, 1.0], ["a", "b"], [{"a": 1}, {"a": 1}], "x"]),
        ({"format": "date"}, ["2024-02-03", "2024-02-30", "x", 1]),
        ({"pattern": "^[a-z]+$"}, ["abc", "ABC", "", 1]),
        ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, [{"a": 1}, {"a": 1, "b": 2}, {}, "x"]),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"maxProperties": 0}}, []),
        ({"not": {}}, [1, None]),
        ({"minimum": 1, "maximum": 3}, [0, 1, 3, 3.5, True, "2"]),
    ]
    for schema, instances in cases:
        predicate = compile_schema(schema)
        if "maxProperties" in str(schema):
            assert predicate is None
            continue
        assert predicate is not None
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for instance in instances:
            assert predicate(instance) == validator.is_valid(instance), (schema, instance)
