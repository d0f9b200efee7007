"""The REST client and the DataExtract/FileTransfer types against REST responses recorded from a real account.

The recordings are read from $MCSTATE_REFERENCE_DIR/rest (the shared reference folder), never copied.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.rest import RestClient
from mcstate.errors import AuthError
from mcstate.planner import index_live
from mcstate.resources.base import Live, RestRequest
from mcstate.resources.data_extract import DataExtractType, DataExtractTypeType
from mcstate.resources.file_location import FileLocationType
from mcstate.resources.file_transfer import FileTransferType

REFERENCE = os.environ.get("MCSTATE_REFERENCE_DIR")
pytestmark = pytest.mark.skipif(not REFERENCE, reason="MCSTATE_REFERENCE_DIR is not set")
BASE = "https://tenant.example/"
EXTRACT_ID = "56c5370a-f988-4f36-b0ee-0f876573f6d7"
TRANSFER_ID = "72c328ac-f5b0-4e37-91d3-a775666f15a6"


def recordings() -> Path:
    assert REFERENCE
    return Path(REFERENCE) / "rest"


class RestReplay(requests.adapters.BaseAdapter):
    """Answers the token request and REST calls with the recorded responses; `refuse` calls get the
    recorded 401 first. Remembers every call (method and path, or "token")."""

    def __init__(self, refuse: int = 0) -> None:
        super().__init__()
        self.refuse = refuse
        self.calls: list[str] = []
        self.bearers: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.request = request
        response.url = request.url or ""
        auth = json.loads((recordings() / "auth.json").read_text())
        path = urlsplit(request.url or "").path.strip("/")
        if path == "v2/token":
            self.calls.append("token")
            payload = dict(auth["success"]["response"])
            payload["access_token"] = f"token-{self.calls.count('token')}"
            payload["rest_instance_url"] = BASE
            return _answer(response, 200, json.dumps(payload).encode())
        self.calls.append(f"{request.method} {path}")
        self.bearers.append(str(request.headers.get("Authorization")))
        if self.refuse:
            self.refuse -= 1
            return _answer(response, 401, json.dumps(auth["expired"]["response"]).encode())
        name = {"GET": "get-response", "POST": "post-response", "PATCH": "patch-response"}.get(
            str(request.method), "delete-response"
        )
        folder = recordings() / path
        recorded = next(p for p in sorted(folder.iterdir()) if p.is_file() and p.stem == name)
        return _answer(response, 200, recorded.read_bytes())

    def close(self) -> None:
        pass


def _answer(response: requests.Response, status: int, content: bytes) -> requests.Response:
    response.status_code = status
    response._content = content
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def rest_client(replay: RestReplay) -> RestClient:
    session = requests.Session()
    session.mount(BASE, replay)
    return RestClient(session, TokenSource(session, BASE, Credentials("id", "secret")))


def account(replay: RestReplay) -> AccountClient:
    return AccountClient(None, rest_client(replay))  # type: ignore[arg-type]  # no SOAP call is made


def recorded_live(replay: RestReplay) -> dict[str, dict[str, Live]]:
    """Every REST kind read completely, in registry order, from the recordings."""
    client = account(replay)
    live: dict[str, dict[str, Live]] = {}
    for rtype in (DataExtractTypeType(), DataExtractType(), FileLocationType(), FileTransferType()):
        live.update(index_live({rtype.kind: rtype.read(client, live)}))
    return live


def test_recorded_extract_reads_as_the_definition_that_would_create_it() -> None:
    replay = RestReplay()
    extract = recorded_live(replay)["DataExtract"]["DataExtract:testExisting_dataExtract"]
    assert extract.attributes == {
        "name": "testExisting_dataExtract",
        "description": "blabla",
        "data_extension": "testExisting_dataExtension",
        "file_spec": "testExisting-%%Year%%-%%Month%%-%%Day%%",
        "column_headers": False,
        "delimiter": ",",
        "text_qualified": False,
        "uses_line_feed": False,
        "extract_type": "Data Extension Extract",
    }
    assert extract.ids == {"object_id": EXTRACT_ID, "type_id": "bb94a04d-9632-4623-be47-daabc3f588a6"}
    assert f"GET automation/v1/dataextracts/{EXTRACT_ID}" in replay.calls


def test_recorded_locations_resolve_keys_to_the_ids_transfers_store() -> None:
    locations = recorded_live(RestReplay())["FileLocation"]
    assert locations["FileLocation:ExactTarget Enhanced FTP"].ids == {
        "id": "41a5ded7-0d98-4910-a15f-d09e7ab0af24"
    }
    assert "FileLocation:Salesforce Objects & Reports" in locations
    aws = locations["FileLocation:testExisting_fileLocation_aws"]
    assert aws.ids == {"id": "62bb39b1-c84f-47b5-98a0-61e5d79b7f31"}
    assert aws.attributes["name"] == "testExisting_fileLocation_aws_name"
    assert aws.attributes["location_type"] == "AmazonSimpleStorage"


def test_recorded_transfer_names_its_location_by_key() -> None:
    transfer = recorded_live(RestReplay())["FileTransfer"]["FileTransfer:testExisting_fileTransfer"]
    assert transfer.attributes == {
        "name": "testExisting_fileTransfer",
        "description": "17.11.2022",
        "file_spec": "%%Year%%",
        "file_location": "ExactTarget Enhanced FTP",
        "action": "move_from_safehouse",
        "compressed": False,
        "encrypted": False,
    }
    assert transfer.ids == {"object_id": TRANSFER_ID}


def test_recorded_create_answers_give_the_new_ids_and_deletes_succeed() -> None:
    client = rest_client(RestReplay())
    extract = client.send(RestRequest("POST", "automation/v1/dataextracts", {"name": "n"}))
    assert extract.ok and extract.new_object_id == EXTRACT_ID
    transfer = client.send(RestRequest("POST", "automation/v1/filetransfers", {"name": "n"}))
    assert transfer.ok and transfer.new_object_id == TRANSFER_ID
    patched = client.send(RestRequest("PATCH", f"automation/v1/filetransfers/{TRANSFER_ID}", {"name": "n"}))
    assert patched.ok
    # A deleted extract answers the bare text OK, a deleted transfer an empty object.
    assert client.send(RestRequest("DELETE", f"automation/v1/dataextracts/{EXTRACT_ID}")).ok
    assert client.send(RestRequest("DELETE", f"automation/v1/filetransfers/{TRANSFER_ID}")).ok


def test_a_refused_token_is_renewed_once_then_reported() -> None:
    replay = RestReplay(refuse=1)
    client = rest_client(replay)
    assert client.get("automation/v1/dataextracttypes")
    assert replay.calls == [
        "token",
        "GET automation/v1/dataextracttypes",
        "token",
        "GET automation/v1/dataextracttypes",
    ]
    assert replay.bearers == ["Bearer token-1", "Bearer token-2"]

    with pytest.raises(AuthError, match="refused the token"):
        rest_client(RestReplay(refuse=2)).get("automation/v1/dataextracttypes")
