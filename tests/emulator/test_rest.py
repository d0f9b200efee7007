"""The emulator's REST endpoints over HTTP: authentication, shapes compared with the recordings, rules,
paging, and the request log."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.emulator.conftest import Client, data_extension, field

REFERENCE = os.environ.get("MCSTATE_REFERENCE_DIR")
DE_EXTRACT_TYPE = "bb94a04d-9632-4623-be47-daabc3f588a6"
EXTRACTS = "automation/v1/dataextracts"
TRANSFERS = "automation/v1/filetransfers"
REST_WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def rest(
    client: Client, method: str, path: str, body: Any = None, token: str | None = ""
) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {client.token if token == '' else token}"}
    return client.http.request(method, client.base_url + path, json=body, headers=headers)


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def recorded(relative: str) -> Any:
    if not REFERENCE:
        pytest.skip("MCSTATE_REFERENCE_DIR is not set")
    return json.loads((Path(REFERENCE) / "rest" / relative).read_text())


def location_id(client: Client, name: str = "ExactTarget Enhanced FTP") -> str:
    items = ok(rest(client, "GET", "automation/v1/ftplocations"))["items"]
    return str(next(item["id"] for item in items if item["name"] == name))


def extract_body(key: str = "nto_export", de_key: str = "nto_customers", **changes: Any) -> dict[str, Any]:
    body = {
        "name": key,
        "key": key,
        "description": "",
        "dataExtractTypeId": DE_EXTRACT_TYPE,
        "fileSpec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "dataFields": [
            {"name": "DECustomerKey", "type": "string", "value": de_key},
            {"name": "HasColumnHeaders", "type": "bool", "value": "True"},
        ],
    }
    body.update(changes)
    return body


def transfer_body(client: Client, key: str = "nto_to_ftp", **changes: Any) -> dict[str, Any]:
    body = {
        "name": key,
        "customerKey": key,
        "description": "",
        "fileSpec": "customers_%%Year%%%%Month%%%%Day%%.csv",
        "fileTransferLocationId": location_id(client),
        "isUpload": True,
    }
    body.update(changes)
    return body


@pytest.fixture
def customers(client: Client) -> Client:
    """A fresh account holding the data extension nto_customers."""
    assert client.create(data_extension("nto_customers", field("Id"))).only().ok
    return client


def errors(response: requests.Response) -> list[tuple[int, str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Request contained some validation errors."
    assert set(body) == {"message", "errorcode", "documentation", "validationErrors"}
    return [(error["errorcode"], error["message"]) for error in body["validationErrors"]]


# -- authentication -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_calls_without_a_valid_bearer_token_are_refused_like_the_service(
    client: Client, token: str | None
) -> None:
    response = rest(client, "GET", EXTRACTS, token=token)
    assert response.status_code == 401
    assert response.json()["message"] == "Not Authorized"
    if REFERENCE:
        assert response.json() == recorded("auth.json")["expired"]["response"]


def test_soap_tokens_are_rest_tokens(client: Client) -> None:
    assert ok(rest(client, "GET", EXTRACTS))["items"] == []


# -- lookups ------------------------------------------------------------------------------------------------


def test_extract_types_are_the_recorded_list(client: Client) -> None:
    types = ok(rest(client, "GET", "automation/v1/dataextracttypes"))
    assert {"name": "Data Extension Extract", "extractId": DE_EXTRACT_TYPE} in types
    if REFERENCE:
        expected = recorded("automation/v1/dataextracttypes/get-response.json")
        assert sorted(map(json.dumps, types)) == sorted(map(json.dumps, expected))


def test_file_locations_have_the_recorded_shapes(client: Client) -> None:
    ftp = ok(rest(client, "GET", "automation/v1/ftplocations"))
    names = [item["name"] for item in ftp["items"]]
    assert "ExactTarget Enhanced FTP" in names and ftp["count"] == len(names)
    details = ok(rest(client, "GET", "data/v1/filetransferlocations"))
    assert [item["customerKey"] for item in details["items"]] == ["crm_sftp"]
    assert (
        ok(rest(client, "GET", "data/v1/filetransferlocation/CRM_SFTP"))["fileTransferLocation"]["name"]
        == "CRM SFTP"
    )
    if REFERENCE:
        recorded_ftp = recorded("automation/v1/ftplocations/get-response.json")
        assert list(ftp) == list(recorded_ftp)
        recorded_keys = set().union(*(item.keys() for item in recorded_ftp["items"]))
        assert all(set(item) <= recorded_keys for item in ftp["items"])
        assert list(details) == list(recorded("data/v1/filetransferlocations/get-response.json"))


# -- data extracts ------------------------------------------------------------------------------------------


def test_extract_lifecycle_answers_in_the_recorded_shapes(customers: Client) -> None:
    client = customers
    created = ok(rest(client, "POST", EXTRACTS, extract_body()))
    extract_id = created["dataExtractDefinitionId"]
    assert created["dataFields"] == [
        {"name": "ColumnDelimiter", "type": "string", "value": ","},
        {"name": "DECustomerKey", "type": "string", "value": "nto_customers"},
        {"name": "HasColumnHeaders", "type": "bool", "value": "True"},
        {"name": "TextQualified", "type": "bool", "value": "False"},
        {"name": "UsesLineFeed", "type": "bool", "value": "False"},
    ]
    listed = ok(rest(client, "GET", EXTRACTS))
    detail = ok(rest(client, "GET", f"{EXTRACTS}/{extract_id.upper()}"))
    patched = ok(rest(client, "PATCH", f"{EXTRACTS}/{extract_id}", {"description": "nightly"}))
    assert patched["description"] == "nightly" and patched["dataFields"] == created["dataFields"]
    if REFERENCE:
        folder = "automation/v1/dataextracts"
        assert list(created) == list(recorded(f"{folder}/post-response.json"))
        assert list(listed) == list(recorded(f"{folder}/get-response.json"))
        assert list(listed["items"][0]) == list(recorded(f"{folder}/get-response.json")["items"][0])
        one = "56c5370a-f988-4f36-b0ee-0f876573f6d7"
        assert list(detail) == list(recorded(f"{folder}/{one}/get-response.json"))
        assert list(patched) == list(recorded(f"{folder}/{one}/patch-response.json"))
    deleted = rest(client, "DELETE", f"{EXTRACTS}/{extract_id}")
    assert (deleted.status_code, deleted.text) == (200, "OK")
    gone = rest(client, "GET", f"{EXTRACTS}/{extract_id}")
    assert gone.status_code == 404 and extract_id in gone.json()["message"]
    assert rest(client, "PATCH", f"{EXTRACTS}/{extract_id}", {"name": "x"}).status_code == 404
    assert rest(client, "DELETE", f"{EXTRACTS}/{extract_id}").status_code == 404


def test_duplicate_extract_key_is_refused_case_insensitively(customers: Client) -> None:
    ok(rest(customers, "POST", EXTRACTS, extract_body("nto_export")))
    assert errors(rest(customers, "POST", EXTRACTS, extract_body("NTO_Export"))) == [
        (10011, "A data extract with the key 'NTO_Export' already exists.")
    ]
    other = ok(rest(customers, "POST", EXTRACTS, extract_body("nto_other")))
    renamed = rest(
        customers, "PATCH", f"{EXTRACTS}/{other['dataExtractDefinitionId']}", {"key": "nto_export"}
    )
    assert errors(renamed) == [(10011, "A data extract with the key 'nto_export' already exists.")]


def test_extract_of_a_missing_data_extension_is_refused(customers: Client) -> None:
    assert errors(rest(customers, "POST", EXTRACTS, extract_body(de_key="nto_missing"))) == [
        (10014, "The data extension with the key 'nto_missing' does not exist.")
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, [(10010, "name is required.")]),
        ({"fileSpec": None}, [(10012, "fileSpec is required.")]),
        (
            {"dataExtractTypeId": "not-a-type"},
            [(10013, "dataExtractTypeId not-a-type is not an extract type of this account.")],
        ),
        ({"dataFields": []}, [(31006, "Missing required parameter: DECustomerKey")]),
        (
            {
                "dataFields": [
                    {"name": "DECustomerKey", "value": "nto_customers"},
                    {"name": "Delimiter", "value": ";"},
                ]
            },
            [(31005, "Invalid parameter name: Delimiter")],
        ),
        (
            {
                "dataFields": [
                    {"name": "DECustomerKey", "value": "nto_customers"},
                    {"name": "TextQualified", "value": "yes"},
                ]
            },
            [(31007, "Invalid value for TextQualified: yes")],
        ),
    ],
)
def test_invalid_extracts_are_refused(customers: Client, changes: dict[str, Any], expected: Any) -> None:
    assert errors(rest(customers, "POST", EXTRACTS, extract_body(**changes))) == expected
    assert ok(rest(customers, "GET", EXTRACTS))["count"] == 0


def test_bodies_that_are_not_json_objects_are_refused(customers: Client) -> None:
    response = customers.http.post(
        customers.base_url + EXTRACTS, data=b"[1]", headers={"Authorization": f"Bearer {customers.token}"}
    )
    assert errors(response)[0][0] == 10016


def test_collections_are_paged(customers: Client) -> None:
    for n in range(3):
        ok(rest(customers, "POST", EXTRACTS, extract_body(f"nto_export_{n}")))
    first = ok(rest(customers, "GET", f"{EXTRACTS}?$page=1&$pageSize=2"))
    second = ok(rest(customers, "GET", f"{EXTRACTS}?$page=2&$pageSize=2"))
    assert (first["count"], first["page"], first["pageSize"]) == (3, 1, 2)
    assert [item["key"] for item in first["items"] + second["items"]] == [f"nto_export_{n}" for n in range(3)]
    assert errors(rest(customers, "GET", f"{EXTRACTS}?$page=0"))[0][0] == 10016


# -- file transfers -----------------------------------------------------------------------------------------


def test_transfer_lifecycle_answers_in_the_recorded_shapes(client: Client) -> None:
    created = ok(rest(client, "POST", TRANSFERS, transfer_body(client)))
    transfer_id = created["id"]
    assert (created["isUpload"], created["isCompressed"], created["maxFileAge"]) == (True, False, 0)
    listed = ok(rest(client, "GET", TRANSFERS))
    detail = ok(rest(client, "GET", f"{TRANSFERS}/{transfer_id}"))
    sftp = location_id(client, "CRM SFTP")
    patched = ok(rest(client, "PATCH", f"{TRANSFERS}/{transfer_id}", {"fileTransferLocationId": sftp}))
    assert patched["fileTransferLocationId"] == sftp and patched["fileSpec"] == created["fileSpec"]
    if REFERENCE:
        folder = "automation/v1/filetransfers"
        one = "72c328ac-f5b0-4e37-91d3-a775666f15a6"
        assert list(created) == list(recorded(f"{folder}/post-response.json"))
        assert list(listed) == list(recorded(f"{folder}/get-response.json"))
        assert list(listed["items"][0]) == list(recorded(f"{folder}/get-response.json")["items"][0])
        assert list(detail) == list(recorded(f"{folder}/{one}/get-response.json"))
        assert list(patched) == list(recorded(f"{folder}/{one}/patch-response.json"))
    assert ok(rest(client, "DELETE", f"{TRANSFERS}/{transfer_id}")) == {}
    assert rest(client, "GET", f"{TRANSFERS}/{transfer_id}").status_code == 404


def test_invalid_transfers_are_refused(client: Client) -> None:
    ok(rest(client, "POST", TRANSFERS, transfer_body(client)))
    assert errors(rest(client, "POST", TRANSFERS, transfer_body(client))) == [
        (10011, "A file transfer with the key 'nto_to_ftp' already exists.")
    ]
    nowhere = "00000000-0000-0000-0000-000000000000"
    unknown = transfer_body(client, "nto_other", fileTransferLocationId=nowhere)
    assert errors(rest(client, "POST", TRANSFERS, unknown)) == [
        (10015, f"fileTransferLocationId {nowhere} is not a file location of this account.")
    ]
    flag = transfer_body(client, "nto_other", isCompressed="yes")
    assert errors(rest(client, "POST", TRANSFERS, flag)) == [(10016, "isCompressed must be true or false.")]


# -- routing and the request log ----------------------------------------------------------------------------


def test_unknown_routes_and_methods(client: Client) -> None:
    assert rest(client, "GET", "automation/v1/nothing").status_code == 404
    assert rest(client, "PUT", EXTRACTS, {}).status_code == 405


def test_rest_calls_are_logged_with_method_and_route(customers: Client) -> None:
    assert customers.admin("DELETE", "requests").status_code == 200
    created = ok(rest(customers, "POST", EXTRACTS, extract_body()))
    ok(rest(customers, "GET", f"{EXTRACTS}/{created['dataExtractDefinitionId']}"))
    errors(rest(customers, "POST", EXTRACTS, extract_body()))
    log = customers.admin("GET", "requests").json()
    assert [(e["operation"], e["object_types"], e["status"]) for e in log] == [
        ("POST", [EXTRACTS], 200),
        ("GET", [f"{EXTRACTS}/{{id}}"], 200),
        ("POST", [EXTRACTS], 400),
    ]
    assert [e["object_count"] for e in log if e["operation"] in REST_WRITES] == [1, 1]
