"""DataFolder: root folders of a fresh tenant, and Create/Update/Delete rules."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Client, data_extension, folder, simple

FOLDER_PROPERTIES = [
    "ID", "Client.ID", "ParentFolder.ID", "ParentFolder.CustomerKey", "ParentFolder.ObjectID",
    "ParentFolder.Name",
    "Name", "Description", "ContentType", "IsActive", "IsEditable", "AllowChildren", "CreatedDate",
    "ModifiedDate", "ObjectID", "CustomerKey",
]  # fmt: skip


def folders(client: Client, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return client.retrieve("DataFolder", FOLDER_PROPERTIES, filter).objects()


def by_name(client: Client, name: str) -> dict[str, Any]:
    (item,) = folders(client, simple("Name", "equals", name))
    return item


def test_fresh_account_has_the_root_folders(client: Client) -> None:
    roots = {item["ContentType"]: item for item in folders(client)}
    expected = {
        "dataextension": ("Data Extensions", "dataextension_default"),
        "shared_dataextension": ("Shared Data Extensions", "shared_dataextension_default"),
        "queryactivity": ("Query", "queryactivity_default"),
        "filterdefinition": ("Data Filters", "filterdefinition_default"),
        "automations": ("my automations", "automations_default"),
        "hidden": ("Hidden", "hidden_default"),
    }
    for content_type, (name, key) in expected.items():
        root = roots[content_type]
        assert (root["Name"], root["CustomerKey"]) == (name, key)
        assert root["ParentFolder"] == {"PartnerKey": None, "ID": "0", "ObjectID": None}
        assert (root["IsEditable"], root["AllowChildren"], root["IsActive"]) == ("false", "true", "true")
        assert root["ObjectID"] is None and root["PartnerKey"] is None
        assert int(root["ID"]) > 0
    assert roots["dataextension"]["ID"] == "2"


def test_create_answers_new_id_without_object(client: Client) -> None:
    reply = client.create(folder("First"), folder("Second"))
    first, second = reply.results
    assert first.ok and first.message == "Folder created successfully."
    assert int(second.text("NewID") or 0) > int(first.text("NewID") or 0) > 7
    assert first.text("NewObjectID")
    assert first.element.find("{http://exacttarget.com/wsdl/partnerAPI}Object") is None
    item = by_name(client, "First")
    assert (
        item["ParentFolder"]["ID"] == "2" and item["ParentFolder"]["CustomerKey"] == "dataextension_default"
    )
    assert item["ParentFolder"]["Name"] == "Data Extensions"
    assert item["ObjectID"] is None


def test_create_defaults_is_editable_and_allow_children_to_false(client: Client) -> None:
    item = folder("Plain")
    for name in ("IsEditable", "AllowChildren", "IsActive"):
        del item[name]
    client.create(item)
    created = by_name(client, "Plain")
    assert (created["IsEditable"], created["AllowChildren"], created["IsActive"]) == (
        "false",
        "false",
        "true",
    )


def test_create_validation(client: Client) -> None:
    def create(**changes: Any) -> Any:
        item = folder("F")
        for key, value in changes.items():
            if value is None:
                item.pop(key, None)
            else:
                item[key] = value
        return client.create(item).only()

    assert create(Name=None).code == 396003
    assert (create(Name=None).message) == "Data Folder Name Required"
    assert create(ContentType=None).code == 396004
    assert create(ContentType="bogus").code == 396005
    assert create(ParentFolder={"ID": 0}).code == 396007
    assert create(ParentFolder=None).code == 396007
    assert create(ParentFolder={"ID": 99999}).code == 396007
    assert create(ParentFolder={"ID": 4}).code == 396007
    assert create(Description=None).code == 396010
    assert create(Description="").ok


def test_customer_key_and_sibling_name_unique(client: Client) -> None:
    assert client.create(folder("One", CustomerKey="fk")).only().ok
    duplicate_key = client.create(folder("Two", CustomerKey="FK")).only()
    assert (duplicate_key.code, duplicate_key.message) == (396002, "Data Folder Customer Key Exists")
    sibling = client.create(folder("one")).only()
    assert sibling.code == 396012
    parent = client.create(folder("Parent")).only().text("NewID")
    assert client.create(folder("One", parent_id=int(parent or 0))).only().ok


def test_content_type_comparison_ignores_case(client: Client) -> None:
    assert client.create(folder("Mixed", content_type="DataExtension")).only().ok
    assert len(folders(client, simple("ContentType", "equals", "DATAEXTENSION"))) == 2


def test_parent_must_allow_children(client: Client) -> None:
    closed = client.create(folder("Closed", AllowChildren=False)).only().text("NewID")
    assert client.create(folder("Inner", parent_id=int(closed or 0))).only().code == 396007


def test_update_by_id_or_key(client: Client) -> None:
    folder_id = client.create(folder("Old", CustomerKey="fk")).only().text("NewID")
    before = by_name(client, "Old")["ModifiedDate"]
    renamed = client.update(
        {"@type": "DataFolder", "ID": folder_id, "Name": "New", "Description": "d"}
    ).only()
    assert renamed.ok and renamed.message == "Folder updated successfully."
    assert renamed.element.find("{http://exacttarget.com/wsdl/partnerAPI}Object") is None
    item = by_name(client, "New")
    assert item["Description"] == "d" and item["ModifiedDate"] > before
    assert client.update({"@type": "DataFolder", "CustomerKey": "fk", "Name": "Newer"}).only().ok
    assert client.update({"@type": "DataFolder", "Name": "x"}).only().code == 396008
    assert client.update({"@type": "DataFolder", "ID": 99999, "Name": "x"}).only().code == 396009
    content_type = client.update({"@type": "DataFolder", "ID": folder_id, "ContentType": "queryactivity"})
    assert content_type.only().code == 396005
    same_type = client.update({"@type": "DataFolder", "ID": folder_id, "ContentType": "dataextension"})
    assert same_type.only().ok


def test_update_moves_and_refuses_cycles(client: Client) -> None:
    a = int(client.create(folder("A")).only().text("NewID") or 0)
    b = int(client.create(folder("B", parent_id=a)).only().text("NewID") or 0)
    c = int(client.create(folder("C")).only().text("NewID") or 0)
    assert client.update({"@type": "DataFolder", "ID": b, "ParentFolder": {"ID": c}}).only().ok
    assert by_name(client, "B")["ParentFolder"]["ID"] == str(c)
    assert client.update({"@type": "DataFolder", "ID": c, "ParentFolder": {"ID": b}}).only().code == 396007
    assert client.update({"@type": "DataFolder", "ID": c, "ParentFolder": {"ID": 4}}).only().code == 396007
    assert client.update({"@type": "DataFolder", "ID": c, "ParentFolder": {"ID": 0}}).only().code == 396007
    assert client.create(folder("B", parent_id=a)).only().ok
    clash = client.update({"@type": "DataFolder", "ID": b, "ParentFolder": {"ID": a}}).only()
    assert clash.code == 396012


def test_roots_are_not_editable(client: Client) -> None:
    assert client.update({"@type": "DataFolder", "ID": 2, "Name": "x"}).only().code == 396001
    assert client.delete({"@type": "DataFolder", "ID": 2}).only().code == 396001


def test_delete_only_empty_editable_folders(client: Client) -> None:
    parent = int(client.create(folder("P")).only().text("NewID") or 0)
    child = int(client.create(folder("C", parent_id=parent)).only().text("NewID") or 0)
    assert client.delete({"@type": "DataFolder", "ID": parent}).only().code == 396001
    client.create(data_extension("k1", CategoryID=child))
    assert client.delete({"@type": "DataFolder", "ID": child}).only().code == 396001
    client.delete({"@type": "DataExtension", "CustomerKey": "k1"})
    deleted = client.delete({"@type": "DataFolder", "ID": child}).only()
    assert deleted.ok and deleted.message == "Folder deleted successfully."
    locked = int(client.create(folder("Locked", IsEditable=False)).only().text("NewID") or 0)
    assert client.delete({"@type": "DataFolder", "ID": locked}).only().code == 396001
    assert client.delete({"@type": "DataFolder", "ID": 99999}).only().code == 396009
