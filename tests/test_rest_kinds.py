"""DataExtract and FileTransfer without network: normalization, plans, steps, and what reading costs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcstate.applier import apply_plan
from mcstate.definitions.document import Document
from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired
from mcstate.engine import read_live
from mcstate.errors import DefinitionError
from mcstate.planner import make_plan
from mcstate.resources.base import Live, RestRequest, SoapObject, WriteResult
from mcstate.resources.data_extract import DATA_EXTENSION_EXTRACT, EXTRACTS_PATH
from mcstate.resources.file_location import ENHANCED_FTP
from mcstate.resources.file_transfer import TRANSFERS_PATH

DE_EXTRACT_TYPE = "bb94a04d-9632-4623-be47-daabc3f588a6"
TRACKING_TYPE = "c7219016-a7f0-4c72-8657-1ec12c28a0db"
FTP_ID = "41a5ded7-0d98-4910-a15f-d09e7ab0af24"
SFTP_ID = "335802a4-479d-4834-a491-fc5d2d068132"

EXTRACT: dict[str, Any] = {
    "kind": "DataExtract",
    "key": "nto_customers_extract",
    "name": "NTO customers extract",
    "data_extension": "nto_customers",
    "file_spec": "customers_%%Year%%%%Month%%%%Day%%.csv",
}
TRANSFER: dict[str, Any] = {
    "kind": "FileTransfer",
    "key": "nto_customers_to_ftp",
    "name": "NTO customers to the FTP",
    "file_spec": "customers_%%Year%%%%Month%%%%Day%%.csv",
}
CUSTOMERS_DE = Live("DataExtension", "nto_customers", {"name": "NTO Customers"}, {"object_id": "de-guid"})


def desired_state(*documents: dict[str, Any]) -> DesiredState:
    return build_desired(
        Document(d["kind"], d, f"definitions/{d['key']}.yaml", positions={(): (1, 1)}) for d in documents
    )


class FakeAccount:
    """The REST side of an account: collections, details by ID, and the calls made."""

    def __init__(
        self, extracts: list[dict[str, Any]] | None = None, transfers: list[dict[str, Any]] | None = None
    ) -> None:
        self.extracts = extracts or []
        self.transfers = transfers or []
        self.calls: list[str] = []
        self.sent: list[RestRequest] = []

    def retrieve(
        self, object_type: str, properties: Any, filter: Any = None, *, query_all_accounts: bool = False
    ) -> list[dict[str, Any]]:
        self.calls.append(f"Retrieve {object_type}")
        if query_all_accounts:
            return []  # one business unit: no parent sharing folders with it
        if object_type == "DataFolder":
            return [
                {
                    "ID": 2,
                    "Name": "Data Extensions",
                    "ContentType": "dataextension",
                    "ParentFolder": {"ID": 0},
                }
            ]
        if object_type == "DataExtension":
            return [
                {
                    "ObjectID": "de-guid",
                    "CustomerKey": "nto_customers",
                    "Name": "NTO Customers",
                    "CategoryID": 2,
                }
            ]
        return []

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        self.calls.append(f"GET {path}")
        if path == "automation/v1/ftplocations":
            return [
                {"name": ENHANCED_FTP, "id": FTP_ID, "locationTypeId": 0, "relPath": ENHANCED_FTP},
                {"name": "CRM SFTP", "id": SFTP_ID, "locationTypeId": 2, "locationUrl": "sftp://crm"},
            ]
        if path == "data/v1/filetransferlocations":
            return [{"customerKey": "crm_sftp", "name": "CRM SFTP", "locationType": "ExternalSftp"}]
        if path == EXTRACTS_PATH:
            return [{k: v for k, v in e.items() if k != "dataFields"} for e in self.extracts]
        if path == TRANSFERS_PATH:
            keep = ("id", "name", "description", "customerKey")
            return [{k: v for k, v in t.items() if k in keep} for t in self.transfers]
        if path == "automation/v1/filters":
            return []
        raise AssertionError(path)

    def rest_get(self, path: str) -> Any:
        self.calls.append(f"GET {path}")
        if path == "automation/v1/dataextracttypes":
            return [
                {"name": "Tracking Extract", "extractId": TRACKING_TYPE},
                {"name": DATA_EXTENSION_EXTRACT, "extractId": DE_EXTRACT_TYPE},
            ]
        for collection, items, id_field in (
            (EXTRACTS_PATH, self.extracts, "dataExtractDefinitionId"),
            (TRANSFERS_PATH, self.transfers, "id"),
        ):
            for item in items:
                if path == f"{collection}/{item[id_field]}":
                    return item
        raise AssertionError(path)

    def write(self, operation: str, objects: list[SoapObject]) -> list[WriteResult]:
        raise AssertionError("no SOAP writes expected")

    def send(self, request: RestRequest) -> WriteResult:
        self.sent.append(request)
        return WriteResult(True, "OK", new_object_id=f"new-{len(self.sent)}")


def extract_in_account(key: str = "nto_customers_extract", **changes: Any) -> dict[str, Any]:
    fields = {
        "ColumnDelimiter": ",",
        "DECustomerKey": "nto_customers",
        "HasColumnHeaders": "True",
        "TextQualified": "False",
        "UsesLineFeed": "False",
    }
    fields.update(changes.pop("fields", {}))
    extract = {
        "dataExtractDefinitionId": f"guid-{key}",
        "name": EXTRACT["name"],
        "key": key,
        "description": "",
        "dataExtractTypeId": DE_EXTRACT_TYPE,
        "fileSpec": EXTRACT["file_spec"],
        "dataFields": [
            {"name": n, "type": "bool" if v in ("True", "False") else "string", "value": v}
            for n, v in fields.items()
        ],
    }
    extract.update(changes)
    return extract


def transfer_in_account(key: str = "nto_customers_to_ftp", **changes: Any) -> dict[str, Any]:
    transfer = {
        "id": f"guid-{key}",
        "name": TRANSFER["name"],
        "description": "",
        "customerKey": key,
        "fileSpec": TRANSFER["file_spec"],
        "isEncrypted": False,
        "isCompressed": False,
        "fileTransferLocationId": FTP_ID,
        "isUpload": True,
    }
    transfer.update(changes)
    return transfer


def plan_for(account: FakeAccount, *documents: dict[str, Any]):  # type: ignore[no-untyped-def]
    desired = desired_state(*documents)
    return make_plan(desired, read_live(account, desired), "test")


# -- normalization and diff ----------------------------------------------------------------------------------


def test_defaults_are_applied_and_references_name_the_data_extension_and_extract_type() -> None:
    (extract,) = [d for d in desired_state(EXTRACT) if d.kind == "DataExtract"]
    assert extract.attributes == {
        "name": "NTO customers extract",
        "description": "",
        "data_extension": "nto_customers",
        "file_spec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "column_headers": True,
        "delimiter": ",",
        "text_qualified": False,
        "uses_line_feed": False,
    }
    assert [r.address for r in extract.references] == [
        "DataExtension:nto_customers",
        "DataExtractType:Data Extension Extract",
    ]
    (transfer,) = list(desired_state(TRANSFER))
    assert transfer.attributes["file_location"] == ENHANCED_FTP
    assert transfer.attributes["action"] == "move_from_safehouse"
    assert [r.address for r in transfer.references] == [f"FileLocation:{ENHANCED_FTP}"]


def test_matching_account_plans_no_changes() -> None:
    account = FakeAccount([extract_in_account()], [transfer_in_account()])
    assert plan_for(account, EXTRACT, TRANSFER).empty


def test_create_posts_the_wire_shape_with_the_extract_type_and_location_ids() -> None:
    account = FakeAccount()
    plan = plan_for(account, EXTRACT, {**TRANSFER, "file_location": "crm_sftp", "compressed": True})
    assert [(c.kind, c.action) for c in plan.changes] == [
        ("DataExtract", "create"),
        ("FileTransfer", "create"),
    ]
    report = apply_plan(plan, account)
    assert report.ok
    extract, transfer = account.sent
    assert (extract.method, extract.path) == ("POST", EXTRACTS_PATH)
    assert extract.body == {
        "name": "NTO customers extract",
        "key": "nto_customers_extract",
        "description": "",
        "dataExtractTypeId": DE_EXTRACT_TYPE,
        "fileSpec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "dataFields": [
            {"name": "ColumnDelimiter", "type": "string", "value": ","},
            {"name": "DECustomerKey", "type": "string", "value": "nto_customers"},
            {"name": "HasColumnHeaders", "type": "bool", "value": "True"},
            {"name": "TextQualified", "type": "bool", "value": "False"},
            {"name": "UsesLineFeed", "type": "bool", "value": "False"},
        ],
    }
    assert (transfer.method, transfer.path) == ("POST", TRANSFERS_PATH)
    assert transfer.body == {
        "name": "NTO customers to the FTP",
        "customerKey": "nto_customers_to_ftp",
        "description": "",
        "fileSpec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "fileTransferLocationId": SFTP_ID,
        "isUpload": True,
        "isCompressed": True,
        "isEncrypted": False,
    }


def test_changed_attributes_are_one_patch_by_id_with_the_whole_definition() -> None:
    account = FakeAccount([extract_in_account()], [transfer_in_account()])
    plan = plan_for(
        account,
        {**EXTRACT, "delimiter": "|", "text_qualified": True},
        {**TRANSFER, "action": "manage_file", "file_location": "crm_sftp"},
    )
    extract, transfer = plan.changes
    assert [(a.path, a.before, a.after) for a in extract.attributes] == [
        ("delimiter", ",", "|"),
        ("text_qualified", False, True),
    ]
    assert [(a.path, a.before, a.after) for a in transfer.attributes] == [
        ("file_location", ENHANCED_FTP, "crm_sftp"),
        ("action", "move_from_safehouse", "manage_file"),
    ]
    assert not plan.destructive
    apply_plan(plan, account)
    patch_extract, patch_transfer = account.sent
    assert (patch_extract.method, patch_extract.path) == (
        "PATCH",
        f"{EXTRACTS_PATH}/guid-nto_customers_extract",
    )
    assert {"name": "ColumnDelimiter", "type": "string", "value": "|"} in patch_extract.body["dataFields"]
    assert (patch_transfer.method, patch_transfer.path) == (
        "PATCH",
        f"{TRANSFERS_PATH}/guid-nto_customers_to_ftp",
    )
    assert patch_transfer.body["isUpload"] is False
    assert patch_transfer.body["fileTransferLocationId"] == SFTP_ID


def test_boolean_data_fields_are_read_whatever_their_case() -> None:
    account = FakeAccount([extract_in_account(fields={"HasColumnHeaders": "true", "TextQualified": "FALSE"})])
    assert plan_for(account, EXTRACT).empty


# -- refusals predicted at plan time -----------------------------------------------------------------------


def test_unknown_data_extension_and_file_location_are_errors_at_their_lines() -> None:
    account = FakeAccount()
    with pytest.raises(DefinitionError) as raised:
        plan_for(
            account, {**EXTRACT, "data_extension": "nto_missing"}, {**TRANSFER, "file_location": "nowhere"}
        )
    messages = [(p.path, p.message) for p in raised.value.problems]
    assert (
        "data_extension",
        "DataExtension 'nto_missing' is neither defined nor present in the account",
    ) in messages
    assert (
        "file_location",
        "FileLocation 'nowhere' is neither defined nor present in the account",
    ) in messages


def test_a_location_named_by_its_name_gets_a_hint_to_its_key() -> None:
    with pytest.raises(DefinitionError) as raised:
        plan_for(FakeAccount(), {**TRANSFER, "file_location": "CRM SFTP"})
    assert "'CRM SFTP' is the name of the file location with the key 'crm_sftp'; use its key" in [
        p.message for p in raised.value.problems
    ]


def test_a_key_used_by_an_extract_of_another_type_is_refused() -> None:
    account = FakeAccount([extract_in_account(dataExtractTypeId=TRACKING_TYPE)])
    with pytest.raises(DefinitionError) as raised:
        plan_for(account, EXTRACT)
    (problem,) = raised.value.problems
    assert problem.path == "key"
    assert "already used in the account by a data extract of the type 'Tracking Extract'" in problem.message


def test_a_declared_data_extension_satisfies_the_reference_and_is_created_first() -> None:
    de = {
        "kind": "DataExtension",
        "key": "nto_new",
        "name": "NTO New",
        "fields": [{"name": "Id", "primary_key": True}],
    }
    plan = plan_for(FakeAccount(), de, {**EXTRACT, "data_extension": "nto_new"})
    assert [c.kind for c in plan.changes] == ["DataExtension", "DataExtract"]
    assert "DataExtension:nto_new" in plan.changes[1].depends_on


# -- what reading costs -------------------------------------------------------------------------------------


def test_details_are_read_only_for_declared_keys() -> None:
    account = FakeAccount(
        [extract_in_account(), extract_in_account("someone_elses_extract")],
        [transfer_in_account(), transfer_in_account("someone_elses_transfer")],
    )
    plan_for(account, EXTRACT, TRANSFER)
    rest_calls = [c for c in account.calls if c.startswith("GET")]
    assert rest_calls == [
        "GET automation/v1/ftplocations",
        "GET data/v1/filetransferlocations",
        "GET automation/v1/dataextracttypes",
        f"GET {EXTRACTS_PATH}",
        f"GET {EXTRACTS_PATH}/guid-nto_customers_extract",
        f"GET {TRANSFERS_PATH}",
        f"GET {TRANSFERS_PATH}/guid-nto_customers_to_ftp",
    ]


def test_no_rest_call_when_no_definition_involves_extracts_or_transfers() -> None:
    account = FakeAccount([extract_in_account()], [transfer_in_account()])
    de = {
        "kind": "DataExtension",
        "key": "nto_new",
        "name": "NTO New",
        "fields": [{"name": "Id", "primary_key": True}],
    }
    plan_for(account, de)
    assert not [c for c in account.calls if c.startswith("GET")]


def test_the_complete_read_without_definitions_reads_every_detail() -> None:
    account = FakeAccount([extract_in_account(), extract_in_account("other")], [transfer_in_account()])
    live = read_live(account)
    assert live["DataExtract"]["DataExtract:other"].attributes["data_extension"] == "nto_customers"
    assert (
        live["FileTransfer"]["FileTransfer:nto_customers_to_ftp"].attributes["file_location"] == ENHANCED_FTP
    )
    assert live["FileTransfer"]["FileTransfer:nto_customers_to_ftp"].ids == {
        "object_id": "guid-nto_customers_to_ftp"
    }


# -- definitions the schema refuses -------------------------------------------------------------------------

SCHEMAS = {
    "DataExtract": "data_extract.schema.json",
    "FileTransfer": "file_transfer.schema.json",
}


def problems_in(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "export.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_documents(tmp_path / "definitions", SCHEMAS, display_base=tmp_path)
    return [str(problem) for problem in raised.value.problems]


def test_schema_refuses_a_missing_file_spec_and_a_non_boolean_flag(tmp_path: Path) -> None:
    text = "kind: DataExtract\nkey: x\nname: X\ndata_extension: nto_customers\ncolumn_headers: 'yes'\n"
    assert problems_in(tmp_path, text) == [
        "definitions/export.yaml:1:1: missing required attribute 'file_spec'",
        "definitions/export.yaml:5:17: column_headers: expected true or false, got string 'yes'",
    ]


def test_schema_refuses_an_unknown_action(tmp_path: Path) -> None:
    text = "kind: FileTransfer\nkey: x\nname: X\nfile_spec: a.csv\naction: upload\n"
    (problem,) = problems_in(tmp_path, text)
    assert problem.startswith(
        "definitions/export.yaml:5:9: action: 'upload' is not one of: move_from_safehouse, manage_file"
    )
