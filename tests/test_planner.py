"""The planner is a pure function: these tests build desired and live objects by hand, with no network."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcstate.definitions.document import Document
from mcstate.desired import build_desired
from mcstate.errors import DefinitionError
from mcstate.plan import Plan
from mcstate.planner import index_live, make_plan
from mcstate.resources.base import ApplyContext, Live
from mcstate.resources.data_extension import DataExtensionType

CUSTOMERS: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "nto_customers",
    "name": "NTO Customers",
    "description": "From the CRM",
    "folder": "Data Extensions/CRM",
    "sendable": {"field": "SubscriberKey", "subscriber_field": "Subscriber Key"},
    "testable": True,
    "retention": {"period": {"length": 6, "unit": "months"}, "policy": "individual_records"},
    "fields": [
        {"name": "SubscriberKey", "type": "Text", "length": 254, "primary_key": True},
        {"name": "Email", "type": "EmailAddress", "required": True},
        {"name": "City"},
        {"name": "Balance", "type": "Decimal", "precision": 12, "scale": 2},
        {"name": "Phone", "type": "Phone"},
        {"name": "JoinedAt", "type": "Date", "default": "GetDate()"},
    ],
}

ROOT = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2})
CRM = Live("Folder", "Data Extensions/CRM", {"content_type": "dataextension", "description": ""}, {"id": 7})


def desired_state(*documents: dict[str, Any]):  # type: ignore[no-untyped-def]
    return build_desired(
        Document(d["kind"], d, f"definitions/{d['key']}.yaml", positions={(): (1, 1)}) for d in documents
    )


def service_rows(definition: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The account's answer for a DE that matches `definition`, spelled the way Retrieve spells it."""
    row = {
        "ObjectID": "de-guid",
        "CustomerKey": definition["key"],
        "Name": definition["name"],
        "Description": definition.get("description"),
        "IsSendable": True,
        "IsTestable": True,
        "SendableDataExtensionField": {"Name": "SubscriberKey"},
        "SendableSubscriberField": {"Name": "_SubscriberKey"},
        "DataRetentionPeriodLength": 6,
        "DataRetentionPeriodUnitOfMeasure": 5,
        "RowBasedRetention": True,
        "ResetRetentionPeriodOnImport": False,
        "DeleteAtEndOfRetentionPeriod": False,
        "RetainUntil": "",
        "CategoryID": 7,
    }
    fields = [
        {
            "ObjectID": "f-key",
            "Name": "SubscriberKey",
            "FieldType": "Text",
            "MaxLength": 254,
            "Scale": 0,
            "IsRequired": True,
            "IsPrimaryKey": True,
            "DefaultValue": "",
            "Ordinal": 0,
        },
        {
            "ObjectID": "f-email",
            "Name": "Email",
            "FieldType": "EmailAddress",
            "MaxLength": 254,
            "Scale": 0,
            "IsRequired": True,
            "IsPrimaryKey": False,
            "DefaultValue": "",
            "Ordinal": 1,
        },
        {
            "ObjectID": "f-city",
            "Name": "City",
            "FieldType": "Text",
            "MaxLength": 50,
            "Scale": 0,
            "IsRequired": False,
            "IsPrimaryKey": False,
            "DefaultValue": "",
            "Ordinal": 2,
        },
        {
            "ObjectID": "f-balance",
            "Name": "Balance",
            "FieldType": "Decimal",
            "MaxLength": 12,
            "Scale": 2,
            "IsRequired": False,
            "IsPrimaryKey": False,
            "DefaultValue": "",
            "Ordinal": 3,
        },
        {
            "ObjectID": "f-phone",
            "Name": "Phone",
            "FieldType": "Phone",
            "MaxLength": 50,
            "Scale": 0,
            "IsRequired": False,
            "IsPrimaryKey": False,
            "DefaultValue": "",
            "Ordinal": 4,
        },
        {
            "ObjectID": "f-joined",
            "Name": "JoinedAt",
            "FieldType": "Date",
            "Scale": 0,
            "IsRequired": False,
            "IsPrimaryKey": False,
            "DefaultValue": "GetDate()",
            "Ordinal": 5,
        },
    ]
    return row, fields


def live_state(
    row: dict[str, Any] | None = None,
    fields: list[dict[str, Any]] | None = None,
    folders: tuple[Live, ...] = (ROOT, CRM),
) -> dict[str, dict[str, Live]]:
    objects: dict[str, list[Live]] = {"Folder": list(folders), "DataExtension": []}
    if row is not None:
        folder = {f.ids["id"]: f.key for f in folders}.get(row["CategoryID"])
        objects["DataExtension"].append(DataExtensionType().live_from_service(row, fields or [], folder))
    return index_live(objects)


def plan_for(
    definition: dict[str, Any],
    row: dict[str, Any] | None,
    fields: list[dict[str, Any]] | None,
    folders: tuple[Live, ...] = (ROOT, CRM),
) -> Plan:
    return make_plan(desired_state(definition), live_state(row, fields, folders), "test")


def only_change(plan: Plan):  # type: ignore[no-untyped-def]
    assert len(plan.changes) == 1, plan.changes
    return plan.changes[0]


def test_matching_account_plans_no_changes() -> None:
    row, fields = service_rows(CUSTOMERS)
    plan = plan_for(CUSTOMERS, row, fields)
    assert plan.empty, plan.changes


def test_new_data_extension_creates_missing_folders_first() -> None:
    definition = {**CUSTOMERS, "folder": "Data Extensions/CRM/EU/France"}
    plan = plan_for(definition, None, None)
    assert [(c.kind, c.key, c.action) for c in plan.changes] == [
        ("Folder", "Data Extensions/CRM/EU", "create"),
        ("Folder", "Data Extensions/CRM/EU/France", "create"),
        ("DataExtension", "nto_customers", "create"),
    ]
    assert plan.changes[2].depends_on == ("Folder:Data Extensions/CRM/EU/France",)
    assert plan.known_ids["Folder:Data Extensions/CRM"] == {"id": 7}


def test_unknown_root_folder_is_an_error_at_the_folder_line() -> None:
    definition = {**CUSTOMERS, "folder": "Shared/CRM"}
    with pytest.raises(DefinitionError) as caught:
        desired_state(definition)
    assert "must start with the root folder 'Data Extensions'" in str(caught.value)


def test_defaults_applied_the_way_the_service_applies_them() -> None:
    row, fields = service_rows(CUSTOMERS)
    fields[2]["MaxLength"] = 80  # City has no length in the definition: the service default is 50
    change = only_change(plan_for(CUSTOMERS, row, fields))
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields[City].length", 80, 50)]
    assert change.destructive


def test_length_increase_is_an_in_place_update() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["fields"][2]["length"] = 100
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert change.action == "update" and not change.destructive
    steps = DataExtensionType().steps(change, ApplyContext())
    assert [(s.operation, s.object.properties) for s in steps] == [
        (
            "update",
            {
                "CustomerKey": "nto_customers",
                "Fields": {"Field": [{"ObjectID": "f-city", "Name": "City", "MaxLength": 100}]},
            },
        ),
    ]


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda f: f[2].update(type="Number", length=None) or f[2].pop("length"),
            "cannot change (Text → Number)",
        ),
        (lambda f: f[1].update(length=100), "cannot decrease (254 → 100)"),
        (lambda f: f[2].update(required=True), "cannot become required"),
        (lambda f: f[3].update(scale=4), "precision and scale"),
    ],
)
def test_changes_the_service_refuses_in_place_drop_and_readd_the_field(edit, reason) -> None:  # type: ignore[no-untyped-def]
    definition = copy.deepcopy(CUSTOMERS)
    edit(definition["fields"])
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert change.action == "update"
    assert change.destructive
    assert any(reason in r for r in change.destructive_reasons), change.destructive_reasons
    steps = DataExtensionType().steps(change, ApplyContext())
    assert [s.operation for s in steps] == ["delete", "update"]
    assert steps[0].object.properties["Fields"]["Field"][0]["ObjectID"].startswith("f-")
    readded = steps[1].object.properties["Fields"]["Field"][-1]
    assert "ObjectID" not in readded and "FieldType" in readded


def test_required_to_nullable_is_in_place_without_field_type() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["fields"][1]["required"] = False
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert not change.destructive
    (step,) = DataExtensionType().steps(change, ApplyContext())
    assert step.object.properties["Fields"]["Field"] == [
        {"ObjectID": "f-email", "Name": "Email", "IsRequired": False}
    ]


def test_field_only_in_the_account_is_reported_as_destructive_never_dropped_silently() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    del definition["fields"][4]
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert change.destructive
    assert [(a.path, a.after) for a in change.attributes] == [("fields[Phone]", None)]
    assert "exists in the account but not in the definition" in change.destructive_reasons[0]


def test_primary_key_change_recreates_the_data_extension() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["fields"][1]["primary_key"] = True
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert change.action == "replace" and change.destructive
    context = ApplyContext()
    context.remember("Folder", "Data Extensions/CRM", {"id": 7})
    steps = DataExtensionType().steps(change, context)
    assert [s.operation for s in steps] == ["delete", "create"]


def test_switching_row_based_retention_recreates_the_data_extension() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["retention"]["policy"] = "all_records"
    row, fields = service_rows(CUSTOMERS)
    assert only_change(plan_for(definition, row, fields)).action == "replace"


@pytest.mark.parametrize("policy", ["all_records", "all_records_and_data_extension"])
def test_adding_a_retention_that_deletes_every_row_is_destructive(policy: str) -> None:
    without = copy.deepcopy(CUSTOMERS)
    del without["retention"]
    definition = copy.deepcopy(CUSTOMERS)
    definition["retention"]["policy"] = policy
    row, fields = service_rows(without)
    row.update(DataRetentionPeriodLength=0, RowBasedRetention=False, DeleteAtEndOfRetentionPeriod=False)
    change = only_change(plan_for(definition, row, fields))
    assert change.action == "update" and change.destructive
    assert "deletes every row" in change.destructive_reasons[0]
    # Keeping such a policy and changing its period is not a new loss.
    same_policy = copy.deepcopy(definition)
    same_policy["retention"]["period"] = {"length": 2, "unit": "years"}
    row, fields = service_rows(definition)
    row.update(RowBasedRetention=False, DeleteAtEndOfRetentionPeriod=policy == "all_records")
    assert not only_change(plan_for(same_policy, row, fields)).destructive


def test_retention_period_change_is_in_place() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["retention"]["period"] = {"length": 2, "unit": "years"}
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert change.action == "update" and not change.destructive
    (step,) = DataExtensionType().steps(change, ApplyContext())
    assert step.object.properties["DataRetentionPeriodLength"] == 2
    assert step.object.properties["DataRetentionPeriodUnitOfMeasure"] == 6
    assert "RowBasedRetention" not in step.object.properties


def test_top_level_changes_send_only_what_changed() -> None:
    definition = {**CUSTOMERS, "description": "Synced hourly"}
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    (step,) = DataExtensionType().steps(change, ApplyContext())
    assert step.object.properties == {"CustomerKey": "nto_customers", "Description": "Synced hourly"}


def test_phone_length_is_left_to_the_service_unless_given() -> None:
    row, fields = service_rows(CUSTOMERS)
    fields[4]["MaxLength"] = 30
    assert plan_for(CUSTOMERS, row, fields).empty


def test_field_name_case_change_is_a_rename_with_the_object_id() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["fields"][2]["name"] = "CITY"
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields[CITY].name", "City", "CITY")]


def test_existing_folder_needs_no_change_and_new_folder_is_created() -> None:
    plan = plan_for({**CUSTOMERS, "folder": "Data Extensions"}, None, None, folders=(ROOT,))
    assert [(c.kind, c.action) for c in plan.changes] == [("DataExtension", "create")]
    plan = plan_for(CUSTOMERS, None, None, folders=(ROOT,))
    assert [(c.kind, c.key) for c in plan.changes] == [
        ("Folder", "Data Extensions/CRM"),
        ("DataExtension", "nto_customers"),
    ]


def test_apply_feeds_new_folder_ids_to_children_and_batches_by_kind() -> None:
    from mcstate.applier import apply_plan
    from mcstate.resources.base import WriteResult

    class FakeWriter:
        def __init__(self) -> None:
            self.calls: list[tuple[str, list]] = []
            self.next_id = 100

        def write(self, operation, objects):  # type: ignore[no-untyped-def]
            self.calls.append((operation, list(objects)))
            results = []
            for _ in objects:
                self.next_id += 1
                results.append(
                    WriteResult(True, "ok", new_id=self.next_id, new_object_id=f"guid-{self.next_id}")
                )
            return results

        def send(self, request):  # type: ignore[no-untyped-def]
            raise AssertionError("no REST calls expected")

    second = {**CUSTOMERS, "key": "other", "name": "Other", "folder": "Data Extensions"}
    plan = make_plan(
        desired_state({**CUSTOMERS, "folder": "Data Extensions/A/B"}, second),
        live_state(folders=(ROOT,)),
        "test",
    )
    writer = FakeWriter()
    report = apply_plan(plan, writer)
    assert report.ok and len(report.applied) == 4
    assert [(op, [o.type for o in objs]) for op, objs in writer.calls] == [
        ("create", ["DataFolder"]),
        ("create", ["DataFolder"]),
        ("create", ["DataExtension", "DataExtension"]),
    ]
    assert writer.calls[0][1][0].properties["ParentFolder"] == {"ID": 2}
    assert writer.calls[1][1][0].properties["ParentFolder"] == {"ID": 101}
    assert sorted(o.properties["CategoryID"] for o in writer.calls[2][1]) == [2, 102]


def test_new_required_field_without_default_warns_that_rows_make_the_service_refuse() -> None:
    definition = copy.deepcopy(CUSTOMERS)
    definition["fields"].append({"name": "Tier", "required": True})
    definition["fields"].append({"name": "Score", "type": "Number", "required": True, "default": 0})
    row, fields = service_rows(CUSTOMERS)
    change = only_change(plan_for(definition, row, fields))
    assert not change.destructive
    assert change.warnings == (
        "new required field 'Tier' has no default value: the service accepts it only while the data "
        "extension is empty",
    )


def test_data_extension_names_are_unique_in_definitions_and_in_the_account() -> None:
    other = {**CUSTOMERS, "key": "nto_customers_copy", "name": "nto customers"}
    with pytest.raises(DefinitionError, match="is already used by 'nto_customers'"):
        desired_state(CUSTOMERS, other)
    row, fields = service_rows(CUSTOMERS)
    with pytest.raises(DefinitionError, match="already used in the account by 'nto_customers'"):
        make_plan(desired_state(other), live_state(row, fields), "test")


def test_prevent_destroy_refuses_destructive_changes_even_when_allowed() -> None:
    from mcstate.applier import check_allowed
    from mcstate.errors import PlanRefused

    definition = copy.deepcopy(CUSTOMERS)
    definition["prevent_destroy"] = True
    definition["fields"][1]["length"] = 100
    row, fields = service_rows(CUSTOMERS)
    plan = plan_for(definition, row, fields)
    assert only_change(plan).protected
    with pytest.raises(PlanRefused, match="prevent_destroy"):
        check_allowed(plan, allow_destructive=True)
    definition["fields"][1]["length"] = 254
    definition["description"] = "in place changes stay allowed"
    check_allowed(plan_for(definition, row, fields), allow_destructive=False)
