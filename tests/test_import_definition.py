"""ImportDefinition without network: normalization, the service's 43060 rules at plan time, diff and steps."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcstate.definitions.document import Document
from mcstate.desired import DesiredState, build_desired
from mcstate.errors import DefinitionError
from mcstate.plan import Change, Plan
from mcstate.planner import index_live, make_plan
from mcstate.resources.base import ApplyContext, Live, SoapObject
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.import_definition import PROPERTIES, ImportDefinitionType

CUSTOMERS: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "nto_customers",
    "name": "NTO Customers",
    "fields": [
        {"name": "SubscriberKey", "length": 254, "primary_key": True},
        {"name": "Email", "type": "EmailAddress", "required": True},
        {"name": "City"},
        {"name": "JoinedAt", "type": "Date", "required": True, "default": "GetDate()"},
    ],
}
ROOT = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2})
LOG: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "nto_log",
    "name": "NTO Log",
    "fields": [{"name": "Line"}],
}

IMPORT: dict[str, Any] = {
    "kind": "ImportDefinition",
    "key": "nto_import_customers",
    "name": "Import CRM customers",
    "destination": "nto_customers",
    "file_spec": "customers_%%YEAR%%%%MONTH%%%%DAY%%.csv",
    "field_mapping": "manual",
    "field_map": [
        {"source": "customer_id", "destination": "SubscriberKey"},
        {"source": "email", "destination": "Email"},
    ],
    "allow_errors": True,
    "notification": {"email": "ops@nto.example", "when": "on_error"},
}


def document(data: dict[str, Any]) -> Document:
    positions = {
        (): (1, 1),
        ("update_type",): (7, 14),
        ("field_map",): (9, 3),
        ("field_map", 1, "destination"): (11, 20),
    }
    return Document(data["kind"], data, f"definitions/{data['key']}.yaml", positions=positions)


def desired(*definitions: dict[str, Any]) -> DesiredState:
    return build_desired(document(d) for d in definitions)


def live_data_extension(definition: dict[str, Any]) -> Live:
    """The account's copy of a data extension that matches `definition`."""
    attributes = DataExtensionType().from_document(document(definition)).attributes
    return Live("DataExtension", definition["key"], attributes, {"object_id": f"{definition['key']}-guid"})


def live(*objects: Live) -> dict[str, dict[str, Live]]:
    grouped: dict[str, list[Live]] = {"Folder": [ROOT], "DataExtension": [], "ImportDefinition": []}
    for obj in objects:
        grouped[obj.kind].append(obj)
    return index_live(grouped)


def problems(*definitions: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        desired(*definitions)
    return [str(problem) for problem in caught.value.problems]


def service_row(definition: dict[str, Any] = IMPORT) -> dict[str, Any]:
    """The account's answer for an import matching IMPORT, as the client returns it."""
    return {
        "ObjectID": "imp-guid",
        "CustomerKey": definition["key"],
        "Name": definition["name"],
        "Description": None,
        "AllowErrors": True,
        "DestinationObject": {"ObjectID": "NTO_CUSTOMERS-GUID"},
        "FieldMappingType": "ManualMap",
        "FieldMaps": {
            "FieldMap": [
                {"SourceName": "customer_id", "SourceOrdinal": None, "DestinationName": "SubscriberKey"},
                {"SourceName": "email", "SourceOrdinal": None, "DestinationName": "Email"},
            ]
        },
        "FileSpec": definition["file_spec"],
        "FileType": "CSV",
        "Notification": {
            "ResponseType": "email",
            "ResponseAddress": "ops@nto.example",
            "RespondWhen": "OnError",
        },
        "RetrieveFileTransferLocation": {"CustomerKey": "ExactTarget Enhanced FTP"},
        "UpdateType": "AddAndUpdate",
        "Delimiter": ",",
        "HeaderLines": 1,
        "ControlColumn": None,
        "DateFormattingLocale": {"LocaleCode": "en-US"},
        "EncodingCodePage": 65001,
    }


class FakeAccount:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls: list[tuple[str, list[str], Any]] = []

    def retrieve(self, object_type: str, properties: list[str], filter: Any = None) -> list[dict[str, Any]]:
        self.calls.append((object_type, list(properties), filter))
        return self.rows

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        raise AssertionError("imports are read over SOAP")


def read_live(rows: list[dict[str, Any]], *others: Live) -> dict[str, dict[str, Live]]:
    account = FakeAccount(rows)
    state = live(*others)
    imports = ImportDefinitionType().read(account, state)
    assert account.calls == [("ImportDefinition", PROPERTIES, None)]
    return {**state, "ImportDefinition": index_live({"ImportDefinition": imports})["ImportDefinition"]}


def plan(definitions: tuple[dict[str, Any], ...], account: dict[str, dict[str, Live]]) -> Plan:
    return make_plan(desired(*definitions), account, "test")


# -- normalization ------------------------------------------------------------------------------------------


def test_defaults_are_the_services() -> None:
    minimal = {
        k: v
        for k, v in IMPORT.items()
        if k not in ("field_mapping", "field_map", "allow_errors", "notification")
    }
    attributes = desired(CUSTOMERS, minimal).get("ImportDefinition", "nto_import_customers").attributes  # type: ignore[union-attr]
    assert {k: v for k, v in attributes.items() if not k.startswith("_")} == {
        "name": "Import CRM customers",
        "description": "",
        "destination": "nto_customers",
        "file_location": "ExactTarget Enhanced FTP",
        "file_spec": "customers_%%YEAR%%%%MONTH%%%%DAY%%.csv",
        "file_type": "csv",
        "delimiter": ",",
        "header_lines": 1,
        "encoding": "utf-8",
        "date_locale": "en-US",
        "field_mapping": "infer_from_column_headings",
        "field_map": [],
        "update_type": "add_and_update",
        "control_column": None,
        "allow_errors": False,
        "notification": None,
    }


# -- the service's rules, before any call --------------------------------------------------------------------


def test_overwrite_into_a_data_extension_with_a_primary_key_is_refused_with_43060() -> None:
    lines = problems(CUSTOMERS, {**IMPORT, "update_type": "overwrite"})
    assert lines == [
        "definitions/nto_import_customers.yaml:7:14: update_type: 43060 Validation Error: update type "
        "'overwrite' needs a destination data extension without a primary key; 'nto_customers' has the "
        "primary key SubscriberKey"
    ]
    overwrite_log = {**IMPORT, "destination": "nto_log", "update_type": "overwrite", "field_map": [
        {"source": "line", "destination": "Line"}]}  # fmt: skip
    assert desired(LOG, overwrite_log)


def test_manual_map_names_fields_of_the_destination_once_each() -> None:
    definition = copy.deepcopy(IMPORT)
    definition["field_map"][1]["destination"] = "Town"
    definition["field_map"].append({"source": "mail", "destination": "email"})
    definition["field_map"].append({"source": "mail2", "destination": "EMAIL"})
    lines = problems(CUSTOMERS, definition)
    assert (
        "definitions/nto_import_customers.yaml:11:20: field_map[1].destination: 43060 Validation Error: "
        "'Town' is not a field of data extension 'nto_customers'"
    ) in lines
    assert any(
        "field_map[3].destination: 43060 Validation Error: field 'EMAIL' is already mapped at field_map[2]"
        in line
        for line in lines
    )
    assert len(lines) == 2


def test_manual_map_must_map_every_required_field_without_a_default() -> None:
    definition = {**IMPORT, "field_map": [{"source": "customer_id", "destination": "SubscriberKey"}]}
    (line,) = problems(CUSTOMERS, definition)
    assert line.startswith("definitions/nto_import_customers.yaml:9:3: field_map: 43060 Validation Error: ")
    # Email is required; JoinedAt is required but has a default value; City is nullable.
    assert line.endswith("required field(s) of 'nto_customers' without a default value are not mapped: Email")


def test_other_mappings_are_not_checked_against_fields() -> None:
    for mapping in ("infer_from_column_headings", "map_by_ordinal"):
        definition = {k: v for k, v in IMPORT.items() if k != "field_map"}
        assert desired(CUSTOMERS, {**definition, "field_mapping": mapping})


def test_a_destination_only_in_the_account_is_checked_against_its_live_fields() -> None:
    definition = {**IMPORT, "update_type": "overwrite"}
    with pytest.raises(DefinitionError) as caught:
        plan((definition,), live(live_data_extension(CUSTOMERS)))
    assert "43060 Validation Error: update type 'overwrite'" in str(caught.value)


def test_a_declared_destination_wins_over_the_account() -> None:
    # The account's data extension has no Region field yet; the definitions add it, so mapping it is fine.
    with_region = copy.deepcopy(CUSTOMERS)
    with_region["fields"].append({"name": "Region"})
    definition = copy.deepcopy(IMPORT)
    definition["field_map"].append({"source": "region", "destination": "Region"})
    result = plan((with_region, definition), live(live_data_extension(CUSTOMERS)))
    assert [(c.kind, c.action) for c in result.changes] == [
        ("DataExtension", "update"),
        ("ImportDefinition", "create"),
    ]


def test_unknown_destination_is_an_error_at_the_destination_line() -> None:
    with pytest.raises(DefinitionError) as caught:
        plan((IMPORT,), live())
    assert "DataExtension 'nto_customers' is neither defined nor present in the account" in str(caught.value)


# -- diff and steps ------------------------------------------------------------------------------------------


def test_matching_account_plans_no_changes() -> None:
    account = read_live([service_row()], live_data_extension(CUSTOMERS))
    result = plan((CUSTOMERS, IMPORT), account)
    assert result.empty, result.changes


def test_create_sends_every_attribute_with_the_destination_as_a_typed_object() -> None:
    result = plan((CUSTOMERS, IMPORT), live())
    change = next(c for c in result.changes if c.kind == "ImportDefinition")
    assert change.depends_on == ("DataExtension:nto_customers",)
    assert "_checked_against_definition" not in (change.after or {})
    (step,) = ImportDefinitionType().steps(change, ApplyContext())
    assert step.operation == "create" and step.object.type == "ImportDefinition"
    props = step.object.properties
    assert props["DestinationObject"] == SoapObject("DataExtension", {"CustomerKey": "nto_customers"})
    assert props["FieldMaps"] == {
        "FieldMap": [
            {"SourceName": "customer_id", "DestinationName": "SubscriberKey"},
            {"SourceName": "email", "DestinationName": "Email"},
        ]
    }
    assert props["Notification"] == {
        "ResponseType": "email",
        "ResponseAddress": "ops@nto.example",
        "RespondWhen": "OnError",
    }
    assert {
        k: props[k] for k in ("CustomerKey", "FieldMappingType", "UpdateType", "FileType", "Delimiter")
    } == {
        "CustomerKey": "nto_import_customers",
        "FieldMappingType": "ManualMap",
        "UpdateType": "AddAndUpdate",
        "FileType": "CSV",
        "Delimiter": ",",
    }
    assert props["RetrieveFileTransferLocation"] == {"CustomerKey": "ExactTarget Enhanced FTP"}
    assert (props["EncodingCodePage"], props["DateFormattingLocale"], props["HeaderLines"]) == (
        65001,
        {"LocaleCode": "en-US"},
        1,
    )
    assert "ControlColumn" not in props


def test_update_sends_only_what_changed() -> None:
    account = read_live([service_row()], live_data_extension(CUSTOMERS))
    definition = {**IMPORT, "file_spec": "all_customers.csv", "notification": None}
    del definition["notification"]
    (change,) = plan((CUSTOMERS, definition), account).changes
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("file_spec", "customers_%%YEAR%%%%MONTH%%%%DAY%%.csv", "all_customers.csv"),
        ("notification", {"email": "ops@nto.example", "when": "on_error"}, None),
    ]
    (step,) = ImportDefinitionType().steps(change, ApplyContext())
    assert step.object.properties == {
        "CustomerKey": "nto_import_customers",
        "ObjectID": "imp-guid",
        "FileSpec": "all_customers.csv",
        "Notification": {"ResponseType": "None", "ResponseAddress": ""},
    }


def test_other_file_type_sends_its_delimiter_and_tab_implies_one() -> None:
    for extra, expected in (
        ({"file_type": "other", "delimiter": "|"}, ("Other", "|")),
        ({"file_type": "tab"}, ("TAB", "\t")),
    ):
        result = plan((CUSTOMERS, {**IMPORT, **extra}), live())
        change = next(c for c in result.changes if c.kind == "ImportDefinition")
        props = ImportDefinitionType().steps(change, ApplyContext())[0].object.properties
        assert (props["FileType"], props["Delimiter"]) == expected


def test_column_based_sends_the_control_column() -> None:
    definition = {
        **IMPORT,
        "update_type": "column_based",
        "control_column": {
            "column": "Action",
            "actions": [{"value": "D", "action": "delete"}, {"value": 1, "action": "add_only"}],
        },
    }
    result = plan((CUSTOMERS, definition), live())
    change = next(c for c in result.changes if c.kind == "ImportDefinition")
    props = ImportDefinitionType().steps(change, ApplyContext())[0].object.properties
    assert props["UpdateType"] == "ColumnBased"
    assert props["ControlColumn"] == "Action" and props["ControlColumnDefaultAction"] == "Skip"
    assert props["ControlColumnActions"] == {
        "ControlColumnAction": [
            {"Value": "D", "Action": "Delete"},
            {"Value": "1", "Action": "AddButDoNotUpdate"},
        ]
    }


def test_destination_is_read_by_object_id_and_a_vanished_one_shows_as_a_change() -> None:
    row = service_row()
    row["DestinationObject"] = {"ObjectID": "gone-guid"}
    account = read_live([row], live_data_extension(CUSTOMERS))
    (change,) = plan((CUSTOMERS, IMPORT), account).changes
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("destination", None, "nto_customers")
    ]
    props = ImportDefinitionType().steps(change, ApplyContext())[0].object.properties
    assert props["DestinationObject"] == SoapObject("DataExtension", {"CustomerKey": "nto_customers"})


def test_unknown_service_values_are_shown_not_hidden() -> None:
    row = service_row()
    row["EncodingCodePage"] = 932
    account = read_live([row], live_data_extension(CUSTOMERS))
    change: Change = plan((CUSTOMERS, IMPORT), account).changes[0]
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("encoding", "code page 932", "utf-8")
    ]
