"""Loading and validating definitions.

Golden cases: each folder of tests/fixtures/invalid/ holds definitions/ and expected.txt, the exact problem
lines the loader must report (file paths relative to the case folder). After a deliberate change of
messages, rewrite every expected.txt with

    MCSTATE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_loader.py

and review the diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mcstate.definitions import loader
from mcstate.definitions.document import Document
from mcstate.definitions.loader import load_documents
from mcstate.definitions.schemas import load_schema, schema_path, schemas_dir
from mcstate.errors import DefinitionError, Location
from mcstate.resources import declarable

# Every kind users can declare, so golden messages that list the kinds stay true as kinds are added.
SCHEMAS = declarable()
INVALID = Path(__file__).parent / "fixtures" / "invalid"
CASES = sorted(path.name for path in INVALID.iterdir() if path.is_dir())
UPDATE_GOLDEN = os.environ.get("MCSTATE_UPDATE_GOLDEN") == "1"

CUSTOMERS = """\
# yaml-language-server: $schema=../schemas/data_extension.schema.json
kind: DataExtension
key: nto_customers
name: NTO Customers
folder: Data Extensions/CRM
retention:
  until: 2026-12-31
  policy: all_records
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - name: Email
    type: EmailAddress
    required: true
  - {name: Balance, type: Decimal, precision: 18, scale: 2}
  - {name: JoinedAt, type: Date, default: GetDate()}
"""


def problem_lines(case: Path) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        load_documents(case / "definitions", SCHEMAS, display_base=case)
    return [str(problem) for problem in raised.value.problems]


@pytest.fixture(params=["libyaml", "pure"])
def each_yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both parsers must report the same lines: which one runs depends on how PyYAML was built."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML is built without libyaml")
        monkeypatch.setattr(loader, "_SafeLoader", yaml.CSafeLoader)
        monkeypatch.setattr(loader, "_OFFSETS_IN_BYTES", True)
    else:
        monkeypatch.setattr(loader, "_SafeLoader", yaml.SafeLoader)
        monkeypatch.setattr(loader, "_OFFSETS_IN_BYTES", False)
    yield


@pytest.mark.parametrize("name", CASES)
def test_invalid_definitions_report_expected_problems(name: str, each_yaml_parser: None) -> None:
    case = INVALID / name
    expected_file = case / "expected.txt"
    actual = problem_lines(case)
    if UPDATE_GOLDEN:
        expected_file.write_text("".join(f"{line}\n" for line in actual), encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    assert actual == expected


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 20


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load(root: Path) -> list[Document]:
    return load_documents(root, SCHEMAS, display_base=root.parent)


def test_valid_definition_is_loaded_as_written(tmp_path: Path) -> None:
    write(tmp_path / "definitions" / "customers.yaml", CUSTOMERS)

    [document] = load(tmp_path / "definitions")

    assert document.kind == "DataExtension"
    assert document.key == "nto_customers"
    assert document.file == "definitions/customers.yaml"
    assert document.index == 0
    # An unquoted date stays text, as the schema wants it.
    assert document.data["retention"] == {"until": "2026-12-31", "policy": "all_records"}
    assert document.data["fields"][1] == {"name": "Email", "type": "EmailAddress", "required": True}
    assert document.data["fields"][2]["precision"] == 18
    # Defaults are not filled in: no description, no testable, no type where none is written.
    assert "description" not in document.data
    assert "testable" not in document.data


def test_positions_of_nested_values(tmp_path: Path) -> None:
    write(tmp_path / "definitions" / "customers.yaml", CUSTOMERS)

    [document] = load(tmp_path / "definitions")

    # A valid document keeps no positions until one is needed; then they are read from its file again.
    assert document.positions is None
    assert str(document.location(("key",))) == "definitions/customers.yaml:3:6"
    assert document.positions is not None
    assert document.positions[()] == (2, 1)
    assert document.positions[("key",)] == (3, 6)
    assert document.positions[("retention", "until")] == (7, 10)
    assert document.positions[("fields", 0)] == (10, 5)
    assert document.positions[("fields", 0, "length")] == (10, 47)
    assert document.positions[("fields", 1)] == (11, 5)
    assert document.positions[("fields", 1, "type")] == (12, 11)
    assert document.positions[("fields", 3, "default")] == (15, 43)
    assert str(document.location(("fields", 1, "required"))) == "definitions/customers.yaml:13:15"
    # A path without a position of its own falls back to its nearest ancestor.
    assert document.location(("fields", 1, "missing")) == document.location(("fields", 1))


def test_several_documents_in_one_file(tmp_path: Path) -> None:
    body = "kind: DataExtension\nkey: {key}\nname: {key}\nfields: [{{name: Id}}]\n"
    text = "---\n" + body.format(key="first") + "---\n# nothing here\n---\n" + body.format(key="second")
    write(tmp_path / "definitions" / "many.yaml", text)

    documents = load(tmp_path / "definitions")

    assert [(d.key, d.index) for d in documents] == [("first", 0), ("second", 2)]
    assert documents[1].location(()) == Location(documents[1].file, 9, 1)
    assert documents[1].location(("name",)).line == 11


def test_empty_files_and_comment_only_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "definitions" / "empty.yaml", "")
    write(tmp_path / "definitions" / "comments.yml", "# to do: the orders\n\n---\n")
    write(tmp_path / "definitions" / "customers.yaml", CUSTOMERS)

    assert [d.key for d in load(tmp_path / "definitions")] == ["nto_customers"]


def test_documents_come_in_sorted_file_order(tmp_path: Path) -> None:
    body = "kind: DataExtension\nkey: {key}\nname: {key}\nfields: [{{name: Id}}]\n"
    for relative in ["z.yaml", "a/b.yml", "a.yaml", "a/a.yaml", "m/n/o.yaml"]:
        write(tmp_path / "definitions" / relative, body.format(key=relative))
    write(tmp_path / "definitions" / "notes.txt", "not a definition")
    write(tmp_path / "definitions" / ".hidden" / "x.yaml", "not: [even valid")

    files = [d.file for d in load(tmp_path / "definitions")]

    # Sorted by path components, so a folder's files stay together.
    assert files == [
        "definitions/a/a.yaml",
        "definitions/a/b.yml",
        "definitions/a.yaml",
        "definitions/m/n/o.yaml",
        "definitions/z.yaml",
    ]


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    text = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
fields:
  - &id {name: SubscriberKey, type: Text, length: 254}
  - <<: *id
    name: Email
    type: EmailAddress
"""
    write(tmp_path / "definitions" / "customers.yaml", text)

    [document] = load(tmp_path / "definitions")

    assert document.data["fields"][1] == {"name": "Email", "type": "EmailAddress", "length": 254}
    # A merged value is located where it is written: at the anchor.
    assert (
        document.location(("fields", 1, "length")).line == 5
        and document.location(("fields", 1, "length")).column == 51
    )
    assert (
        document.location(("fields", 1, "name")).line,
        document.location(("fields", 1, "name")).column,
    ) == (7, 11)


def test_display_path_is_absolute_outside_the_base(tmp_path: Path) -> None:
    write(tmp_path / "definitions" / "customers.yaml", "kind: Nope\n")

    with pytest.raises(DefinitionError) as raised:
        load_documents(tmp_path / "definitions", SCHEMAS, display_base=tmp_path / "elsewhere")

    [problem] = raised.value.problems
    assert problem.location.file == (tmp_path / "definitions" / "customers.yaml").as_posix()


def test_missing_root_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no such file or directory"):
        load(tmp_path / "definitions")


def test_alias_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "_MAX_VALUES_PER_DOCUMENT", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    write(tmp_path / "definitions" / "bomb.yaml", "\n".join(lines) + "\n")

    with pytest.raises(
        DefinitionError,
        match=r"more than 1,000 values .with aliases or '<<' merge keys, one is probably expanded",
    ):
        load(tmp_path / "definitions")


def test_schemas_are_found_in_the_source_tree() -> None:
    assert schemas_dir().is_dir()
    assert schema_path("data_extension.schema.json").name == "data_extension.schema.json"
    schema = load_schema("data_extension.schema.json")
    assert schema["title"]
    assert load_schema("data_extension.schema.json") is schema


def test_every_schema_property_is_described() -> None:
    def undescribed(node: object, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    yield f"{where}.{name}"
            for key, sub in node.items():
                yield from undescribed(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                yield from undescribed(sub, f"{where}[{index}]")

    schema = load_schema("data_extension.schema.json")
    # Only the properties users write; the if/then rules restate properties without describing them.
    user_facing = {key: value for key, value in schema.items() if key != "$defs"}
    field = {key: value for key, value in schema["$defs"]["field"].items() if key != "allOf"}
    assert list(undescribed(user_facing, "")) == []
    assert list(undescribed(field, "field")) == []


def test_unknown_schema_file_is_a_bug_not_a_user_error() -> None:
    with pytest.raises(FileNotFoundError):
        schema_path("nope.schema.json")
