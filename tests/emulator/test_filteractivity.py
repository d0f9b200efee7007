"""FilterActivity: created over SOAP, listed, read, moved and deleted over REST automation/v1/filters."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from tests.emulator.conftest import Client, data_extension, field, simple
from tests.emulator.test_automation import filter_activity

# The Create answer as the service records it (an mcdev recording of a real account): the result's
# elements, then the echoed object's, in this order.
RECORDED_RESULT = ["StatusCode", "StatusMessage", "OrdinalID", "NewID", "NewObjectID", "Object"]
RECORDED_OBJECT = [
    "PartnerKey", "ObjectID", "CustomerKey", "Name", "Description", "FilterActivityID", "FilterDefinitionID",
    "DestinationObjectID", "DestinationTypeID", "SourceObjectID", "SourceTypeID",
]  # fmt: skip
RECORDED_ITEM_KEYS = [
    "categoryId", "customerKey", "description", "destinationObjectId", "destinationTypeId",
    "filterActivityId", "filterDefinitionId", "name", "sourceObjectId", "sourceTypeId", "statusId",
    "createdDate", "modifiedDate",
]  # fmt: skip


@pytest.fixture
def account(client: Client) -> Client:
    created = client.create(
        data_extension("subscribers", field("City")),
        data_extension("seattle_out", field("City")),
        data_extension("tacoma_out", field("City")),
    )
    assert created.overall == "OK"
    return client


def object_ids(client: Client) -> dict[str, str]:
    return {
        item["CustomerKey"]: item["ObjectID"]
        for item in client.retrieve("DataExtension", ["CustomerKey", "ObjectID"]).objects()
    }


def test_create_answers_as_recorded_and_rest_lists_it(account: Client) -> None:
    activity_id = filter_activity(account, "seattle", "subscribers", "seattle_out")
    [result] = account.retrieve(
        "FilterActivity", ["ObjectID"], simple("CustomerKey", "equals", "seattle")
    ).objects()
    assert result["ObjectID"] == activity_id

    listed = account.rest("GET", "automation/v1/filters")
    assert listed.status_code == 200
    page = listed.json()
    assert list(page) == ["count", "page", "pageSize", "items"]
    [item] = page["items"]
    assert list(item) == RECORDED_ITEM_KEYS
    ids = object_ids(account)
    assert (
        item["filterActivityId"],
        item["customerKey"],
        item["destinationObjectId"],
        item["sourceObjectId"],
    ) == (
        activity_id,
        "seattle",
        ids["seattle_out"],
        ids["subscribers"],
    )
    assert (item["sourceTypeId"], item["destinationTypeId"], item["categoryId"]) == (2, 2, 6)
    assert account.rest("GET", f"automation/v1/filters/{activity_id}").json() == item


def test_the_create_answer_has_the_recorded_elements_in_order(account: Client) -> None:
    filter_activity(account, "seattle", "subscribers", "seattle_out")
    # Another one, to read its raw answer.
    data_filter = account.retrieve(
        "FilterDefinition", ["ObjectID"], simple("CustomerKey", "equals", "seattle_filter")
    ).objects()[0]["ObjectID"]
    ids = object_ids(account)
    reply = account.create(
        {
            "@type": "FilterActivity",
            "CustomerKey": "again",
            "Name": "again",
            "FilterDefinitionID": data_filter,
            "SourceObjectID": ids["subscribers"],
            "SourceTypeID": 2,
            "DestinationObjectID": ids["tacoma_out"],
            "DestinationTypeID": 2,
        }
    )
    result = reply.only()
    assert result.ok and result.message == "FilterActivity Created"
    assert [etree.QName(child).localname for child in result.element] == RECORDED_RESULT
    echoed = result.element.find("{*}Object")
    assert echoed is not None
    assert echoed.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "FilterActivity"
    assert [etree.QName(child).localname for child in echoed] == RECORDED_OBJECT
    assert result.text("NewID") == "0"
    assert echoed.findtext("{*}FilterActivityID") == result.text("NewObjectID")


def _create(client: Client, **values: Any) -> Any:
    return client.create({"@type": "FilterActivity", **values}).only()


def test_create_refuses_what_cannot_be_a_filter_activity(account: Client) -> None:
    filter_activity(account, "seattle", "subscribers", "seattle_out")
    data_filter = account.retrieve(
        "FilterDefinition", ["ObjectID"], simple("CustomerKey", "equals", "seattle_filter")
    ).objects()[0]["ObjectID"]
    ids = object_ids(account)
    good: dict[str, Any] = {
        "CustomerKey": "fa",
        "Name": "fa",
        "FilterDefinitionID": data_filter,
        "SourceObjectID": ids["subscribers"],
        "SourceTypeID": 2,
        "DestinationObjectID": ids["tacoma_out"],
        "DestinationTypeID": 2,
    }
    cases = {
        "no filter": {**good, "FilterDefinitionID": None},
        "an unknown filter": {**good, "FilterDefinitionID": "00000000-0000-0000-0000-000000000000"},
        "another source than the filter's": {**good, "SourceObjectID": ids["tacoma_out"]},
        "a list destination": {**good, "DestinationTypeID": 1},
        "the source as destination": {**good, "DestinationObjectID": ids["subscribers"]},
        "a taken key": {**good, "CustomerKey": "SEATTLE"},
        "a taken name": {**good, "Name": "seattle"},
        "a key over 36 characters": {**good, "CustomerKey": "k" * 37},
        "an ObjectID": {**good, "ObjectID": "00000000-0000-0000-0000-000000000001"},
    }
    for case, values in cases.items():
        result = _create(account, **{k: v for k, v in values.items() if v is not None})
        assert (result.ok, result.code) == (False, 2), case
    assert len(account.rest("GET", "automation/v1/filters").json()["items"]) == 1
    # Updates and deletes go through REST.
    for operation in ("update", "delete"):
        reply = getattr(account, operation)({"@type": "FilterActivity", "CustomerKey": "seattle"}).only()
        assert (reply.ok, reply.code) == (False, 5)


def test_rest_patch_moves_and_renames_but_keeps_filter_source_and_destination(account: Client) -> None:
    activity_id = filter_activity(account, "seattle", "subscribers", "seattle_out")
    path = f"automation/v1/filters/{activity_id}"
    folder = account.create(
        {
            "@type": "DataFolder",
            "ParentFolder": {"ID": 6},
            "Name": "Engagement",
            "Description": "",
            "ContentType": "filteractivity",
            "IsActive": True,
            "IsEditable": True,
            "AllowChildren": True,
        }
    ).only()
    assert folder.ok
    moved = account.rest("PATCH", path, {"categoryId": int(folder.text("NewID") or 0), "name": "Seattle"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["categoryId"], moved.json()["name"]) == (int(folder.text("NewID") or 0), "Seattle")
    ids = object_ids(account)
    for body in (
        {"destinationObjectId": ids["tacoma_out"]},
        {"sourceObjectId": ids["tacoma_out"]},
        {"filterDefinitionId": "00000000-0000-0000-0000-000000000000"},
        {"categoryId": 2},
        {"name": ""},
    ):
        refused = account.rest("PATCH", path, body)
        assert refused.status_code == 400, body
    assert account.rest("GET", path).json()["destinationObjectId"] == ids["seattle_out"]
    deleted = account.rest("DELETE", path)
    assert (deleted.status_code, deleted.text) == (200, "OK")
    assert account.rest("GET", path).status_code == 404
