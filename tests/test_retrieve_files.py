"""mcstate.retrieve without the CLI: file names and layout, selection, what is skipped, rewritten in place or
reported as not representable. Accounts are set up by applying definitions to the embedded emulator."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from mcstate import engine
from mcstate.client.account import AccountClient
from mcstate.config import find_project
from mcstate.connection import connect
from mcstate.desired import lookup_address
from mcstate.errors import ConfigError
from mcstate.manifest import MANIFEST_KEY
from mcstate.resources import REGISTRY
from mcstate.resources.base import Definition, Live
from mcstate.retrieve import (
    RetrieveOptions,
    kind_names,
    like_pattern,
    load_existing,
    planned_names,
    retrieve,
    round_trip_problem,
    safe_name,
    selected,
)

REPOSITORY = Path(__file__).resolve().parent.parent

ACCOUNT = """\
kind: Folder
path: Data Extensions/CRM
description: From the CRM
---
kind: DataExtension
key: nto_customers
name: NTO Customers
folder: Data Extensions/CRM
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: City, type: Text}
---
kind: DataExtension
key: nto_crm_archive
name: NTO CRM archive
folder: Data Extensions/CRM/Archive
fields:
  - {name: SubscriberKey, type: Text, primary_key: true}
---
kind: DataExtension
key: "a:b/c"
name: Odd key
folder: Data Extensions/CRMx
fields:
  - {name: Id, type: Number, primary_key: true}
---
kind: DataExtension
key: CON
name: Reserved name
fields:
  - {name: Id, type: Number, primary_key: true}
---
kind: QueryDefinition
key: nto_city
name: City
folder: Query/CRM
target: nto_customers
sql: SELECT SubscriberKey, City FROM [NTO Customers]
---
kind: ImportDefinition
key: nto_import
name: Import
destination: nto_customers
file_spec: customers.csv
"""


@pytest.fixture
def account(tmp_path: Path) -> AccountClient:
    """The embedded emulator with ACCOUNT applied (and so mcstate's manifest data extension in it)."""
    setup = tmp_path / "setup"
    (setup / "definitions").mkdir(parents=True)
    (setup / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: account.db\n"
    )
    (setup / "definitions" / "account.yaml").write_text(ACCOUNT, encoding="utf-8")
    project = find_project(config=setup / "mcstate.yaml")
    client = connect(project, project.target())
    desired = engine.load_desired(project)
    plan = engine.plan(desired, client, "local")
    outcome = engine.apply(plan, desired, client, allow_destructive=False)
    assert not outcome.report.failures and not outcome.mismatches
    return client


def files_under(result_files: dict[Path, str], out: Path) -> set[str]:
    return {path.relative_to(out).as_posix() for path in result_files}


def test_files_are_laid_out_by_kind_and_folder_with_safe_names(
    account: AccountClient, tmp_path: Path
) -> None:
    out = tmp_path / "project" / "definitions"
    result = retrieve(account, RetrieveOptions(out=out, schemas_dir=tmp_path / "project" / "schemas"))
    assert result.unrepresentable == []
    assert files_under(result.files, out) == {
        "folders/data_extensions/CRM.yaml",
        "data_extensions/CRM/nto_customers.yaml",
        "data_extensions/CRM/Archive/nto_crm_archive.yaml",
        "data_extensions/CRMx/a_b_c-fb745651.yaml",
        "data_extensions/_CON-a3dbc4b6.yaml",
        "queries/CRM/nto_city.yaml",
        "queries/CRM/nto_city.sql",
        "imports/nto_import.yaml",
        "file_locations/crm_sftp.yaml",
    }
    customers = result.files[out / "data_extensions/CRM/nto_customers.yaml"]
    assert (
        customers.splitlines()[0]
        == "# yaml-language-server: $schema=../../../schemas/data_extension.schema.json"
    )
    query = result.files[out / "queries/CRM/nto_city.yaml"]
    assert "sql_file: nto_city.sql\n" in query
    assert (
        result.files[out / "queries/CRM/nto_city.sql"] == "SELECT SubscriberKey, City FROM [NTO Customers]\n"
    )
    assert "\nkey: a:b/c\n" in result.files[out / "data_extensions/CRMx/a_b_c-fb745651.yaml"]
    assert MANIFEST_KEY not in "".join(result.files.values())
    # What was written loads as definitions, and plans no change.
    for path, text in result.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    existing = load_existing(out, out)
    assert existing is not None
    live, managed = engine.read_account(existing, account)
    from mcstate.planner import make_plan

    assert make_plan(existing, live, "local", managed).empty


def test_schema_comments_point_at_mcstates_own_schemas_without_a_project_folder(
    account: AccountClient, tmp_path: Path
) -> None:
    result = retrieve(account, RetrieveOptions(out=tmp_path / "out", kinds=("imports",)))
    [(path, text)] = result.files.items()
    reference = text.splitlines()[0].split("$schema=")[1]
    assert (path.parent / reference).resolve() == (
        REPOSITORY / "schemas/import_definition.schema.json"
    ).resolve()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"kinds": ("DataExtension",)}, {"nto_customers", "nto_crm_archive", "a:b/c", "CON"}),
        ({"kinds": ("queries", "import_definition")}, {"nto_city", "nto_import"}),
        ({"keys": ("NTO_CUSTOMERS", "nto_city")}, {"nto_customers", "nto_city"}),
        ({"folder": "Data Extensions/CRM"}, {"Data Extensions/CRM", "nto_customers", "nto_crm_archive"}),
        ({"folder": " Data Extensions / CRM / Archive "}, {"nto_crm_archive"}),
        ({"folder": "Query"}, {"nto_city"}),
        ({"like": "nto\\_c%"}, {"nto_customers", "nto_crm_archive", "nto_city"}),
        ({"like": "%archive"}, {"nto_crm_archive"}),
        ({"like": "ci_y"}, {"nto_city"}),
        ({"like": "crm"}, {"Data Extensions/CRM"}),
        ({"kinds": ("DataExtension",), "like": "%o%"}, {"nto_customers", "nto_crm_archive", "a:b/c", "CON"}),
        ({"kinds": ("DataExtension",), "like": "%/%"}, {"a:b/c"}),
    ],
)
def test_selection(
    account: AccountClient, tmp_path: Path, options: dict[str, object], expected: set[str]
) -> None:
    result = retrieve(account, RetrieveOptions(out=tmp_path / "out", **options))  # type: ignore[arg-type]
    assert {written.key for written in result.written} == expected


def test_kind_names_accept_kinds_dirs_and_schema_names_and_refuse_others() -> None:
    assert kind_names(["DataExtension", "data_extensions", "filter_definition", "FOLDERS"]) == (
        "DataExtension",
        "FilterDefinition",
        "Folder",
    )
    with pytest.raises(ConfigError, match="--kind DataExtract2: not a kind; kinds: Folder, DataExtension"):
        kind_names(["DataExtract2"])


def test_like_is_sql_like() -> None:
    assert like_pattern("nto%").fullmatch("NTO_customers")
    assert like_pattern("n_o").fullmatch("nto") and not like_pattern("n_o").fullmatch("ntto")
    assert like_pattern("100\\%").fullmatch("100%") and not like_pattern("100\\%").fullmatch("1000")
    assert like_pattern("a.b*").fullmatch("a.b*") and not like_pattern("a.b*").fullmatch("axbb")


def test_a_folder_selects_by_whole_segments() -> None:
    options = RetrieveOptions(out=Path("out"), folder="Data Extensions/CRM")
    in_crmx = Live("DataExtension", "x", {"name": "x", "folder": "Data Extensions/CRMx"})
    in_crm = Live("DataExtension", "y", {"name": "y", "folder": "data extensions/crm"})
    no_folder = Live("ImportDefinition", "z", {"name": "z"})
    assert [selected(obj, options, (), None) for obj in (in_crmx, in_crm, no_folder)] == [False, True, False]


@pytest.mark.parametrize(
    ("text", "name", "changed"),
    [
        ("nto_customers", "nto_customers", False),
        ("Kunden Ünïcödé ✓ 🤖", "Kunden Ünïcödé ✓ 🤖", False),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j", True),
        ("tab\there", "tab_here", True),
        ("zero\u200bwidth", "zero_width", True),
        (".hidden", "_hidden", True),
        ("trailing. ", "trailing__", True),
        ("..", "__", True),
        ("CON", "_CON", True),
        ("com1.backup", "_com1.backup", True),
        ("console", "console", False),
        ("e\u0301", "é", True),
    ],
)
def test_safe_names(text: str, name: str, changed: bool) -> None:
    assert safe_name(text) == (name, changed)


def test_long_keys_are_cut_on_a_character_boundary() -> None:
    name, changed = safe_name("Ü" * 200)
    assert changed and len(name.encode()) <= 120 and name == "Ü" * 60


def de(key: str, folder: str = "Data Extensions") -> Live:
    return Live("DataExtension", key, {"name": key, "folder": folder})


def names_of(*objects: Live) -> dict[str, str]:
    live = {"DataExtension": {lookup_address(o.kind, o.key): o for o in objects}}
    return {lookup.split(":", 1)[1]: str(path) for lookup, path in planned_names(live).items()}


def test_names_get_the_keys_hash_when_changed_or_when_keys_differ_only_in_case() -> None:
    names = names_of(
        de("Customers"), de("customers"), de("a/b"), de("a_b"), de("other", "Data Extensions/A:B")
    )
    assert names == {
        "Customers": "data_extensions/Customers-aabe76f1",
        "customers": "data_extensions/customers-21eb2153",
        "a/b": "data_extensions/a_b-c14cddc0",
        "a_b": "data_extensions/a_b",
        "other": "data_extensions/A_B-5a33e15d/other",
    }
    # The same in any order, and whatever else the account holds.
    assert names_of(de("a_b"), de("customers"), de("Customers"))["customers"] == names["customers"]
    assert names_of(de("a_b"), de("a/b"))["a_b"] == "data_extensions/a_b"


def test_an_existing_file_of_the_same_name_is_never_overwritten(
    account: AccountClient, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "imports").mkdir(parents=True)
    (out / "imports" / "NTO_IMPORT.YAML").write_text("# somebody's notes\n")
    (out / "queries" / "CRM").mkdir(parents=True)
    (out / "queries" / "CRM" / "nto_city.sql").write_text("SELECT 'mine'\n")
    result = retrieve(account, RetrieveOptions(out=out, kinds=("ImportDefinition", "QueryDefinition")))
    assert files_under(result.files, out) == {
        "imports/nto_import-9f3eab2c.yaml",
        "queries/CRM/nto_city-2f353752.yaml",
        "queries/CRM/nto_city-2f353752.sql",
    }
    assert "sql_file: nto_city-2f353752.sql" in result.files[out / "queries/CRM/nto_city-2f353752.yaml"]


EXISTING = """\
# yaml-language-server: $schema=../schemas/data_extension.schema.json
# Our customers.
kind: DataExtension
key: nto_customers
name: NTO Customers (old)
folder: Data Extensions/CRM
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
---
# Kept as it is.
kind: ImportDefinition
key: nto_import
name: Import
destination: nto_customers
file_spec: customers.csv   # a comment that stays
---
# The query, inline.
kind: QueryDefinition
key: nto_city
name: City (old)
folder: Query/CRM
target: nto_customers
sql: SELECT SubscriberKey FROM [NTO Customers (old)]
"""


def write_existing(out: Path) -> Path:
    (out / "mixed").mkdir(parents=True)
    path = out / "mixed" / "several.yaml"
    path.write_text(EXISTING, encoding="utf-8")
    return path


def test_defined_objects_are_skipped_with_where_they_are_defined(
    account: AccountClient, tmp_path: Path
) -> None:
    out = tmp_path / "definitions"
    write_existing(out)
    existing = load_existing(out, out)
    result = retrieve(account, RetrieveOptions(out=out, kinds=("DataExtension", "QueryDefinition")), existing)
    skipped = {(s.kind, s.key): s.reason for s in result.skipped}
    assert skipped[("DataExtension", "nto_customers")].endswith("mixed/several.yaml:3:1")
    assert skipped[("QueryDefinition", "nto_city")].startswith("already defined at ")
    assert {w.key for w in result.written} == {"nto_crm_archive", "a:b/c", "CON"}


def test_overwrite_rewrites_documents_in_place_and_keeps_the_others(
    account: AccountClient, tmp_path: Path
) -> None:
    out = tmp_path / "definitions"
    path = write_existing(out)
    existing = load_existing(out, out)
    options = RetrieveOptions(out=out, keys=("nto_customers", "nto_city"), overwrite=True)
    result = retrieve(account, options, existing)
    assert {(w.key, w.path, w.rewritten) for w in result.written} == {
        ("nto_customers", path, True),
        ("nto_city", path, True),
    }
    assert list(result.files) == [path]
    assert result.files[path] == textwrap.dedent(
        """\
        # yaml-language-server: $schema=../schemas/data_extension.schema.json
        # Our customers.
        kind: DataExtension
        key: nto_customers
        name: NTO Customers
        folder: Data Extensions/CRM
        fields:
          - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
          - {name: City, type: Text}
        ---
        # Kept as it is.
        kind: ImportDefinition
        key: nto_import
        name: Import
        destination: nto_customers
        file_spec: customers.csv   # a comment that stays
        ---
        # The query, inline.
        kind: QueryDefinition
        key: nto_city
        name: City
        folder: Query/CRM
        target: nto_customers
        sql: |
          SELECT SubscriberKey, City FROM [NTO Customers]
        """
    )


def test_overwrite_keeps_a_querys_sql_file_and_rewrites_a_single_document_file(
    account: AccountClient, tmp_path: Path
) -> None:
    out = tmp_path / "definitions"
    (out / "q").mkdir(parents=True)
    (out / "q" / "city.yaml").write_text(
        "kind: QueryDefinition\nkey: nto_city\nname: Old\ntarget: nto_customers\nsql_file: sql/city.sql\n"
    )
    (out / "q" / "sql").mkdir()
    (out / "q" / "sql" / "city.sql").write_text("SELECT SubscriberKey FROM [NTO Customers]\n")
    existing = load_existing(out, out)
    result = retrieve(account, RetrieveOptions(out=out, keys=("nto_city",), overwrite=True), existing)
    assert set(result.files) == {out / "q" / "city.yaml", out / "q" / "sql" / "city.sql"}
    comment, text = result.files[out / "q" / "city.yaml"].split("\n", 1)
    assert comment.startswith("# yaml-language-server: $schema=") and comment.endswith(
        "/query_definition.schema.json"
    )
    assert text == (
        "kind: QueryDefinition\nkey: nto_city\nname: City\nfolder: Query/CRM\ntarget: nto_customers\n"
        "sql_file: sql/city.sql\n"
    )
    assert result.files[out / "q" / "sql" / "city.sql"] == "SELECT SubscriberKey, City FROM [NTO Customers]\n"


def test_overwrite_of_a_definition_outside_the_output_folder_writes_anew_and_says_so(
    account: AccountClient, tmp_path: Path
) -> None:
    definitions = tmp_path / "definitions"
    write_existing(definitions)
    out = tmp_path / "preview"
    existing = load_existing(definitions, out)
    result = retrieve(account, RetrieveOptions(out=out, keys=("nto_import",), overwrite=True), existing)
    assert files_under(result.files, out) == {"imports/nto_import.yaml"}
    [note] = result.notes
    assert note.startswith("ImportDefinition nto_import: written to ")
    assert note.endswith("mixed/several.yaml:11:1 still declares it: remove that document")


def test_definitions_under_the_output_folder_count_as_existing_too(tmp_path: Path) -> None:
    definitions, out = tmp_path / "definitions", tmp_path / "preview"
    write_existing(out)
    existing = load_existing(definitions, out)
    assert existing is not None and existing.get("ImportDefinition", "nto_import") is not None
    assert load_existing(definitions, tmp_path / "nowhere") is None


def test_the_round_trip_check_says_what_no_definition_can_express(tmp_path: Path) -> None:
    rtype = REGISTRY["DataExtension"]
    no_length = Live(
        "DataExtension",
        "odd",
        {
            "name": "Odd",
            "description": "",
            "folder": "Data Extensions",
            "testable": False,
            "sendable": None,
            "retention": None,
            "fields": [
                {"name": "Id", "type": "Text", "primary_key": True, "required": True, "default": None}
            ],
        },
    )
    root = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""})
    live = {"Folder": {lookup_address("Folder", root.key): root}}
    definition = rtype.to_definition(no_length, live)
    assert isinstance(definition, Definition)
    assert round_trip_problem(no_length, definition, {}, live) == (
        "no definition can say exactly what the account has (it would differ in: fields[Id].length)"
    )
    long_name = Live("DataExtension", "long", {**no_length.attributes, "name": "N" * 200})
    definition = rtype.to_definition(long_name, {})
    assert isinstance(definition, Definition)
    problem = round_trip_problem(long_name, definition, {}, live)
    assert problem is not None and problem.startswith(
        "no valid definition can say what the account has (name: "
    )


def test_a_filter_the_service_would_now_refuse_is_not_representable(tmp_path: Path) -> None:
    source = Live(
        "DataExtension",
        "src",
        {"name": "Src", "fields": [{"name": "Flag", "type": "Boolean"}], "folder": "Data Extensions"},
    )
    live = {"DataExtension": {"DataExtension:src": source}, "Folder": {}}
    data_filter = Live(
        "FilterDefinition",
        "f",
        {
            "name": "F",
            "description": "",
            "folder": "Data Filters",
            "source": "src",
            "filter": {"field": "Flag", "operator": "equals", "values": ["maybe"]},
        },
    )
    definition = REGISTRY["FilterDefinition"].to_definition(data_filter, live)
    assert isinstance(definition, Definition)
    problem = round_trip_problem(data_filter, definition, {}, live)
    assert problem == (
        "its definition would be refused: 373009 Invalid DataFilter: 'maybe' is not true or false "
        "(Flag is a Boolean field)"
    )


def test_the_example_definitions_come_back_as_they_were_written(tmp_path: Path) -> None:
    """The repository's own example, applied and retrieved with --overwrite onto itself: every document
    keeps its place, and what changes is only what the examples spell out although it is the default."""
    setup = tmp_path / "example"
    shutil.copytree(REPOSITORY / "definitions", setup / "definitions")
    (setup / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: account.db\n"
    )
    project = find_project(config=setup / "mcstate.yaml")
    client = connect(project, project.target())
    desired = engine.load_desired(project)
    engine.apply(engine.plan(desired, client, "local"), desired, client, allow_destructive=False)
    options = RetrieveOptions(out=project.definitions, overwrite=True, schemas_dir=REPOSITORY / "schemas")
    result = retrieve(client, options, desired)
    assert result.unrepresentable == [] and result.notes == []
    # The account's own SFTP location comes back too (the example declares none).
    declared = {obj.key for obj in desired if obj.document is not None}
    assert {w.key for w in result.written} == declared | {"crm_sftp"}
    folders = result.files[project.definitions / "folders.yaml"]
    assert folders == (REPOSITORY / "definitions" / "folders.yaml").read_text()
    customers = result.files[project.definitions / "data_extensions" / "customers.yaml"]
    assert customers == (REPOSITORY / "definitions" / "data_extensions" / "customers.yaml").read_text()


def test_a_folder_path_must_lead_through_the_accounts_folders(tmp_path: Path) -> None:
    folders = [
        Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}),
        Live(
            "Folder",
            "Data Extensions/Imports/Exports",
            {"content_type": "dataextension", "description": ""},
            unmanageable="the folder name 'Imports/Exports' contains '/'",
        ),
        Live("Folder", "Data Extensions/A/B", {"content_type": "dataextension", "description": ""}),
    ]
    live = {"Folder": {lookup_address("Folder", f.key): f for f in folders}}
    fields = [{"name": "Id", "type": "Number", "primary_key": True, "required": True, "default": None}]

    def in_folder(folder: str) -> str | None:
        attributes = {"name": "X", "description": "", "folder": folder, "testable": False}
        obj = Live(
            "DataExtension", "x", {**attributes, "sendable": None, "retention": None, "fields": fields}
        )
        definition = REGISTRY["DataExtension"].to_definition(obj, live)
        assert isinstance(definition, Definition)
        return round_trip_problem(obj, definition, {}, live)

    assert in_folder("Data Extensions/Imports/Exports") == (
        "its folder 'Data Extensions/Imports/Exports' cannot be named in a definition: the folder name "
        "'Imports/Exports' contains '/'"
    )
    assert in_folder("Data Extensions/A/B") == (
        "plan would create the Folder 'Data Extensions/A' that its path 'Data Extensions/A/B' names"
    )
