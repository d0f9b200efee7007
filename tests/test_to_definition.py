"""Each type's to_definition: the definition a person would write for a live object.

The round-trip contract, for every variant: the definition is valid against the kind's schema, its YAML reads
back as written, `from_document` normalizes it to exactly the live object's attributes, and diff finds no
change. Live objects are built from service rows through the types' own read helpers where they have them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mcstate.definitions.loader import load_documents
from mcstate.definitions.schemas import load_schema
from mcstate.definitions.writer import dump_document
from mcstate.desired import lookup_address
from mcstate.resources import REGISTRY, declarable
from mcstate.resources.automation import schedule_from_service
from mcstate.resources.base import Definition, Live, NotRepresentable, SideFile
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.data_extract import attributes_from_service
from mcstate.resources.file_transfer import attributes_from_service as transfer_attributes
from mcstate.resources.filter_definition import condition_from_service
from mcstate.resources.folder import FolderType, root_content_types
from mcstate.resources.import_definition import ImportDefinitionType
from mcstate.resources.query_definition import QueryDefinitionType, same_sql

LiveState = dict[str, dict[str, Live]]
# Attributes a type keeps beside the compared ones: the target's name of a query (sent with its key, never
# compared) and the type of a data extract (read from the account only).
NOT_DECLARED = {
    "QueryDefinition": {"target_name"},
    "DataExtract": {"extract_type"},
    "FileLocation": {"secrets"},  # never read back
}


def state(*objects: Live) -> LiveState:
    live: LiveState = {}
    for obj in objects:
        live.setdefault(obj.kind, {})[lookup_address(obj.kind, obj.key)] = obj
    return live


def assert_round_trip(obj: Live, live: Mapping[str, Mapping[str, Live]], tmp_path: Path) -> dict[str, Any]:
    """The definition of `obj`, after checking it normalizes back to exactly `obj`."""
    rtype = REGISTRY[obj.kind]
    definition = rtype.to_definition(obj, live)
    assert isinstance(definition, Definition), definition
    data = definition.inline()
    validator = Draft202012Validator(
        load_schema(declarable()[obj.kind]), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert [error.message for error in validator.iter_errors(data)] == []
    # Written and loaded as the loader loads any definitions file.
    (tmp_path / "definition.yaml").write_text(dump_document(data), encoding="utf-8")
    [document] = load_documents(tmp_path / "definition.yaml", declarable())
    assert document.data == data
    desired = rtype.from_document(document)
    assert desired.key == obj.key
    ignored = NOT_DECLARED.get(obj.kind, set())
    want = {name: value for name, value in obj.attributes.items() if name not in ignored}
    have = {name: value for name, value in desired.attributes.items() if name not in ignored}
    if obj.kind == "QueryDefinition":
        assert same_sql(have.pop("sql"), want.pop("sql"))
    assert have == want
    assert rtype.diff(desired, obj) is None
    return data


def not_representable(obj: Live, live: Mapping[str, Mapping[str, Live]]) -> str:
    result = REGISTRY[obj.kind].to_definition(obj, live)
    assert isinstance(result, NotRepresentable), result
    return result.reason


# -- data extensions -------------------------------------------------------------------------------------


def field_row(name: str, field_type: str = "Text", **row: Any) -> dict[str, Any]:
    # The service answers every Text field's length, 50 when none was given.
    length = {"MaxLength": 50} if field_type == "Text" else {}
    return {"Name": name, "FieldType": field_type, "ObjectID": f"field-{name}", **length, **row}


def de_row(key: str = "nto_customers", **row: Any) -> dict[str, Any]:
    base = {"CustomerKey": key, "Name": "NTO Customers", "ObjectID": f"de-{key}", "CategoryID": 7}
    return {**base, **row}


def data_extension(
    fields: list[dict[str, Any]] | None = None, folder: str | None = "Data Extensions/CRM", **row: Any
) -> Live:
    rows = (
        fields
        if fields is not None
        else [field_row("SubscriberKey", MaxLength=254, IsPrimaryKey=True, IsRequired=True)]
    )
    ordered = [{**spec, "Ordinal": index} for index, spec in enumerate(rows)]
    return DataExtensionType().live_from_service(de_row(**row), ordered, folder)


KEY_FIELD = field_row("SubscriberKey", MaxLength=254, IsPrimaryKey=True, IsRequired=True)
EMAIL_FIELD = field_row("Email", "EmailAddress", MaxLength=254, IsRequired=True)

DATA_EXTENSIONS: dict[str, Live] = {
    "every field type": data_extension(
        [
            KEY_FIELD,
            field_row("Short", MaxLength=50),
            field_row("Long", MaxLength=4000),
            EMAIL_FIELD,
            field_row("ShortEmail", "EmailAddress", MaxLength=100),
            field_row("Count", "Number"),
            field_row("When", "Date"),
            field_row("Flag", "Boolean"),
            field_row("Phone", "Phone", MaxLength=50),
            field_row("Amount", "Decimal", MaxLength=18, Scale=2),
            field_row("Ratio", "Decimal", MaxLength=38, Scale=18),
            field_row("Whole", "Decimal", MaxLength=10, Scale=0),
            field_row("Locale", "Locale"),
        ]
    ),
    "defaults of every kind": data_extension(
        [
            KEY_FIELD,
            field_row("Zero", "Number", DefaultValue="0"),
            field_row("Padded", "Number", DefaultValue="007"),
            field_row("Negative", "Number", DefaultValue="-1"),
            field_row("Price", "Decimal", MaxLength=18, Scale=2, DefaultValue="1.5"),
            field_row("Trailing", "Decimal", MaxLength=18, Scale=2, DefaultValue="1.50"),
            field_row("Yes", "Boolean", DefaultValue="true", IsRequired=True),
            field_row("No", "Boolean", DefaultValue="false"),
            field_row("Capital", "Boolean", DefaultValue="True"),
            field_row("Now", "Date", DefaultValue="GetDate()"),
            field_row("Day", "Date", DefaultValue="2024-01-31"),
            field_row("TextYes", DefaultValue="yes"),
            field_row("TextZero", DefaultValue="0"),
            field_row("TextNull", DefaultValue="null"),
            field_row("TextTilde", DefaultValue="~"),
            field_row("Spaced", DefaultValue=" padded "),
            field_row("Quoted", DefaultValue='it\'s "quoted"'),
            field_row("Colon", DefaultValue="a: b"),
            field_row("Empty", DefaultValue=""),
        ]
    ),
    "sendable by subscriber key, as the service answers it": data_extension(
        [KEY_FIELD, EMAIL_FIELD],
        IsSendable="true",
        IsTestable="true",
        SendableDataExtensionField={"Name": "SubscriberKey"},
        SendableSubscriberField={"Name": "_SubscriberKey"},
    ),
    "sendable by email address": data_extension(
        [EMAIL_FIELD],
        IsSendable=True,
        SendableDataExtensionField={"Name": "Email"},
        SendableSubscriberField={"Name": "_EmailAddress"},
    ),
    "sendable by the name writes use": data_extension(
        [KEY_FIELD],
        IsSendable=True,
        SendableDataExtensionField={"Name": "SubscriberKey"},
        SendableSubscriberField={"Name": "Subscriber Key"},
    ),
    "rows deleted after days": data_extension(
        DataRetentionPeriodLength=30, DataRetentionPeriodUnitOfMeasure=3, RowBasedRetention=True
    ),
    "all rows deleted after weeks, reset on import": data_extension(
        DataRetentionPeriodLength=2,
        DataRetentionPeriodUnitOfMeasure=4,
        DeleteAtEndOfRetentionPeriod=True,
        ResetRetentionPeriodOnImport=True,
    ),
    "rows and data extension deleted after months": data_extension(
        DataRetentionPeriodLength=6, DataRetentionPeriodUnitOfMeasure=5
    ),
    "rows deleted after years": data_extension(
        DataRetentionPeriodLength=1, DataRetentionPeriodUnitOfMeasure=6, RowBasedRetention="true"
    ),
    "all rows deleted on a date": data_extension(
        RetainUntil="12/31/2026 12:00:00 AM", DeleteAtEndOfRetentionPeriod=True
    ),
    "in the root folder": data_extension(folder="Data Extensions"),
    "deep folder with unicode": data_extension(folder="Data Extensions/Ünïcödé/Kampagnen 2026/Q1 ✓"),
    "description of several lines": data_extension(Description="Customers.\nSynced nightly.\n"),
    "unicode key and name": data_extension(key="Kunden_Ünïcödé ✓", Name="Kunden: Ünïcödé ✓"),
    "names YAML would read as other values": data_extension(
        [field_row("true"), field_row("123", "Number", IsPrimaryKey=True, IsRequired=True)],
        key="2024-01-31",
        Name="null",
        Description="no",
    ),
}


@pytest.mark.parametrize("name", DATA_EXTENSIONS)
def test_data_extensions_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(DATA_EXTENSIONS[name], {}, tmp_path)


# Shapes real accounts hold that the service does not let a client write, and how they read.
ACCOUNT_SHAPES: dict[str, tuple[Live, dict[str, Any]]] = {
    # The service refuses a date next to a period: the period is what it keeps, so it is what reads.
    "a period and a date": (
        data_extension(
            DataRetentionPeriodLength=6,
            DataRetentionPeriodUnitOfMeasure=5,
            RowBasedRetention=True,
            RetainUntil="5/9/2024 12:00:00 AM",
        ),
        {"retention": {"period": {"length": 6, "unit": "months"}, "policy": "individual_records"}},
    ),
    # Policy flags without a period or a date delete nothing: no retention.
    "a policy without a period or a date": (data_extension(RowBasedRetention=True), {}),
    "no fields": (data_extension([]), {"fields": []}),
    "based on a template": (
        data_extension(
            Template={"CustomerKey": "B6E8AE4C-3D93-49B1-B299-E0AE734213DD"},
            IsSendable=True,
            SendableDataExtensionField={"Name": "SubscriberKey"},
            SendableSubscriberField={"Name": "_SubscriberKey"},
        ),
        {
            "sendable": {"field": "SubscriberKey", "subscriber_field": "Subscriber Key"},
            "template": "B6E8AE4C-3D93-49B1-B299-E0AE734213DD",
        },
    ),
    "sendable by e-mail address": (
        data_extension(
            [KEY_FIELD, field_row("Email Address", "EmailAddress", MaxLength=254)],
            IsSendable=True,
            SendableDataExtensionField={"Name": "Email Address"},
            SendableSubscriberField={"Name": "_EmailAddress"},
        ),
        {"sendable": {"field": "Email Address", "subscriber_field": "Email Address"}},
    ),
}


@pytest.mark.parametrize("name", ACCOUNT_SHAPES)
def test_account_shapes_round_trip(name: str, tmp_path: Path) -> None:
    obj, expected = ACCOUNT_SHAPES[name]
    data = assert_round_trip(obj, {}, tmp_path)
    for attribute in ("retention", "template", "sendable"):
        assert data.get(attribute) == expected.get(attribute)
    if "fields" in expected:
        assert data["fields"] == expected["fields"]


def test_a_data_extension_is_written_as_a_person_writes_it(tmp_path: Path) -> None:
    obj = data_extension(
        [
            KEY_FIELD,
            EMAIL_FIELD,
            field_row("City", MaxLength=50),
            field_row("Opens", "Number", IsRequired=True, DefaultValue="0"),
            field_row("Amount", "Decimal", MaxLength=18, Scale=2),
        ],
        Description="Customers",
        IsSendable=True,
        SendableDataExtensionField={"Name": "SubscriberKey"},
        SendableSubscriberField={"Name": "_SubscriberKey"},
        DataRetentionPeriodLength=6,
        DataRetentionPeriodUnitOfMeasure=5,
        RowBasedRetention=True,
    )
    data = assert_round_trip(obj, {}, tmp_path)
    assert dump_document(data) == (
        "kind: DataExtension\n"
        "key: nto_customers\n"
        "name: NTO Customers\n"
        "description: Customers\n"
        "folder: Data Extensions/CRM\n"
        "sendable: {field: SubscriberKey, subscriber_field: Subscriber Key}\n"
        "retention: {period: {length: 6, unit: months}, policy: individual_records}\n"
        "fields:\n"
        "  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}\n"
        "  - {name: Email, type: EmailAddress, required: true}\n"
        "  - {name: City, type: Text}\n"
        "  - {name: Opens, type: Number, required: true, default: 0}\n"
        "  - {name: Amount, type: Decimal, precision: 18, scale: 2}\n"
    )


def test_data_extension_defaults_are_typed_only_when_they_read_back_the_same(tmp_path: Path) -> None:
    data = assert_round_trip(DATA_EXTENSIONS["defaults of every kind"], {}, tmp_path)
    defaults = {field["name"]: field.get("default") for field in data["fields"]}
    assert defaults["Zero"] == 0 and defaults["Negative"] == -1 and defaults["Price"] == 1.5
    assert defaults["Padded"] == "007" and defaults["Trailing"] == "1.50" and defaults["Capital"] == "True"
    assert defaults["Yes"] is True and defaults["No"] is False and defaults["TextZero"] == "0"
    assert "default" not in next(f for f in data["fields"] if f["name"] == "Empty")


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (data_extension(folder=None), "not in the account's folder tree"),
        (data_extension(folder="Shared Data Extensions/CRM"), "outside the root folder 'Data Extensions'"),
        (data_extension(folder="Data Extensions/ CRM"), "starts or ends with a space"),
        (
            data_extension(
                IsSendable=True,
                SendableDataExtensionField={"Name": "SubscriberKey"},
                SendableSubscriberField={"Name": "_SubscriberID"},
            ),
            "subscriber attribute '_SubscriberID'",
        ),
        (data_extension([field_row("Id", "Number", IsPrimaryKey=True)]), "primary key field 'Id'"),
    ],
)
def test_data_extensions_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, {})


# -- folders ---------------------------------------------------------------------------------------------


def folder(path: str, description: str = "", content_type: str | None = None) -> Live:
    content_type = content_type or root_content_types().get(path.split("/")[0])
    return Live("Folder", path, {"content_type": content_type, "description": description}, {"id": 1})


@pytest.mark.parametrize(
    "path", ["Data Extensions/CRM", "Query/Segments/Deep/Deeper", "Data Filters/Ünïcödé", "my automations/x"]
)
def test_folders_with_a_description_round_trip(path: str, tmp_path: Path) -> None:
    data = assert_round_trip(folder(path, "What it holds"), {}, tmp_path)
    assert data == {"kind": "Folder", "path": path, "description": "What it holds"}


@pytest.mark.parametrize(
    "obj", [folder("Data Extensions/CRM"), folder("Data Extensions", "The root"), folder("Query", "")]
)
def test_folders_without_a_description_and_root_folders_need_no_definition(obj: Live) -> None:
    assert FolderType().to_definition(obj, {}) is None


def test_a_described_folder_under_a_root_definitions_do_not_use_is_not_representable() -> None:
    obj = folder("Shared Data Extensions/Partner", "Shared by the parent", "shared_dataextension")
    assert "'Shared Data Extensions'" in not_representable(obj, {})


# -- imports ---------------------------------------------------------------------------------------------


def import_row(**row: Any) -> dict[str, Any]:
    base = {
        "CustomerKey": "nto_import",
        "Name": "Import customers",
        "ObjectID": "import-1",
        "FileSpec": "customers_%%YEAR%%%%MONTH%%%%DAY%%.csv",
        "FileType": "CSV",
        "Delimiter": ",",
        "HeaderLines": 1,
        "EncodingCodePage": 65001,
        "DateFormattingLocale": {"LocaleCode": "en-US"},
        "FieldMappingType": "InferFromColumnHeadings",
        "UpdateType": "AddAndUpdate",
        "RetrieveFileTransferLocation": {"CustomerKey": "ExactTarget Enhanced FTP"},
        "AllowErrors": "false",
    }
    return {**base, **row}


def an_import(destination: str | None = "nto_customers", **row: Any) -> Live:
    return ImportDefinitionType().live_from_service(import_row(**row), destination)


MANUAL_MAP = {
    "FieldMaps": {
        "FieldMap": [
            {"SourceName": "customer_id", "DestinationName": "SubscriberKey"},
            {"SourceName": "e-mail: work", "DestinationName": "Email"},
            {"SourceName": "3", "DestinationName": "City"},
        ]
    }
}

IMPORTS: dict[str, Live] = {
    "all defaults": an_import(),
    "tab file": an_import(FileType="TAB", Delimiter="\t"),
    "other file with a pipe": an_import(FileType="Other", Delimiter="|"),
    "other file with a tab": an_import(FileType="Other", Delimiter="\t"),
    "no header, two headers": an_import(HeaderLines=0),
    "two header lines": an_import(HeaderLines=2),
    "utf-16": an_import(EncodingCodePage=1200),
    "latin-1": an_import(EncodingCodePage=28591),
    "windows-1252": an_import(EncodingCodePage=1252),
    "ascii": an_import(EncodingCodePage=20127),
    "german dates": an_import(DateFormattingLocale={"LocaleCode": "de-DE"}),
    "map by ordinal": an_import(FieldMappingType="MapByOrdinal"),
    "manual map": an_import(FieldMappingType="ManualMap", **MANUAL_MAP),
    "add only": an_import(UpdateType="AddAndDoNotUpdate"),
    "update only": an_import(UpdateType="UpdateButDoNotAdd"),
    "overwrite": an_import(UpdateType="Overwrite"),
    "column based": an_import(
        UpdateType="ColumnBased",
        ControlColumn="Action",
        ControlColumnDefaultAction="AddAndUpdate",
        ControlColumnActions={
            "ControlColumnAction": [
                {"Value": "D", "Action": "Delete"},
                {"Value": "1", "Action": "AddButDoNotUpdate"},
                {"Value": "007", "Action": "Skip"},
            ]
        },
    ),
    "column based, default skip and no actions": an_import(
        UpdateType="ColumnBased", ControlColumn="Action", ControlColumnDefaultAction="Skip"
    ),
    "allow errors": an_import(AllowErrors="true"),
    "notify always": an_import(
        Notification={"ResponseType": "email", "ResponseAddress": "ops@nto.example", "RespondWhen": "Always"}
    ),
    "notify on error": an_import(
        Notification={"ResponseType": "email", "ResponseAddress": "ops@nto.example", "RespondWhen": "OnError"}
    ),
    "another file location": an_import(RetrieveFileTransferLocation={"CustomerKey": "crm_sftp"}),
    "described": an_import(Description="Nightly\nfrom the CRM"),
}


@pytest.mark.parametrize("name", IMPORTS)
def test_imports_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(IMPORTS[name], {}, tmp_path)


def test_an_import_refers_to_its_destination_by_key_and_leaves_defaults_out(tmp_path: Path) -> None:
    data = assert_round_trip(IMPORTS["manual map"], {}, tmp_path)
    assert data["destination"] == "nto_customers"
    assert set(data) == {"kind", "key", "name", "destination", "file_spec", "field_mapping", "field_map"}
    assert data["field_map"][2] == {"source": "3", "destination": "City"}


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (an_import(destination=None), "destination is not a data extension"),
        (an_import(FileType="CSV", Delimiter="|"), "a csv file with the delimiter '|'"),
        (an_import(**MANUAL_MAP), "maps fields by hand"),
        (an_import(EncodingCodePage=437), "encoding 'code page 437'"),
        (an_import(UpdateType="ColumnBased"), "control column and its update type disagree"),
        (
            an_import(FieldMappingType="ManualMap", FieldMaps={"FieldMap": [{"DestinationName": "Email"}]}),
            "fills 'Email' from a column given neither by name nor by position",
        ),
        (an_import(EncodingCodePage=None), "it has no encoding"),
        (
            an_import(
                FieldMappingType="ManualMap",
                FieldMaps={"FieldMap": [{"SourceOrdinal": 3, "DestinationName": "City"}]},
            ),
            "fills 'City' from the column at position 3 (SourceOrdinal); definitions name the file's columns",
        ),
    ],
)
def test_imports_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, {})


# -- queries ---------------------------------------------------------------------------------------------


def query(folder: str | None = "Query/Segments", **row: Any) -> Live:
    base = {
        "CustomerKey": "nto_by_region",
        "Name": "By region",
        "ObjectID": "query-1",
        "QueryText": "SELECT SubscriberKey\nFROM [NTO Customers]\nWHERE Region = 'North'",
        "DataExtensionTarget": {"CustomerKey": "nto_by_region_de", "Name": "By region"},
        "TargetUpdateType": "Overwrite",
        "CategoryID": 3,
    }
    return QueryDefinitionType().live_from_service({**base, **row}, folder)


QUERIES: dict[str, Live] = {
    "overwrite in a folder": query(),
    "update": query(TargetUpdateType="Update"),
    "append, lower case from the service": query(TargetUpdateType="append"),
    "in the root folder": query(folder="Query"),
    "described": query(Description="Rebuilt every night"),
    "SQL ending with a newline": query(QueryText="SELECT 1 AS One\n"),
    "SQL with unicode and quotes": query(QueryText="SELECT N'Grüße' AS \"Greeting\" -- ✓"),
}


@pytest.mark.parametrize("name", QUERIES)
def test_queries_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(QUERIES[name], {}, tmp_path)


def test_a_query_keeps_its_sql_in_a_side_file() -> None:
    definition = QueryDefinitionType().to_definition(QUERIES["update"], {})
    assert isinstance(definition, Definition)
    [side] = definition.side_files
    assert (side.attribute, side.suffix) == ("sql_file", ".sql")
    assert side.text == "SELECT SubscriberKey\nFROM [NTO Customers]\nWHERE Region = 'North'\n"
    data = definition.with_side_files({"sql_file": "nto_by_region.sql"})
    assert list(data) == ["kind", "key", "name", "folder", "target", "update_type", "sql_file"]
    assert data["sql_file"] == "nto_by_region.sql" and data["target"] == "nto_by_region_de"


def test_a_query_and_its_sql_file_load_back(tmp_path: Path) -> None:
    definition = QueryDefinitionType().to_definition(QUERIES["overwrite in a folder"], {})
    assert isinstance(definition, Definition)
    (tmp_path / "q.sql").write_text(definition.side_files[0].text, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(dump_document(definition.with_side_files({"sql_file": "q.sql"})))
    [document] = load_documents(tmp_path / "q.yaml", declarable())
    desired = QueryDefinitionType().from_document(document)
    assert QueryDefinitionType().diff(desired, QUERIES["overwrite in a folder"]) is None


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (query(QueryText=""), "SQL is empty"),
        (query(folder=None), "folder tree"),
        (query(DataExtensionTarget={}), "writes to no data extension"),
    ],
)
def test_queries_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, {})


# -- filters ---------------------------------------------------------------------------------------------


SOURCE = data_extension(
    [
        KEY_FIELD,
        field_row("City", MaxLength=100),
        field_row("Opens", "Number"),
        field_row("Amount", "Decimal", MaxLength=18, Scale=2),
        field_row("OptedIn", "Boolean"),
        field_row("Joined", "Date"),
    ],
    key="nto_source",
)


def simple(field: str, operator: str, *values: str, dates: tuple[str, ...] = ()) -> dict[str, Any]:
    part: dict[str, Any] = {"Property": field, "SimpleOperator": operator, "Value": list(values)}
    if dates:
        part["DateValue"] = list(dates)
    return part


def complex_part(
    left: dict[str, Any], operator: str, right: dict[str, Any], *more: dict[str, Any]
) -> dict[str, Any]:
    part: dict[str, Any] = {"LeftOperand": left, "LogicalOperator": operator, "RightOperand": right}
    if more:
        part["AdditionalOperands"] = {"Operand": list(more)}
    return part


def a_filter(
    data_filter: dict[str, Any], folder: str | None = "Data Filters/Engagement", **attributes: Any
) -> Live:
    values = {
        "name": "Engaged",
        "description": "",
        "folder": folder,
        "source": "nto_source",
        "filter": condition_from_service(data_filter),
        **attributes,
    }
    return Live("FilterDefinition", "nto_engaged", values, {"object_id": "filter-1"})


FILTERS: dict[str, Live] = {
    "text equals": a_filter(simple("City", "equals", "Seattle")),
    "text that reads as a number": a_filter(simple("City", "equals", "0")),
    "text that reads as a boolean": a_filter(simple("City", "notEquals", "yes")),
    "number": a_filter(simple("Opens", "greaterThan", "5")),
    "padded number": a_filter(simple("Opens", "equals", "007")),
    "decimal": a_filter(simple("Amount", "lessThan", "10.5")),
    "boolean": a_filter(simple("OptedIn", "equals", "true")),
    "date": a_filter(simple("Joined", "greaterThan", dates=("2024-01-31T00:00:00",))),
    "in": a_filter(simple("City", "IN", "Seattle", "Tacoma", "Ünïcödé")),
    "between numbers": a_filter(simple("Opens", "between", "1", "10")),
    "between dates": a_filter(simple("Joined", "between", dates=("2024-01-01", "2024-12-31"))),
    "is null": a_filter(simple("City", "isNull")),
    "is not null": a_filter(simple("Joined", "isNotNull")),
    "anniversary": a_filter(simple("Joined", "isAnniversary", dates=("2024-06-01",))),
    "field of an unknown source": a_filter(simple("Loyalty", "equals", "Gold"), source="nto_elsewhere"),
    "all of three": a_filter(
        complex_part(
            simple("City", "equals", "Seattle"),
            "AND",
            simple("Opens", "equals", "0"),
            simple("OptedIn", "equals", "true"),
        )
    ),
    "nested any inside all": a_filter(
        complex_part(
            simple("Joined", "isNotNull"),
            "AND",
            complex_part(simple("City", "isNull"), "OR", simple("Opens", "equals", "0")),
        )
    ),
    "three levels": a_filter(
        complex_part(
            complex_part(simple("City", "beginsWith", "Sea"), "OR", simple("City", "endsWith", "ma")),
            "AND",
            complex_part(
                simple("Opens", "greaterThanOrEqual", "1"),
                "OR",
                complex_part(
                    simple("OptedIn", "equals", "false"), "AND", simple("Amount", "between", "1", "2")
                ),
            ),
        )
    ),
    "left-deep chain of one kind": a_filter(
        complex_part(
            complex_part(simple("City", "equals", "A"), "OR", simple("City", "equals", "B")),
            "OR",
            simple("City", "equals", "C"),
        )
    ),
    "in the root folder": a_filter(simple("City", "isNull"), folder="Data Filters"),
    "described": a_filter(simple("City", "isNull"), description="Who\nand why"),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(FILTERS[name], state(SOURCE), tmp_path)


def test_a_filter_is_the_all_any_tree_with_values_typed_by_their_fields(tmp_path: Path) -> None:
    data = assert_round_trip(FILTERS["three levels"], state(SOURCE), tmp_path)
    assert data["filter"] == {
        "all": [
            {
                "any": [
                    {"field": "City", "operator": "beginsWith", "value": "Sea"},
                    {"field": "City", "operator": "endsWith", "value": "ma"},
                ]
            },
            {
                "any": [
                    {"field": "Opens", "operator": "greaterThanOrEqual", "value": 1},
                    {
                        "all": [
                            {"field": "OptedIn", "operator": "equals", "value": False},
                            {"field": "Amount", "operator": "between", "values": [1, 2]},
                        ]
                    },
                ]
            },
        ]
    }
    assert dump_document({"filter": data["filter"]["all"][0]}) == (
        "filter:\n"
        "  any:\n"
        "    - {field: City, operator: beginsWith, value: Sea}\n"
        "    - {field: City, operator: endsWith, value: ma}\n"
    )


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (a_filter(simple("City", "equals", "A", "B")), "with 2 values instead of one"),
        (a_filter(simple("City", "isNull", "A")), "isNull with a value"),
        (a_filter(simple("City", "equals")), "with 0 values"),
        (a_filter(simple("Opens", "between", "1")), "between with 1 value"),
        (a_filter(simple("City", "soundsLike", "A")), "operator 'soundsLike'"),
        (a_filter(simple("", "equals", "A")), "without a field"),
        (a_filter(simple("City", "isNull"), folder="Shared Data Filters"), "outside the root folder"),
    ],
)
def test_filters_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, state(SOURCE))


# -- data extracts and file transfers ---------------------------------------------------------------------


def extract(extract_type: str | None = "Data Extension Extract", **fields: str) -> Live:
    values = {"DECustomerKey": "nto_customers", "HasColumnHeaders": "True", "ColumnDelimiter": ",", **fields}
    detail = {
        "name": "Customers for the CRM",
        "description": fields.pop("description", ""),
        "fileSpec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "dataFields": [
            {"name": name, "value": value} for name, value in values.items() if name != "description"
        ],
    }
    attributes = attributes_from_service(detail)
    attributes["extract_type"] = extract_type
    return Live("DataExtract", "nto_customers_extract", attributes, {"object_id": "x-1"})


EXTRACTS: dict[str, Live] = {
    "defaults": extract(),
    "no column headers": extract(HasColumnHeaders="False"),
    "pipe delimited": extract(ColumnDelimiter="|"),
    "tab delimited": extract(ColumnDelimiter="\t"),
    "text qualified": extract(TextQualified="True"),
    "line feeds": extract(UsesLineFeed="true"),
    "types not read": extract(extract_type=None),
    "described": extract(description="For the CRM"),
}


@pytest.mark.parametrize("name", EXTRACTS)
def test_data_extracts_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(EXTRACTS[name], {}, tmp_path)


def test_data_extracts_definitions_cannot_express() -> None:
    assert "of the type 'Tracking Extract'" in not_representable(extract("Tracking Extract"), {})
    listed_only = Live("DataExtract", "x", {"name": "x", "description": "", "file_spec": ""}, {})
    assert "details were not read" in not_representable(listed_only, {})
    assert "no data extension" in not_representable(extract(DECustomerKey=""), {})


LOCATIONS = state(
    Live("FileLocation", "ExactTarget Enhanced FTP", {"name": "ExactTarget Enhanced FTP"}, {"id": "loc-ftp"}),
    Live("FileLocation", "crm_sftp", {"name": "CRM SFTP"}, {"id": "loc-sftp"}),
)
LOCATION_KEYS = {"loc-ftp": "ExactTarget Enhanced FTP", "loc-sftp": "crm_sftp"}
SFTP_LOCATION = Live(
    "FileLocation",
    "crm_sftp",
    {
        "name": "CRM SFTP",
        "description": "",
        "location_type": "ExternalSftp",
        "settings": {
            "portNumber": 22,
            "userName": "mcexport",
            "url": "sftp://sftp.crm.example.com",
            "authType": "Password",
        },
    },
    {"id": "loc-sftp"},
)


def transfer(**detail: Any) -> Live:
    base = {"name": "Customers to the FTP", "fileSpec": "customers.csv", "fileTransferLocationId": "loc-ftp"}
    attributes = transfer_attributes({**base, **detail}, LOCATION_KEYS)
    return Live("FileTransfer", "nto_to_ftp", attributes, {"object_id": "t-1"})


TRANSFERS: dict[str, Live] = {
    "defaults": transfer(),
    "another location": transfer(fileTransferLocationId="LOC-SFTP"),
    "manage file": transfer(isUpload=False),
    "compressed and encrypted": transfer(isCompressed=True, isEncrypted=True),
    "described": transfer(description="Nightly"),
}


@pytest.mark.parametrize("name", TRANSFERS)
def test_file_transfers_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(TRANSFERS[name], LOCATIONS, tmp_path)


def test_file_transfers_definitions_cannot_express() -> None:
    assert "ID unknown-id" in not_representable(transfer(fileTransferLocationId="unknown-id"), LOCATIONS)
    assert "details were not read" in not_representable(
        Live("FileTransfer", "x", {"name": "x", "description": ""}, {}), LOCATIONS
    )


# -- automations -----------------------------------------------------------------------------------------


STEPS = [
    [{"type": "import", "key": "nto_import"}],
    [{"type": "query", "key": "nto_by_region"}, {"type": "filter", "key": "nto_engaged"}],
    [{"type": "extract", "key": "nto_customers_extract"}, {"type": "file_transfer", "key": "nto_to_ftp"}],
]


def schedule(recurrence_type: str, pattern: dict[str, Any], **row: Any) -> dict[str, Any] | None:
    base = {
        "RecurrenceType": recurrence_type,
        "Recurrence": pattern,
        "StartDateTime": "2026-01-05T02:00:00",
        "TimeZone": {"Name": "Central Standard Time"},
        "RecurrenceRangeType": "EndOn",
        "EndDateTime": "2079-06-06T00:00:00",
    }
    return schedule_from_service({**base, **row})


# -- filter activities ------------------------------------------------------------------------------------


def filter_activity(folder: str | None = "Filter/Engagement", **attributes: Any) -> Live:
    values = {
        "name": "Did not open, nightly",
        "description": "",
        "folder": folder,
        "filter": "nto_did_not_open",
        "destination": "nto_segment",
        **attributes,
    }
    return Live("FilterActivity", "nto_did_not_open_nightly", values, {"object_id": "fa-1"})


FILTER_ACTIVITY_STATE = state(
    SOURCE,
    data_extension([KEY_FIELD], key="nto_segment"),
    Live("FilterDefinition", "nto_did_not_open", {"source": "nto_source"}, {"object_id": "f-1"}),
)
FILTER_ACTIVITIES: dict[str, Live] = {
    "in a folder": filter_activity(),
    "in the root folder": filter_activity(folder="Filter"),
    "described": filter_activity(description="Writes the subscribers who never opened"),
}


@pytest.mark.parametrize("name", FILTER_ACTIVITIES)
def test_filter_activities_round_trip(name: str, tmp_path: Path) -> None:
    data = assert_round_trip(FILTER_ACTIVITIES[name], FILTER_ACTIVITY_STATE, tmp_path)
    assert ("folder" in data) == (name != "in the root folder")


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (
            filter_activity(filter="0f1e-unknown"),
            "its filter (ObjectID 0f1e-unknown) is not a FilterDefinition",
        ),
        (
            filter_activity(destination="de-unknown"),
            "its destination (ObjectID de-unknown) is not a DataExtension",
        ),
        (filter_activity(folder="Data Extensions/CRM"), "outside the root folder 'Filter'"),
        (filter_activity(folder=None), "not in the account's folder tree"),
    ],
)
def test_filter_activities_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, FILTER_ACTIVITY_STATE)


def automation(
    planned: dict[str, Any] | None = None, folder: str | None = "my automations/CRM", **attributes: Any
) -> Live:
    values = {
        "name": "Nightly",
        "description": "",
        "folder": folder,
        "active": False,
        "schedule": planned,
        "steps": STEPS,
        **attributes,
    }
    return Live("Automation", "nto_nightly", values, {"object_id": "a-1"})


WEEK = {
    day: day in ("Monday", "Friday")
    for day in ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
}

AUTOMATIONS: dict[str, Live] = {
    "unscheduled": automation(),
    "active": automation(active=True),
    "every 5 minutes": automation(schedule("Minutely", {"MinuteInterval": 5})),
    "hourly": automation(schedule("Hourly", {"HourInterval": 1})),
    "every 3 hours, 10 times": automation(
        schedule("Hourly", {"HourInterval": 3}, RecurrenceRangeType="EndAfter", Occurrences=10)
    ),
    "daily": automation(schedule("Daily", {"DayInterval": 1}), active=True),
    "every 2 days until a date": automation(
        schedule("Daily", {"DayInterval": 2}, EndDateTime="2026-12-31T00:00:00")
    ),
    "until a moment": automation(schedule("Daily", {"DayInterval": 1}, EndDateTime="2026-12-31T23:30:00")),
    "weekly on two days": automation(schedule("Weekly", {"WeekInterval": 1, **WEEK})),
    "every 2 weeks": automation(
        schedule("Weekly", {"WeekInterval": 2, **WEEK}, StartDateTime="2026-01-05T02:30:15")
    ),
    "monthly on the 31st": automation(schedule("Monthly", {"MonthlyInterval": 3, "ScheduledDay": 31})),
    "another time zone": automation(
        schedule("Daily", {"DayInterval": 1}, TimeZone={"Name": "(GMT+01:00) Amsterdam, Berlin"})
    ),
    "in the root folder": automation(folder="my automations"),
    "described": automation(description="Every night"),
    "one activity": automation(steps=[[{"type": "query", "key": "q"}]]),
}


@pytest.mark.parametrize("name", AUTOMATIONS)
def test_automations_round_trip(name: str, tmp_path: Path) -> None:
    assert_round_trip(AUTOMATIONS[name], {}, tmp_path)


def test_an_automation_is_written_as_a_person_writes_it(tmp_path: Path) -> None:
    data = assert_round_trip(AUTOMATIONS["every 2 days until a date"], {}, tmp_path)
    assert dump_document({key: value for key, value in data.items() if key in ("schedule", "steps")}) == (
        "schedule:\n"
        "  recurrence: daily\n"
        "  interval: 2\n"
        "  start: 2026-01-05T02:00\n"
        "  time_zone: Central Standard Time\n"
        "  end_date: 2026-12-31\n"
        "steps:\n"
        "  - [{import: nto_import}]\n"
        "  - [{query: nto_by_region}, {filter: nto_engaged}]\n"
        "  - [{extract: nto_customers_extract}, {file_transfer: nto_to_ftp}]\n"
    )
    weekly = assert_round_trip(AUTOMATIONS["weekly on two days"], {}, tmp_path)
    assert weekly["schedule"]["days"] == ["Monday", "Friday"]


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (
            automation(steps=[[{"type": None, "key": "0a1b"}]]),
            "step 1 runs an activity mcstate does not manage",
        ),
        (automation(steps=[]), "no steps"),
        (automation(steps=[[]]), "without activities"),
        (automation(folder=None), "folder tree"),
        (automation(schedule("Yearly", {})), "recurs 'yearly'"),
        (automation(schedule("Weekly", {"WeekInterval": 1})), "runs on no day"),
        (automation(schedule("Monthly", {"MonthlyInterval": 1})), "does not run on a day of the month"),
    ],
)
def test_automations_definitions_cannot_express(obj: Live, reason: str) -> None:
    assert reason in not_representable(obj, {})


def test_kinds_that_are_not_declared_need_no_definition() -> None:
    for kind in ("DataExtractType", "FileLocation"):
        assert REGISTRY[kind].to_definition(Live(kind, "x", {}, {}), {}) is None


def test_every_declarable_kind_writes_its_own_kind_and_key(tmp_path: Path) -> None:
    examples = {
        "DataExtension": DATA_EXTENSIONS["every field type"],
        "Folder": folder("Data Extensions/CRM", "x"),
        "ImportDefinition": IMPORTS["manual map"],
        "QueryDefinition": QUERIES["update"],
        "FilterDefinition": FILTERS["in"],
        "FilterActivity": FILTER_ACTIVITIES["in a folder"],
        "DataExtract": EXTRACTS["defaults"],
        "FileTransfer": TRANSFERS["defaults"],
        "FileLocation": SFTP_LOCATION,
        "Automation": AUTOMATIONS["daily"],
    }
    assert set(examples) == set(declarable())
    for kind, obj in examples.items():
        data = assert_round_trip(obj, {**LOCATIONS, **FILTER_ACTIVITY_STATE}, tmp_path)
        assert (data["kind"], data.get("key", data.get("path"))) == (kind, obj.key)


def test_side_files_are_named_or_inlined_in_place() -> None:
    side = SideFile("sql_file", "sql", ".sql", "SELECT 1\n")
    definition = Definition({"kind": "QueryDefinition", "sql_file": None, "target": "t"}, (side,))
    assert list(definition.with_side_files({"sql_file": "q.sql"}).items()) == [
        ("kind", "QueryDefinition"),
        ("sql_file", "q.sql"),
        ("target", "t"),
    ]
    assert list(definition.inline().items()) == [
        ("kind", "QueryDefinition"),
        ("sql", "SELECT 1\n"),
        ("target", "t"),
    ]
