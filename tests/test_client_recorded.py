"""The client against responses recorded from real accounts, served by a small replay adapter.

The recordings are read from $MCSTATE_REFERENCE_DIR (the shared reference folder), never copied.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.soap import SoapClient
from mcstate.errors import AuthError
from mcstate.planner import index_live
from mcstate.resources.base import SoapObject
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.folder import FolderType

REFERENCE = os.environ.get("MCSTATE_REFERENCE_DIR")
pytestmark = pytest.mark.skipif(not REFERENCE, reason="MCSTATE_REFERENCE_DIR is not set")
BASE = "https://tenant.example/"


def reference() -> Path:
    assert REFERENCE
    return Path(REFERENCE)


class Replay(requests.adapters.BaseAdapter):
    """Answers token and SOAP requests with recorded responses, and remembers what was asked."""

    def __init__(self, token_case: str = "success") -> None:
        super().__init__()
        self.token_case = token_case
        self.requests: list[tuple[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.request = request
        response.url = request.url or ""
        if str(request.url).endswith("/v2/token"):
            recorded = json.loads((reference() / "rest/auth.json").read_text())[self.token_case]
            payload = dict(recorded["response"])
            if "soap_instance_url" in payload:
                payload["soap_instance_url"] = BASE
            response.status_code = recorded["status"]
            response._content = json.dumps(payload).encode()
            response.headers["Content-Type"] = "application/json"
            self.requests.append(("token", ""))
            return response
        body = etree.fromstring(
            request.body if isinstance(request.body, bytes) else str(request.body).encode()
        )
        action = str(request.headers.get("SOAPAction", "")).strip('"')
        object_type = body.findtext(".//{*}ObjectType") or ""
        self.requests.append((action, object_type))
        if (body.findtext(".//{*}QueryAllAccounts") or "").strip() == "true":
            # The parent's shared folders, as recorded for a QueryAllAccounts Retrieve of them.
            object_type += " QueryAllAccounts"
        files = {
            ("Retrieve", "DataExtension"): "dataExtension/retrieve-response.xml",
            ("Retrieve", "DataExtensionField"): "dataExtensionField/retrieve-response.xml",
            ("Retrieve", "DataFolder"): "dataFolder/retrieve-response-.xml",
            ("Retrieve", "DataFolder QueryAllAccounts"): "dataFolder/retrieve-ContentTypeINshared_data,"
            "shared_dataextension,shared_salesforcedataextension,synchronizeddataextension-response.xml",
            ("Create", ""): "dataExtension/create-response.xml",
            ("Update", ""): "dataExtension/update-response.xml",
        }
        response.status_code = 200
        response._content = (reference() / "payloads" / files[(action, object_type)]).read_bytes()
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        return response

    def close(self) -> None:
        pass


def client_with(replay: Replay) -> SoapClient:
    session = requests.Session()
    session.mount(BASE, replay)
    tokens = TokenSource(session, BASE, Credentials("id", "secret"))
    return SoapClient(session, tokens)


def test_token_response_is_read_and_reused() -> None:
    replay = Replay()
    session = requests.Session()
    session.mount(BASE, replay)
    tokens = TokenSource(session, BASE, Credentials("id", "secret"))
    token = tokens.token()
    assert token.soap_instance_url == BASE
    assert token.access_token.startswith("eyJ")
    assert tokens.token() is token
    assert replay.requests == [("token", "")]
    assert "eyJ" not in repr(token)


@pytest.mark.parametrize(
    ("case", "message"), [("unauthorized", "Client authentication failed"), ("expired", "Not Authorized")]
)
def test_refused_credentials_give_a_clear_error(case: str, message: str) -> None:
    replay = Replay(case)
    session = requests.Session()
    session.mount(BASE, replay)
    with pytest.raises(AuthError, match=message):
        TokenSource(session, BASE, Credentials("id", "secret")).token()


def test_recorded_data_extension_is_normalized() -> None:
    replay = Replay()
    client = client_with(replay)
    live: dict[str, Any] = {}
    live.update(index_live({"Folder": FolderType().read(client, live)}))
    (de,) = DataExtensionType().read(client, live)
    assert de.key == "testExisting_dataExtensionShared"
    assert de.attributes["folder"] == "Shared Items/Shared Data Extensions"
    assert de.attributes["sendable"] == {"field": "ContactKey", "subscriber_field": "Subscriber Key"}
    assert de.attributes["retention"] == {
        "policy": "individual_records",
        "period": {"length": 6, "unit": "months"},
        "until": None,
        "reset_on_import": False,
    }
    assert [f["name"] for f in de.attributes["fields"]] == [
        "FirstName",
        "LastName",
        "EmailAddress",
        "ContactKey",
    ]
    assert de.attributes["fields"][2] == {
        "name": "EmailAddress",
        "type": "EmailAddress",
        "length": 254,
        "primary_key": False,
        "required": True,
        "default": None,
    }
    assert de.ids["fields"]["ContactKey"] == "shared-8018397d-880d-4f88-940e-3b4eca098a0c"
    # The shared folders (read with QueryAllAccounts) are this account's own: nothing more to read.
    assert [r[1] for r in replay.requests if r[0] == "Retrieve"] == [
        "DataFolder",
        "DataFolder",
        "DataExtension",
        "DataExtensionField",
    ]


def test_recorded_create_and_update_results() -> None:
    client = client_with(Replay())
    obj = SoapObject(
        "DataExtension",
        {
            "CustomerKey": "testNew_dataExtensionShared",
            "Name": "n",
            "Fields": {"Field": [{"Name": "testField", "FieldType": "Text"}]},
        },
    )
    (created,) = client.write("create", [obj])
    assert created.ok and created.message == "Data Extension created."
    assert created.new_object_id == "shared-0ec4-ec11-b83c-48df37d1de8a" and created.new_id == 0
    (updated,) = client.write("update", [obj])
    assert updated.ok and updated.message == "Data Extension updated."
